package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func initCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "init",
		Usage:       "create a vault with a policy",
		ArgsUsage:   " ",
		Description: "Prints the new vault's id, its policy and each class's holders.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "policy", Usage: "the policy `FILE` (TOML)", Required: true},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("init takes no arguments (got %q); name the vault with --vault DIR", c.Args().First())
			}
			pb, err := readInputFile(c.String("policy"), "policy")
			if err != nil {
				return err
			}
			id, err := e.loadIdentity(c)
			if err != nil {
				return err
			}
			dir := e.vaultPath(c)
			v, err := vault.Init(dir, id, pb, vault.Options{})
			if err != nil {
				return err
			}
			defer v.Close()
			e.committed("the vault was created in %s all the same", dir)
			pol, _ := v.Policy()
			m, _ := v.As(id).Member()
			if c.Bool("json") {
				return jsonOut(e, map[string]any{"vault": dir, "id": v.ID(), "policy": pol.Name, "policy_version": 1, "classes": pol.ClassNames()})
			}
			fmt.Fprintf(e.stdout, "created vault %s in %s\n", v.ID(), dir)
			fmt.Fprintf(e.stdout, "policy %q version 1, signed by %s\n", pol.Name, m.Name)
			for _, class := range pol.ClassNames() {
				hs := pol.Holders(class)
				names := make([]string, len(hs))
				for i, h := range hs {
					names[i] = h.Name
				}
				fmt.Fprintf(e.stdout, "class %s: epoch 1, threshold %d, holders %v\n", class, pol.Threshold(class), names)
			}
			return nil
		},
	}
}
