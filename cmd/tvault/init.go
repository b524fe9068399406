package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func initCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a vault with a policy, or a field vault with a seal kit",
		ArgsUsage: " ",
		Description: "With --policy: prints the new vault's id, its policy and each class's holders.\n" +
			"With --kit and --name: makes a field vault for the researcher whose identity is given, called NAME\n" +
			"in the vault's policy: it seals records for that vault, lists them and keeps its own audit log, and\n" +
			"can never open what it sealed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "policy", Usage: "the policy `FILE` (TOML)"},
			&cli.StringFlag{Name: "kit", Usage: "make a field vault from the seal kit `FILE` ('tvault kit export')"},
			&cli.StringFlag{Name: "name", Usage: "with --kit: your `NAME` in the vault's policy"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("init takes no arguments (got %q); name the vault with --vault DIR", c.Args().First())
			}
			switch {
			case c.IsSet("kit") && c.IsSet("policy"):
				return usagef("init takes --policy (a vault) or --kit (a field vault), not both")
			case c.IsSet("kit"):
				return e.initField(c)
			case c.IsSet("name"):
				return usagef("--name goes with --kit")
			case !c.IsSet("policy"):
				return usagef("init needs --policy FILE (a vault) or --kit FILE --name NAME (a field vault)")
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

func (e *env) initField(c *cli.Context) error {
	if c.String("name") == "" {
		return usagef("--kit needs --name NAME: your name in the vault's policy (the kit names no member)")
	}
	kit, err := readInputFile(c.String("kit"), "seal kit")
	if err != nil {
		return err
	}
	id, err := e.loadIdentity(c)
	if err != nil {
		return err
	}
	dir := e.vaultPath(c)
	v, err := vault.InitField(dir, id, kit, c.String("name"), vault.Options{})
	if err != nil {
		return err
	}
	defer v.Close()
	e.committed("the field vault was created in %s all the same", dir)
	pol, ver := v.Policy()
	if c.Bool("json") {
		return jsonOut(e, map[string]any{"vault": dir, "id": v.ID(), "field": true, "for": v.SealsFor(), "policy": pol.Name,
			"policy_version": ver, "classes": pol.ClassNames()})
	}
	fmt.Fprintf(e.stdout, "created field vault %s in %s\n", v.ID(), dir)
	fmt.Fprintf(e.stdout, "it seals for vault %s under policy %q version %d, classes %v, and opens nothing\n", v.SealsFor(), pol.Name, ver, pol.ClassNames())
	return nil
}
