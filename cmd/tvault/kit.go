package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func kitCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "kit",
		Usage: "make seal kits for field vaults",
		Subcommands: []*cli.Command{{
			Name:      "export",
			Usage:     "write a seal kit: what a field vault needs to seal for this vault, and nothing more",
			ArgsUsage: " ",
			Description: "Needs the policy action. The kit holds the vault's id, the policy version in force and its\n" +
				"digest, the public schema and purposes, each class's current slot keys (public) and a new intake\n" +
				"key that bundles from the field are encrypted to. It names no member and holds no secret. A\n" +
				"researcher makes a field vault from it with 'tvault init --kit FILE --name NAME'. Export a new kit\n" +
				"after the policy or the keys change: bundles made with an old one say so when imported.",
			Flags: []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the kit to `FILE` (which must not exist)"}},
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usagef("kit export takes no arguments")
				}
				if c.String("output") == "" {
					return usagef("kit export needs -o FILE: the kit is a file to hand to researchers")
				}
				return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
					kit, err := v.ExportKit()
					if err != nil {
						return err
					}
					if err := e.writeOutput(c.String("output"), func(w io.Writer) error {
						_, err := w.Write(kit)
						return err
					}); err != nil {
						return err
					}
					e.committed("the kit was written to %s all the same", c.String("output"))
					_, ver := v.Vault().Policy()
					fmt.Fprintf(e.stdout, "wrote a seal kit of policy version %d to %s: it names no member and holds no secret\n", ver, c.String("output"))
					return nil
				})
			},
		}},
	}
}
