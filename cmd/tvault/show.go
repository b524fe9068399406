package main

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func showCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show one record's public metadata, classes, sealer and signature",
		ArgsUsage: "ID",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("show needs exactly one record ID")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				info, err := v.Show(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return jsonOut(e, info)
				}
				return writeShow(e.stdout, info)
			})
		},
	}
}

// writeShow prints one record for people. Everything from the record is
// escaped (text.Escape): an old or forged record may hold a terminal
// escape or a bidi override, which must show, not act.
func writeShow(out io.Writer, info *vault.RecordInfo) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "record     %s\n", text.Escape(info.ID))
	fmt.Fprintf(w, "sealed     %s by %s (policy version %d)\n", info.SealedAt.Format(time.RFC3339), text.Escape(info.SealedBy), info.PolicyVersion)
	fmt.Fprintf(w, "signature  %s\n", text.Escape(info.Signature))
	if info.ImportEntry > 0 {
		fmt.Fprintf(w, "audit      sealed in a field vault; imported in entry %d from a bundle (%s) that lists this header (%s)\n",
			info.ImportEntry, text.Escape(info.Bundle), text.Escape(info.HeaderDigest))
	} else if info.HeaderDigest != "" {
		fmt.Fprintf(w, "audit      sealed in entry %d, which names this header (%s)\n", info.SealEntry, text.Escape(info.HeaderDigest))
	} else {
		fmt.Fprintf(w, "audit      sealed in entry %d, before headers were bound to the log (format 2): bound by sealer and time only\n", info.SealEntry)
	}
	keys := make([]string, 0, len(info.Public))
	for k := range info.Public {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "public     %s = %s\n", text.Escape(k), text.Escape(publicString(info.Public[k])))
	}
	for _, p := range info.Parts {
		if p.ErasedIn > 0 {
			fmt.Fprintf(w, "class      %s: erased in entry %d\n", text.Escape(p.Class), p.ErasedIn)
			continue
		}
		fmt.Fprintf(w, "class      %s: %d attachments, %d bytes encrypted, epoch %d, threshold %d\n",
			text.Escape(p.Class), p.Attachments, p.Bytes, p.Epoch, p.Threshold)
	}
	writeConsent(w, info.Consent)
	if info.HeldIn > 0 {
		fmt.Fprintf(w, "hold       under a legal hold since audit entry %d: erase and retention refuse it\n", info.HeldIn)
	}
	return w.Flush()
}
