package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/mod/sumdb/note"

	"github.com/tvault/tvault/internal/witness"
	"github.com/tvault/tvault/vault"
)

func auditWitnessCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "witness",
		Usage:     "have a C2SP tlog-witness cosign the audit log's checkpoint, and keep its cosignature",
		UsageText: "tvault audit witness --url URL --key VKEY [--timeout DURATION] | --setup",
		ArgsUsage: " ",
		Description: "Records an audit-witness entry, then sends the checkpoint that covers it, with a consistency proof from\n" +
			"the tree size that witness last cosigned, to URL/add-checkpoint, and keeps the checkpoint with the\n" +
			"witness's cosignature in the vault; 'tvault audit verify --witness KEY' and exports use it.\n" +
			"The witness must know the log: its origin and every member's signing key, which --setup prints as\n" +
			"witnessctl commands (see the README, \"Witnesses\"). Exit 4 if the witness has seen a different\n" +
			"history (a vault restored from an older copy, or changed) or its cosignature does not verify.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Usage: "the witness's base `URL` (http:// or https://)"},
			&cli.StringFlag{Name: "key", Usage: "the witness's verifier key `VKEY` (name+hash+key, as litewitness prints it)"},
			&cli.DurationFlag{Name: "timeout", Value: witness.DefaultTimeout, Usage: "give up on a witness that has not answered within `DURATION`"},
			&cli.BoolFlag{Name: "setup", Usage: "print the witnessctl commands that register this log with a litewitness (its origin and the members' keys), and send nothing"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("audit witness takes no arguments (got %q)", c.Args().First())
			}
			if c.Bool("setup") {
				if c.IsSet("url") || c.IsSet("key") {
					return usagef("--setup sends nothing: run it without --url and --key")
				}
				return e.witnessSetup(c)
			}
			if !c.IsSet("url") || !c.IsSet("key") {
				return usagef("audit witness needs --url URL and --key VKEY (the witness's verifier key)")
			}
			u, err := witness.ParseURL(c.String("url"))
			if err != nil {
				return usagef("--url: %v", err)
			}
			key, err := witness.ParseVerifierKey(c.String("key"))
			if err != nil {
				return usagef("--key: %v", err)
			}
			if c.Duration("timeout") <= 0 {
				return usagef("--timeout must be positive")
			}
			opts := vault.WitnessOptions{URL: u, Key: key, Client: &http.Client{Timeout: c.Duration("timeout")}}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				res, err := v.AuditWitness(c.Context, opts)
				if err != nil {
					return witnessHint(err)
				}
				e.committed("witness %s's cosignature of tree size %d is kept all the same", res.Witness, res.Size)
				if c.Bool("json") {
					return jsonOut(e, map[string]any{"witness": res.Witness, "tree_size": res.Size, "old_size": res.OldSize,
						"cosigned": string(res.Cosigned)})
				}
				_, err = fmt.Fprintf(e.stdout, "ok: witness %s cosigned tree size %d (it had %d)\n", res.Witness, res.Size, res.OldSize)
				return err
			})
		},
	}
}

// witnessSetup prints what a witness must know of the log.
func (e *env) witnessSetup(c *cli.Context) error {
	return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
		origin, vkeys, err := v.WitnessLog()
		if err != nil {
			return err
		}
		if c.Bool("json") {
			return jsonOut(e, map[string]any{"origin": origin, "keys": vkeys})
		}
		// Origins and keys are printable ASCII without spaces
		// (checkOrigin, note's key names); quoting is for the shell.
		var b strings.Builder
		fmt.Fprintf(&b, "witnessctl add-log -db litewitness.db -origin '%s'\n", origin)
		for _, k := range vkeys {
			fmt.Fprintf(&b, "witnessctl add-key -db litewitness.db -origin '%s' -key '%s'\n", origin, k)
		}
		_, err = io.WriteString(e.stdout, b.String())
		return err
	})
}

// witnessHint adds what to do to a witness's refusal.
func witnessHint(err error) error {
	switch {
	case errors.Is(err, witness.ErrUnknownLog):
		return withHint(err, "register the log with the witness: its origin and every member's signing key (README, \"Witnesses\")")
	case errors.Is(err, vault.ErrIntegrity):
		return withHint(err, "keep a copy of the vault as it is and compare its log with the last export a court or the witness's operator holds")
	}
	return err
}

// witnessFlags are audit verify's flags for witnesses.
func witnessFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "witness", Usage: "require a cosignature by the witness with verifier key `VKEY` (repeatable)"},
		&cli.IntFlag{Name: "quorum", Usage: "with --witness: require cosignatures from `N` of them (default: all)"},
	}
}

// parseWitnesses reads audit verify's --witness and --quorum.
func parseWitnesses(c *cli.Context) ([]note.Verifier, int, error) {
	keys := c.StringSlice("witness")
	if len(keys) == 0 {
		if c.IsSet("quorum") {
			return nil, 0, usagef("--quorum counts witnesses: add --witness VKEY")
		}
		return nil, 0, nil
	}
	var out []note.Verifier
	seen := map[string]bool{}
	for _, k := range keys {
		v, err := witness.ParseVerifierKey(k)
		if err != nil {
			return nil, 0, usagef("--witness: %v", err)
		}
		if seen[v.String()] {
			return nil, 0, usagef("--witness %s is given twice", v.Name())
		}
		seen[v.String()] = true
		out = append(out, v)
	}
	q := len(out)
	if c.IsSet("quorum") {
		q = c.Int("quorum")
		if q < 1 || q > len(out) {
			return nil, 0, usagef("--quorum must be between 1 and the %d witnesses given", len(out))
		}
	}
	return out, q, nil
}
