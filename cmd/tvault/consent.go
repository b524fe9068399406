package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func consentCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "consent",
		Usage: "narrow the purposes a record may be opened for",
		Description: "Where the policy lists purposes, a record's public 'consent' field says which of them the\n" +
			"interviewee agreed to, and 'tvault open' and 'tvault cat' must name one with --purpose.\n" +
			"'tvault consent withdraw' takes one back from then on; 'tvault show ID' lists what is left.",
		Subcommands: []*cli.Command{consentWithdrawCommand(e)},
	}
}

func consentWithdrawCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "withdraw",
		Usage:     "withdraw the interviewee's consent to one purpose of a record",
		ArgsUsage: "ID",
		Description: "Needs the erase action. From then on, opening the record for that purpose is denied (and\n" +
			"recorded); the purposes left still open it. The withdrawal is an audit entry of its own, with\n" +
			"the purpose and the reason; the sealed record is never rewritten. Prints what is left in force;\n" +
			"when nothing is, the record can no longer be opened and 'tvault erase ID' is the next step.\n" +
			"A purpose withdrawn before is no error: it says so and changes nothing.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "purpose", Usage: "the `PURPOSE` consent is withdrawn from, one the policy lists (required)"},
			&cli.StringFlag{Name: "reason", Usage: "why, as one line of `TEXT` kept in the audit log: never an interviewee's name (required)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("consent withdraw needs exactly one record ID")
			}
			if c.String("purpose") == "" {
				return usagef("consent withdraw needs --purpose PURPOSE: the purpose the interviewee no longer agrees to")
			}
			if c.String("reason") == "" {
				return usagef("consent withdraw needs --reason TEXT: say why (it is kept in the audit log)")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				res, err := v.WithdrawConsent(c.Context, c.Args().First(), c.String("purpose"), c.String("reason"))
				if err != nil {
					return err
				}
				if !res.Already {
					e.committed("consent to the purpose %q of record %s was withdrawn all the same (audit entry %d)",
						res.Purpose, res.Record, res.Entry)
				}
				if c.Bool("json") {
					return jsonOut(e, res)
				}
				return writeWithdraw(e.stdout, res)
			})
		},
	}
}

func writeWithdraw(w io.Writer, res *vault.WithdrawResult) error {
	if res.Already {
		fmt.Fprintf(w, "consent to the purpose %q of record %s was already withdrawn in audit entry %d (by %s, %s): nothing changed\n",
			res.Purpose, res.Record, res.Entry, text.Escape(res.By), res.At.UTC().Format(time.RFC3339))
	} else {
		fmt.Fprintf(w, "withdrew consent to the purpose %q of record %s (audit entry %d)\n", res.Purpose, res.Record, res.Entry)
	}
	if len(res.InForce) > 0 {
		_, err := fmt.Fprintf(w, "still in force: %s\n", purposeList(res.InForce))
		return err
	}
	_, err := fmt.Fprintf(w, "no purpose is left in force: record %s can no longer be opened; the next step is 'tvault erase %s --reason TEXT'\n",
		res.Record, res.Record)
	return err
}

// writeConsent adds a record's consent to show's text: given, in force,
// and each withdrawal.
func writeConsent(w io.Writer, c *vault.ConsentInfo) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "consent    given %s; in force %s\n", orNone(purposeList(c.Given)), orNone(purposeList(c.InForce)))
	for _, wd := range c.Withdrawals {
		fmt.Fprintf(w, "withdrawn  %q at %s by %s in entry %d: %s\n", wd.Purpose, wd.At.UTC().Format(time.RFC3339),
			text.Escape(wd.By), wd.Entry, text.Escape(wd.Reason))
	}
	if len(c.InForce) == 0 {
		fmt.Fprintf(w, "consent    no purpose is left in force: the record can no longer be opened\n")
	}
}

func purposeList(ps []string) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = text.Escape(p)
	}
	return strings.Join(out, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
