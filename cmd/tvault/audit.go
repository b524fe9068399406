package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/csvsafe"
	"github.com/tvault/tvault/vault"
	"github.com/tvault/tvault/vault/audit"
)

func auditCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "audit",
		Usage:       "export, verify and checkpoint the audit log",
		Subcommands: []*cli.Command{auditExportCommand(e), auditVerifyCommand(e), auditCheckpointCommand(e), auditWitnessCommand(e)},
	}
}

func auditExportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write the audit log as JSON Lines (or CSV) for auditors and courts",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (default: standard output)"},
			&cli.BoolFlag{Name: "csv", Usage: "write CSV (for reading; it carries no proofs): a cell a spreadsheet would run as a formula (or that begins with ') gets one leading '"},
			&cli.BoolFlag{Name: "bom", Usage: "with --csv: start with a UTF-8 byte order mark, which Excel on Windows needs to read Cyrillic or Arabic"},
			&cli.StringFlag{Name: "record", Usage: "only entries about record `ID` (with inclusion proofs)"},
			&cli.StringFlag{Name: "actor", Usage: "only entries by member `NAME`"},
			&cli.StringFlag{Name: "since", Usage: "only entries on or after `DATE`"},
			&cli.StringFlag{Name: "until", Usage: "only entries on or before `DATE`"},
			&cli.StringFlag{Name: "from-checkpoint", Usage: "prove that the log extends the checkpoint in `FILE` (kept by an auditor), so that 'audit verify --against' can check a filtered export too"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("audit export takes no arguments (got %q)", c.Args().First())
			}
			if c.Bool("csv") && c.Bool("json") {
				return usagef("choose one of --csv and --json")
			}
			var opts audit.ExportOptions
			var err error
			if opts.Since, err = parseDate(c.String("since"), false); err != nil {
				return usagef("--since: %v", err)
			}
			if opts.Until, err = parseDate(c.String("until"), true); err != nil {
				return usagef("--until: %v", err)
			}
			if c.Bool("bom") && !c.Bool("csv") {
				return usagef("--bom is for CSV: add --csv")
			}
			opts.Record, opts.Actor = c.String("record"), c.String("actor")
			if opts.Record != "" && !vault.ValidID(opts.Record) {
				return usagef("--record %q is not a record id", opts.Record)
			}
			if p := c.String("from-checkpoint"); p != "" {
				if c.Bool("csv") {
					return usagef("--from-checkpoint adds a proof, which CSV does not carry: drop --csv")
				}
				cp, err := readCheckpointFile(p)
				if err != nil {
					return err
				}
				opts.Earlier = append(opts.Earlier, cp)
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				return e.writeOutput(c.String("output"), func(w io.Writer) error {
					if c.Bool("bom") {
						w = csvsafe.BOM(w)
					}
					n, err := v.ExportAudit(c.Context, w, vault.ExportOptions{ExportOptions: opts, CSV: c.Bool("csv")})
					if err == nil {
						e.note("exported %d entries", n)
					}
					return err
				})
			})
		},
	}
}

func auditVerifyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "verify an export offline, or the vault's own log",
		ArgsUsage: "[FILE]",
		Description: "Prints one line, \"ok: N entries, tree size N, root …, checkpoint signed by NAME (KEY)\", followed by what\n" +
			"else was proven (an earlier checkpoint extended, witnesses' cosignatures) and where the keys came from;\n" +
			"a failure exits 4. With FILE it needs no vault.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "against", Usage: "also prove that the log (or the export in FILE) extends the checkpoint in `CHECKPOINT`, kept off the machine"},
			trustFlag(),
		}, witnessFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("audit verify takes at most one FILE")
			}
			o, err := e.auditVerifyOptions(c)
			if err != nil {
				return err
			}
			if c.NArg() == 1 {
				return e.verifyExportFile(c, c.Args().First(), o)
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				sum, err := v.VerifyAudit(c.Context, o)
				if errors.Is(err, audit.ErrMissingCosignatures) {
					return withHint(err, "%s", cosignHint)
				}
				if err != nil {
					return err
				}
				return e.printSummary(c, sum)
			})
		},
	}
}

func auditCheckpointCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "checkpoint",
		Usage:     "print the current signed tree head, to keep off this machine",
		ArgsUsage: " ",
		Description: "Prints the signed note that 'tvault audit verify --against FILE' reads; 'tvault audit verify --json'\n" +
			"prints its tree size, root and signer as JSON.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("audit checkpoint takes no arguments")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				cp, err := v.AuditCheckpoint(c.Context)
				if err != nil {
					return err
				}
				return e.writeOutput(c.String("output"), func(w io.Writer) error {
					_, err := w.Write(cp)
					return err
				})
			})
		},
	}
}

// cosignHint is the hint for a log or an export without the cosignatures
// --witness requires.
const cosignHint = "have each witness cosign the log first ('tvault audit witness --url URL --key VKEY'), then export it again; " +
	"an export made before that carries no cosignature"

// auditVerifyOptions reads what audit verify is told from outside the log
// or export: --against's checkpoint, and the keys and witnesses to trust.
func (e *env) auditVerifyOptions(c *cli.Context) (audit.VerifyOptions, error) {
	var o audit.VerifyOptions
	if p := c.String("against"); p != "" {
		b, err := readCheckpointFile(p)
		if err != nil {
			return o, err
		}
		o.Against = b
	}
	if c.String("trust") != "" {
		if err := trustVerifyOptions(c, &o); err != nil {
			return o, err
		}
	}
	var err error
	o.Witnesses, o.Quorum, err = parseWitnesses(c)
	return o, err
}

// readCheckpointFile reads a kept checkpoint, a signed note. A copy that
// went through a Windows editor or a mail client (a byte order mark, CRLF
// line ends, no final line end) is read as the note it was: a signed note
// holds no carriage return and ends in a line end, so no note that could
// verify is changed.
func readCheckpointFile(p string) ([]byte, error) {
	b, err := readInputFile(p, "checkpoint")
	if err != nil {
		return nil, err
	}
	b = bytes.ReplaceAll(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), []byte("\r\n"), []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b, nil
}

func (e *env) verifyExportFile(c *cli.Context, p string, o audit.VerifyOptions) error {
	f, err := os.Open(p)
	if err != nil {
		return usagef("cannot read %s: %v", p, unwrapPathError(err))
	}
	defer f.Close()
	sum, err := audit.VerifyExportWith(bufio.NewReaderSize(f, 1<<20), o)
	if errors.Is(err, audit.ErrMissingCosignatures) {
		return withHint(fmt.Errorf("%s: %w", p, err), "%s", cosignHint)
	}
	if errors.Is(err, audit.ErrTampered) {
		return withHint(fmt.Errorf("%s: %w", p, err), "the export was changed after it was made, or the log it was made from was: "+
			"keep this file as it is, and ask for a new export made in front of you")
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return e.printSummary(c, sum)
}

// printSummary prints what audit verify found, as text or (--json) as
// the object its --help describes.
func (e *env) printSummary(c *cli.Context, sum audit.Summary) error {
	if !c.Bool("json") {
		_, err := fmt.Fprintln(e.stdout, sum.String())
		return err
	}
	var first, last *time.Time
	if sum.Entries > 0 {
		first, last = &sum.First, &sum.Last
	}
	var extends *int64
	if sum.Against != nil {
		extends = &sum.Against.Size
	}
	type witnessed struct {
		Name string `json:"name"`
		Size int64  `json:"tree_size"`
	}
	var ws []witnessed
	for _, w := range sum.Witnessed {
		ws = append(ws, witnessed{w.Name, w.Size})
	}
	return jsonOut(e, struct {
		OK        bool        `json:"ok"`
		Entries   int64       `json:"entries"`
		Filtered  bool        `json:"filtered"`
		TreeSize  int64       `json:"tree_size"`
		Root      string      `json:"root"`
		Signer    string      `json:"signer"`
		SignerKey string      `json:"signer_key,omitempty"`
		First     *time.Time  `json:"first,omitempty"`
		Last      *time.Time  `json:"last,omitempty"`
		KeysFrom  string      `json:"keys_from,omitempty"`
		Extends   *int64      `json:"extends_checkpoint_of,omitempty"`
		Witnessed []witnessed `json:"witnessed,omitempty"`
	}{true, sum.Entries, sum.Filtered, sum.TreeSize, sum.Root.String(), sum.Signer, sum.SignerKey, first, last,
		sum.KeysFrom, extends, ws})
}
