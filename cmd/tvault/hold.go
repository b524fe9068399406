package main

import (
	"bufio"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func holdCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "hold",
		Usage:     "place a legal hold on a record, or release it",
		ArgsUsage: "ID",
		Description: "Needs the erase action. A record under a legal hold cannot be erased, by 'tvault erase' or by\n" +
			"'tvault retention run', until the hold is released with --release; every refusal is recorded.\n" +
			"Placing and releasing a hold are audit entries ('hold', 'hold-release') keeping who, when and\n" +
			"the reason. 'tvault list --held' shows the holds in force. Holding a record already held, or\n" +
			"releasing one that is not, changes nothing and exits 1.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "release", Usage: "release the record's hold instead of placing one"},
			&cli.StringFlag{Name: "reason", Usage: "why, as one line of `TEXT` (required; kept in the audit log: never an interviewee's name)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("hold needs exactly one record ID")
			}
			if c.String("reason") == "" {
				return usagef("hold needs --reason TEXT: say why (a case, a court order; it is kept in the audit log)")
			}
			id, reason := c.Args().First(), c.String("reason")
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				if c.Bool("release") {
					return e.releaseHold(c, v, id, reason)
				}
				ch, err := v.PlaceHold(id, reason)
				if err != nil {
					return holdHint(err)
				}
				e.committed("record %s is under a legal hold all the same", ch.ID)
				if c.Bool("json") {
					return jsonOut(e, ch)
				}
				_, err = fmt.Fprintf(e.stdout, "record %s is under a legal hold (audit entry %d): it cannot be erased until 'tvault hold --release %s --reason TEXT'\n",
					ch.ID, ch.Entry, ch.ID)
				return err
			})
		},
	}
}

func (e *env) releaseHold(c *cli.Context, v *vault.Actor, id, reason string) error {
	ch, err := v.ReleaseHold(id, reason)
	if err != nil {
		return holdHint(err)
	}
	e.committed("the legal hold of record %s was released all the same", ch.ID)
	if c.Bool("json") {
		return jsonOut(e, ch)
	}
	_, err = fmt.Fprintf(e.stdout, "released the legal hold of record %s (placed by %s on %s, audit entry %d) in audit entry %d: it can be erased again\n",
		ch.ID, text.Escape(ch.Hold.HeldBy), ch.Hold.HeldAt.UTC().Format(time.DateOnly), ch.Hold.Entry, ch.Entry)
	return err
}

// holdHint points a refusal for the hold's state (exit 1) to the list of
// holds.
func holdHint(err error) error {
	if errors.Is(err, vault.ErrHoldState) {
		return withHint(err, "'tvault list --held' shows the records under a legal hold, who placed each hold, when and why")
	}
	return err
}

// listHeld is 'tvault list --held': the holds in force, as a table or
// JSON.
func (e *env) listHeld(c *cli.Context) error {
	for _, f := range []string{"where", "since", "until", "csv", "bom"} {
		if c.IsSet(f) {
			return usagef("--held lists every record under a legal hold: leave out --%s", f)
		}
	}
	return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
		holds, err := v.Holds(c.Context)
		if err != nil {
			return err
		}
		if c.Bool("json") {
			return jsonOut(e, holds)
		}
		if len(holds) == 0 {
			e.note("no record is under a legal hold")
			return nil
		}
		bw := bufio.NewWriter(e.stdout)
		tw := tabwriter.NewWriter(bw, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tHELD\tBY\tENTRY\tREASON")
		for _, h := range holds {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", text.Escape(h.ID), h.HeldAt.UTC().Format("2006-01-02 15:04"), text.Escape(h.HeldBy), h.Entry, text.Escape(h.Reason))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		return bw.Flush()
	})
}
