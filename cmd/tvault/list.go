package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/tvault/tvault/internal/csvsafe"
	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func listCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list records' public metadata",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "where", Usage: "only records whose public `FIELD=VALUE` (repeatable)"},
			&cli.StringFlag{Name: "since", Usage: "only records sealed on or after `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.StringFlag{Name: "until", Usage: "only records sealed on or before `DATE`"},
			&cli.BoolFlag{Name: "csv", Usage: "print CSV: a cell a spreadsheet would run as a formula (or that begins with ') gets one leading ', a list is a JSON array"},
			&cli.BoolFlag{Name: "bom", Usage: "with --csv: start with a UTF-8 byte order mark, which Excel on Windows needs to read Cyrillic or Arabic"},
			&cli.BoolFlag{Name: "held", Usage: "only the records under a legal hold, with who placed each hold, when and why"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("list takes no arguments (got %q); filter with --where FIELD=VALUE", c.Args().First())
			}
			if c.Bool("held") {
				return e.listHeld(c)
			}
			var f vault.ListFilter
			for _, w := range c.StringSlice("where") {
				k, val, ok := strings.Cut(w, "=")
				if !ok || k == "" {
					return usagef("--where %q: use FIELD=VALUE", w)
				}
				f.Where = append(f.Where, vault.Condition{Field: k, Value: val})
			}
			var err error
			if f.Since, err = parseDate(c.String("since"), false); err != nil {
				return usagef("--since: %v", err)
			}
			if f.Until, err = parseDate(c.String("until"), true); err != nil {
				return usagef("--until: %v", err)
			}
			if c.Bool("csv") && c.Bool("json") {
				return usagef("choose one of --csv and --json")
			}
			if c.Bool("bom") && !c.Bool("csv") {
				return usagef("--bom is for CSV: add --csv")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				// Records that fail verification are left out and named
				// after the others are printed (exit 4).
				recs, err := v.List(c.Context, f)
				var damaged *vault.DamagedRecordsError
				if err != nil && !errors.As(err, &damaged) {
					return err
				}
				if perr := printList(e, c, v, recs); perr != nil {
					return perr
				}
				return err
			})
		},
	}
}

// printList prints recs in the format the flags ask for.
func printList(e *env, c *cli.Context, v *vault.Actor, recs []vault.Listing) error {
	pol, _ := v.Vault().Policy()
	fields := make([]string, 0, len(pol.Public))
	for k := range pol.Public {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	switch {
	case c.Bool("json"):
		if recs == nil {
			recs = []vault.Listing{}
		}
		return jsonOut(e, recs)
	case c.Bool("csv"):
		w := e.stdout
		if c.Bool("bom") {
			w = csvsafe.BOM(w)
		}
		return writeListCSV(w, recs, fields, e.stdoutIsTerminal())
	default:
		return writeListTable(e, recs, fields)
	}
}

// publicString renders a public value as one cell of text: a string as it
// is, a list as a JSON array of strings (csvsafe.List), so that the items
// "a;b" and "c" never read like three. It is the raw text: escape it for a
// terminal (text.Escape) and for a spreadsheet (csvsafe).
func publicString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return csvsafe.List(x)
	case []any:
		items := make([]string, len(x))
		for i, p := range x {
			items[i] = fmt.Sprint(p)
		}
		return csvsafe.List(items)
	default:
		return fmt.Sprint(x)
	}
}

// writeListCSV writes the listing as CSV through csvsafe, the rule every
// CSV of tvault follows (see its package documentation and 'tvault list
// --help'). On a terminal, where CSV is read rather than imported, each
// cell is also escaped by text.Escape: an old or forged vault's ESC or
// bidi override is shown, not obeyed.
func writeListCSV(out io.Writer, recs []vault.Listing, fields []string, terminal bool) error {
	w := csvsafe.NewWriter(out)
	cell := func(s string) string { return s }
	if terminal {
		cell = text.Escape
	}
	head := append([]string{"id", "sealed_at", "sealed_by"}, fields...)
	head = append(head, "classes")
	if err := w.Write(head); err != nil {
		return err
	}
	for _, r := range recs {
		row := []string{cell(r.ID), r.SealedAt.Format(time.RFC3339), cell(r.SealedBy)}
		for _, f := range fields {
			row = append(row, cell(publicString(r.Public[f])))
		}
		row = append(row, cell(csvsafe.List(r.Classes)))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return w.Flush()
}

// writeListTable prints the listing for people. Every cell that came from
// the vault is escaped (text.Escape): a record sealed by an older tvault,
// or forged, could hold a terminal escape or a bidi override that would
// otherwise repaint the screen or make a row read "sealed by iryna".
func writeListTable(e *env, recs []vault.Listing, fields []string) error {
	if len(recs) == 0 {
		e.note("no records match")
		return nil
	}
	// tabwriter writes cell by cell: buffer it, or a long listing is
	// thousands of small writes to the terminal or pipe.
	bw := bufio.NewWriterSize(e.stdout, 64<<10)
	tw := tabwriter.NewWriter(bw, 2, 8, 2, ' ', 0)
	head := make([]string, len(fields))
	for i, f := range fields {
		head[i] = text.Escape(strings.ToUpper(f)) // each name apart: the tabs are the table's
	}
	fmt.Fprintf(tw, "ID\tSEALED\tBY\t%s\tCLASSES\n", strings.Join(head, "\t"))
	for _, r := range recs {
		vals := make([]string, len(fields))
		for i, f := range fields {
			vals[i] = text.Escape(publicString(r.Public[f]))
			if vals[i] == "" {
				vals[i] = "-"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", text.Escape(r.ID), r.SealedAt.Format("2006-01-02 15:04"), text.Escape(r.SealedBy),
			strings.Join(vals, "\t"), text.Escape(strings.Join(r.Classes, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// stdoutIsTerminal reports whether standard output is a terminal.
func (e *env) stdoutIsTerminal() bool {
	f, ok := e.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
