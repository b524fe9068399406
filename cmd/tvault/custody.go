package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
	"github.com/tvault/tvault/vault/audit"
)

func custodyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "custody",
		Usage:     "write one record's chain of custody, verifiable offline (custody verify FILE checks one)",
		ArgsUsage: "ID | verify FILE",
		Description: "Needs the audit action. The report holds the signed header; for a record sealed in the field, the\n" +
			"bundle and the field's seal entry; every audit entry about the record (sealing or import, each\n" +
			"opening with its purpose, this report) with inclusion proofs and a checkpoint; and the SHA-256 of\n" +
			"each attachment of the classes you can decrypt (what sha256sum prints). It is signed by you.\n" +
			"--markdown also writes a printable rendering. 'tvault custody verify FILE' checks it with no vault.\n" +
			"The report names the record's attachments: keep it as you keep opened files.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` (which must not exist)"},
			&cli.StringFlag{Name: "markdown", Usage: "also write a printable rendering to `FILE`"},
			trustFlag(),
		},
		Action: func(c *cli.Context) error {
			// "custody verify FILE" is read here: a subcommand would make
			// urfave take every record id for an unknown subcommand.
			if c.Args().First() == "verify" {
				if c.IsSet("output") {
					return usagef("custody verify takes no -o (use --markdown FILE for a rendering)")
				}
				if c.NArg() != 2 {
					return usagef("custody verify takes one FILE")
				}
				return e.verifyCustody(c, c.Args().Get(1))
			}
			if c.NArg() != 1 {
				return usagef("custody takes one record ID (or: custody verify FILE)")
			}
			if c.IsSet("trust") {
				return usagef("--trust is for custody verify FILE")
			}
			if c.String("output") == "" {
				return usagef("custody needs -o FILE")
			}
			id := c.Args().First()
			if !vault.ValidID(id) {
				return usagef("%q is not a record id", id)
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				report, err := v.Custody(c.Context, id)
				if err != nil {
					return err
				}
				if err := e.writeOutput(c.String("output"), func(w io.Writer) error { _, err := w.Write(report); return err }); err != nil {
					return err
				}
				e.committed("the custody report was written to %s all the same", c.String("output"))
				// Verified once: the rendering and the summary both come
				// from what a court's verification will find.
				sum, err := vault.VerifyCustody(report)
				if err != nil {
					return err
				}
				if err := e.custodyMarkdown(c.String("markdown"), sum, report); err != nil {
					return err
				}
				if c.Bool("json") {
					return jsonOut(e, custodyJSON(sum, report))
				}
				fmt.Fprintf(e.stdout, "wrote the chain of custody of record %s (%d audit entries, %d attachment hashes) to %s\n",
					id, len(sum.Events), len(sum.Report.Attachments), c.String("output"))
				return nil
			})
		},
	}
}

// verifyCustody checks the custody file at path offline.
func (e *env) verifyCustody(c *cli.Context, path string) error {
	b, err := readInputFile(path, "custody report")
	if err != nil {
		return err
	}
	sum, err := verifyCustodyTrust(c, b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if c.Bool("json") {
		if err := jsonOut(e, custodyJSON(sum, b)); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "ok: record %s of vault %s, sealed by %s at %s; %d audit entries verified against a checkpoint of %d entries signed by %s; report signed by %s\n",
			sum.Report.Record, sum.Report.Vault, text.Escape(sum.SealedBy), sum.SealedAt.UTC().Format(time.RFC3339),
			len(sum.Events), sum.Checkpoint.TreeSize, text.Escape(sum.Checkpoint.Signer), text.Escape(sum.Report.MadeBy))
	}
	return e.custodyMarkdown(c.String("markdown"), sum, b)
}

// custodyMarkdown writes the rendering of a verified report to out, if
// one was asked for.
func (e *env) custodyMarkdown(out string, sum *vault.CustodySummary, report []byte) error {
	if out == "" {
		return nil
	}
	return e.writeOutput(out, func(w io.Writer) error { _, err := io.WriteString(w, renderCustody(sum, report)); return err })
}

