package main

import (
	"bufio"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func retentionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "retention",
		Usage: "erase what the policy's retention rules have expired",
		Subcommands: []*cli.Command{{
			Name:      "run",
			Usage:     "erase every record, or class of one, past its retention",
			ArgsUsage: " ",
			Description: "Needs the erase action. A class with 'retention = \"10y\"' in the policy in force is kept that\n" +
				"long after each record was sealed (y years, m months, d days). A record every class of which is\n" +
				"past its retention is erased whole; otherwise each class past its own is erased, as\n" +
				"'tvault erase' would, each with an erase entry saying which rule expired it. A record under a\n" +
				"legal hold is left alone and listed as held (a denied erase entry each time). The table lists\n" +
				"ID, CLASS ((all) for the whole record), SEALED, RETENTION and WHAT: erased, held, would erase\n" +
				"(--dry-run), or not erased (the run stopped first: run it again). --dry-run erases nothing;\n" +
				"like every run it records a 'retention-run' audit entry counting what it found. Exits 0 when\n" +
				"it ran, held records or not; 4 if a record failed verification (it is left alone, the rest\n" +
				"are done).",
			Flags: []cli.Flag{&cli.BoolFlag{Name: "dry-run", Usage: "list what would be erased, erase nothing"}},
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usagef("retention run takes no arguments")
				}
				return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
					rep, err := v.RunRetention(c.Context, c.Bool("dry-run"))
					if rep == nil {
						return err
					}
					if !rep.DryRun {
						e.committed("what the table lists as erased was erased all the same: 'tvault audit export' shows the erase entries")
					}
					var perr error
					if c.Bool("json") {
						perr = jsonOut(e, rep)
					} else {
						perr = e.printRetention(rep)
					}
					if err != nil {
						return err
					}
					return perr
				})
			},
		}},
	}
}

// printRetention prints a retention run's table and a line saying what
// it did. Every cell from the vault is escaped.
func (e *env) printRetention(rep *vault.RetentionReport) error {
	if len(rep.Items) == 0 {
		_, err := fmt.Fprintf(e.stdout, "nothing is past its retention (audit entry %d)\n", rep.Entry)
		return err
	}
	bw := bufio.NewWriter(e.stdout)
	tw := tabwriter.NewWriter(bw, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCLASS\tSEALED\tRETENTION\tWHAT")
	n := map[string]int{}
	for _, it := range rep.Items {
		class := it.Class
		if class == "" {
			class = "(all)"
		}
		n[it.What]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", text.Escape(it.ID), text.Escape(class), it.SealedAt.UTC().Format(time.DateOnly),
			text.Escape(it.Retention), it.What)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.DryRun {
		fmt.Fprintf(bw, "dry run: %d would be erased, %d held, %d skipped; nothing was erased (audit entry %d)\n",
			n[vault.RetentionWouldErase], n[vault.RetentionHeld], n[vault.RetentionSkipped], rep.Entry)
	} else {
		fmt.Fprintf(bw, "%d erased, %d held, %d skipped (audit entry %d)\n", n[vault.RetentionErased], n[vault.RetentionHeld], n[vault.RetentionSkipped], rep.Entry)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if n[vault.RetentionNotErased] > 0 {
		e.note("%d not erased: the run stopped before them; run it again to erase them", n[vault.RetentionNotErased])
	}
	if n[vault.RetentionSkipped] > 0 {
		e.note("a skipped class shares a storage prefix with another class of its record: erase the whole record with 'tvault erase ID --reason TEXT'")
	}
	return nil
}
