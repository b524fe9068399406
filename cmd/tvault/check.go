package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func checkCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "check",
		Usage:       "verify every signature, blob, index entry and the audit tree",
		ArgsUsage:   " ",
		Description: "Prints each finding, then a summary line; exits 4 if it found a problem.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "read-data", Usage: "also read every blob and check it against the signed hashes, and decrypt the classes you can decrypt to check their padding and plaintext hashes (nothing is written)"},
			&cli.BoolFlag{Name: "repair", Usage: "remove blobs orphaned by an interrupted seal and rebuild the index"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("check takes no arguments")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				rep, err := v.Check(c.Context, vault.CheckOptions{ReadData: c.Bool("read-data"), Repair: c.Bool("repair")})
				if err != nil {
					return err
				}
				if c.Bool("json") {
					if rep.Findings == nil {
						rep.Findings = []vault.Finding{}
					}
					if rep.Orphans == nil {
						rep.Orphans = []string{}
					}
					if rep.Partial == nil {
						rep.Partial = []string{}
					}
					if err := jsonOut(e, rep); err != nil {
						return err
					}
				} else {
					for _, f := range rep.Findings {
						fmt.Fprintln(e.stdout, f.String())
					}
					if rep.Leftovers() == 0 && !rep.Repaired {
						fmt.Fprintln(e.stdout, "no orphaned blobs")
					}
					fmt.Fprintf(e.stdout, "checked %d records, %d blobs, %d audit entries", rep.Records, rep.Blobs, rep.Entries)
					if c.Bool("read-data") {
						fmt.Fprint(e.stdout, ", all data read")
					}
					fmt.Fprintln(e.stdout)
				}
				if n := rep.Errors(); n > 0 {
					return fmt.Errorf("%w: check found %d problem%s", vault.ErrIntegrity, n, plural(n))
				}
				return nil
			})
		},
	}
}
