package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func eraseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "erase",
		Usage:     "erase a record, or one class of it, from the vault for good",
		ArgsUsage: "ID",
		Description: "Needs the erase action. Removes the record's header, keys, attachments, index entries and\n" +
			"consent changes (with --class, that class's keys and attachments only) in one step with an\n" +
			"'erase' audit entry, then rewrites the vault's files so that no byte of them remains there.\n" +
			"The audit log keeps the entry: who erased what, when and why. A record under a legal hold\n" +
			"cannot be erased. Copies outside the vault folder (backups, bundles, opened files) are not\n" +
			"reached: see SECURITY.md. Run again after an interruption, it finishes the job.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "class", Usage: "erase only this `CLASS` of the record"},
			&cli.StringFlag{Name: "reason", Usage: "why the record is erased, as one line of `TEXT` (required; kept in the audit log)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("erase needs exactly one record ID")
			}
			if c.String("reason") == "" {
				return usagef("erase needs --reason TEXT: say why the record is erased (it is kept in the audit log)")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				done, err := v.Erase(c.Context, c.Args().First(), c.String("class"), c.String("reason"))
				if err != nil {
					return err
				}
				e.committed("record %s was erased all the same", done.ID)
				if c.Bool("json") {
					return jsonOut(e, done)
				}
				what := "record " + done.ID
				if done.Class != "" {
					what = fmt.Sprintf("class %s of record %s", done.Class, done.ID)
				}
				verb := "erased"
				if done.Finished {
					verb = "finished erasing"
				}
				_, err = fmt.Fprintf(e.stdout, "%s %s (audit entry %d): no byte of it remains in the vault folder's files\n", verb, what, done.Seq)
				return err
			})
		},
	}
}