func custodyJSON(sum *vault.CustodySummary, file []byte) any {
	d := sha256.Sum256(file)
	events := []map[string]any{}
	for _, ev := range sum.Events {
		events = append(events, map[string]any{"seq": ev.Seq, "time": ev.Time, "actor": ev.Actor, "action": ev.Action,
			"class": ev.Class, "outcome": ev.Outcome, "detail": ev.Detail})
	}
	return map[string]any{"ok": true, "record": sum.Report.Record, "vault": sum.Report.Vault, "sealed_by": sum.SealedBy,
		"sealed_at": sum.SealedAt, "sealing_entry": sum.Sealing.Seq, "imported": sum.Bundle != nil, "events": events,
		"attachments": sum.Report.Attachments, "made_by": sum.Report.MadeBy, "tree_size": sum.Checkpoint.TreeSize,
		"checkpoint_signer": sum.Checkpoint.Signer, "report_sha256": hex.EncodeToString(d[:])}
}

// renderCustody is the printable Markdown rendering of a verified report.
func renderCustody(sum *vault.CustodySummary, file []byte) string {
	md := func(s string) string { return strings.ReplaceAll(text.Escape(s), "|", `\|`) }
	d := sha256.Sum256(file)
	var b strings.Builder
	r := sum.Report
	fmt.Fprintf(&b, "# Chain of custody: record %s\n\n", r.Record)
	fmt.Fprintf(&b, "Rendering of a tvault custody report (SHA-256 `%s`), verified with `tvault custody verify`. The report, not this page, is the evidence.\n\n", hex.EncodeToString(d[:]))
	fmt.Fprintf(&b, "- Vault: `%s`\n- Sealed by: %s, at %s (header signature valid)\n", r.Vault, md(sum.SealedBy), sum.SealedAt.UTC().Format(time.RFC3339Nano))
	if sum.Bundle != nil {
		fmt.Fprintf(&b, "- Sealed in field vault `%s`; carried in a bundle signed by %s, made %s; imported in audit entry %d\n",
			sum.Bundle.Field, md(sum.Bundle.Sealer), sum.Bundle.Made.UTC().Format(time.RFC3339), sum.Sealing.Seq)
	} else {
		fmt.Fprintf(&b, "- Sealed in audit entry %d\n", sum.Sealing.Seq)
	}
	fmt.Fprintf(&b, "- Audit trail: %d entries, each proven in the log of %d entries whose checkpoint %s signed\n", len(sum.Events), sum.Checkpoint.TreeSize, md(sum.Checkpoint.Signer))
	fmt.Fprintf(&b, "- Report made by %s at %s\n\n## Events\n\n| seq | time (UTC) | member | action | class | outcome | detail |\n|---|---|---|---|---|---|---|\n", md(r.MadeBy), r.Made.UTC().Format(time.RFC3339))
	for _, ev := range sum.Events {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s |\n", ev.Seq, ev.Time.UTC().Format(time.RFC3339), md(ev.Actor), md(ev.Action), md(ev.Class), md(ev.Outcome), md(ev.Detail))
	}
	if len(r.Attachments) > 0 {
		fmt.Fprintf(&b, "\n## Attachments (as %s decrypted them)\n\n| class | name | bytes | SHA-256 |\n|---|---|---|---|\n", md(r.MadeBy))
		for _, a := range r.Attachments {
			fmt.Fprintf(&b, "| %s | %s | %d | `%s` |\n", md(a.Class), md(a.Name), a.Size, a.SHA256)
		}
	}
	if sum.Checkpoint.KeysFrom == audit.KeysFromExport {
		b.WriteString("\n## Keys the report was checked with\n\nThey came from the report itself: compare each with the member's card (`tvault card`), " +
			"or verify it with `tvault custody verify --trust`.\n\n")
	} else {
		fmt.Fprintf(&b, "\n## Keys the report was checked with\n\nFrom outside the report: %s.\n\n", md(sum.Checkpoint.KeysFrom))
	}
	for _, k := range sum.Keys {
		if k.Member {
			fmt.Fprintf(&b, "- %s: `%s`\n", md(k.Name), k.Key)
		}
	}
	return b.String()
}
