package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

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
			&cli.BoolFlag{Name: "csv", Usage: "print CSV"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("list takes no arguments (got %q); filter with --where FIELD=VALUE", c.Args().First())
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
		return writeListCSV(e, recs, fields)
	default:
		return writeListTable(e, recs, fields)
	}
}

func publicString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ";")
	default:
		return fmt.Sprint(x)
	}
}

func writeListCSV(e *env, recs []vault.Listing, fields []string) error {
	w := csv.NewWriter(e.stdout)
	head := append([]string{"id", "sealed_at", "sealed_by"}, fields...)
	head = append(head, "classes")
	if err := w.Write(head); err != nil {
		return err
	}
	for _, r := range recs {
		row := []string{r.ID, r.SealedAt.Format(time.RFC3339), r.SealedBy}
		for _, f := range fields {
			row = append(row, publicString(r.Public[f]))
		}
		row = append(row, strings.Join(r.Classes, ";"))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func writeListTable(e *env, recs []vault.Listing, fields []string) error {
	if len(recs) == 0 {
		e.note("no records match")
		return nil
	}
	// tabwriter writes cell by cell: buffer it, or a long listing is
	// thousands of small writes to the terminal or pipe.
	bw := bufio.NewWriterSize(e.stdout, 64<<10)
	tw := tabwriter.NewWriter(bw, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tSEALED\tBY\t%s\tCLASSES\n", strings.ToUpper(strings.Join(fields, "\t")))
	for _, r := range recs {
		vals := make([]string, len(fields))
		for i, f := range fields {
			vals[i] = publicString(r.Public[f])
			if vals[i] == "" {
				vals[i] = "-"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.SealedAt.Format("2006-01-02 15:04"), r.SealedBy,
			strings.Join(vals, "\t"), strings.Join(r.Classes, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
