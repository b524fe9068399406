package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/urfave/cli/v2"

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
				fmt.Fprintf(e.stdout, "record     %s\n", info.ID)
				fmt.Fprintf(e.stdout, "sealed     %s by %s (policy version %d)\n", info.SealedAt.Format(time.RFC3339), info.SealedBy, info.PolicyVersion)
				fmt.Fprintf(e.stdout, "signature  %s\n", info.Signature)
				if info.HeaderDigest != "" {
					fmt.Fprintf(e.stdout, "audit      sealed in entry %d, which names this header (%s)\n", info.SealEntry, info.HeaderDigest)
				} else {
					fmt.Fprintf(e.stdout, "audit      sealed in entry %d, before headers were bound to the log (format 2): bound by sealer and time only\n", info.SealEntry)
				}
				keys := make([]string, 0, len(info.Public))
				for k := range info.Public {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(e.stdout, "public     %s = %s\n", k, publicString(info.Public[k]))
				}
				for _, p := range info.Parts {
					fmt.Fprintf(e.stdout, "class      %s: %d attachments, %d bytes encrypted, epoch %d, threshold %d\n",
						p.Class, p.Attachments, p.Bytes, p.Epoch, p.Threshold)
				}
				return nil
			})
		},
	}
}
