package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func bundleCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "bundle",
		Usage: "carry records from a field vault to the vault",
		Subcommands: []*cli.Command{
			bundleExportCommand(e),
			bundleImportCommand(e),
			bundlePurgeCommand(e),
		},
	}
}

func bundleExportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "in a field vault: write its records to one signed, encrypted file",
		ArgsUsage: " ",
		Description: "The bundle is signed by the researcher and encrypted to the vault's intake key (from the kit),\n" +
			"so that nobody who carries it reads anything in it, public metadata included.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the bundle to `FILE` (which must not exist)"},
			&cli.StringFlag{Name: "since", Usage: "only records sealed on or after `DATE` (YYYY-MM-DD or RFC 3339)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("bundle export takes no arguments")
			}
			if c.String("output") == "" {
				return usagef("bundle export needs -o FILE")
			}
			since, err := parseDate(c.String("since"), false)
			if err != nil {
				return usagef("--since: %v", err)
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				var rep *vault.BundleReport
				err := e.writeOutput(c.String("output"), func(w io.Writer) error {
					var err error
					rep, err = v.ExportBundle(c.Context, w, since)
					return err
				})
				if err != nil {
					return err
				}
				e.committed("the bundle was written to %s all the same", c.String("output"))
				if c.Bool("json") {
					return jsonOut(e, map[string]any{"records": rep.Records, "file": c.String("output")})
				}
				fmt.Fprintf(e.stdout, "bundled %d record%s into %s\n", rep.Records, plural(rep.Records), c.String("output"))
				return nil
			})
		},
	}
}

func bundleImportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "in the vault: verify a bundle whole, then add its records",
		ArgsUsage: "FILE",
		Description: "Any member may import. Everything is verified before anything is written: the bundle's\n" +
			"signature and kit, that its sealer may seal under the policy in force, every header, seal entry,\n" +
			"key and attachment. Any failure refuses the whole bundle (exit 4; exit 3 when its sealer is not a\n" +
			"researcher here). Importing a bundle again adds nothing. With -o, writes a receipt signed for the\n" +
			"field vault: 'tvault bundle purge RECEIPT' there removes exactly the records it lists.",
		Flags: []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the receipt to `RECEIPT` (which must not exist)"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("bundle import takes one FILE")
			}
			tuneImportGC()
			path := c.Args().First()
			if _, err := os.Stat(path); err != nil {
				return usagef("cannot read %s: %v", path, unwrapPathError(err))
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				rep, err := v.ImportBundle(c.Context, func() (io.ReadCloser, error) { return os.Open(path) })
				if err != nil {
					return err
				}
				for _, n := range rep.Notes {
					e.note("%s", n)
				}
				e.committed("the bundle's %d records are in the vault all the same", rep.Records)
				if out := c.String("output"); out != "" {
					if err := e.writeOutput(out, func(w io.Writer) error { _, err := w.Write(rep.Receipt); return err }); err != nil {
						return err
					}
				} else {
					e.note("no receipt was written: import again with -o RECEIPT to get one for 'tvault bundle purge'")
				}
				if c.Bool("json") {
					return jsonOut(e, map[string]any{"records": rep.Records, "imported": rep.Imported, "present": rep.Present, "erased": rep.Erased})
				}
				fmt.Fprintf(e.stdout, "imported %d record%s (%d already here) of %d in the bundle\n", rep.Imported, plural(rep.Imported), rep.Present, rep.Records)
				if rep.Erased > 0 {
					fmt.Fprintf(e.stdout, "%d record%s of the bundle were erased here before and were not brought back\n", rep.Erased, plural(rep.Erased))
				}
				return nil
			})
		},
	}
}

func bundlePurgeCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "purge",
		Usage:     "in a field vault: remove the records a receipt from the vault proves it holds",
		ArgsUsage: "RECEIPT",
		Description: "The receipt (from 'tvault bundle import -o RECEIPT') must be signed for this field vault by the\n" +
			"vault its kit came from; a record is removed only if the receipt lists the very header held here.\n" +
			"The field vault's audit log keeps its entries.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("bundle purge takes one RECEIPT")
			}
			b, err := readInputFile(c.Args().First(), "receipt")
			if err != nil {
				return err
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				rep, err := v.PurgeBundle(c.Context, b)
				if err != nil {
					return err
				}
				e.committed("%d record%s removed all the same", rep.Purged, wereWas(rep.Purged))
				if c.Bool("json") {
					return jsonOut(e, map[string]any{"purged": rep.Purged, "kept": rep.Kept})
				}
				fmt.Fprintf(e.stdout, "removed %d record%s the vault holds", rep.Purged, plural(rep.Purged))
				if rep.Kept > 0 {
					fmt.Fprintf(e.stdout, "; kept %d the receipt lists that are not here as it lists them", rep.Kept)
				}
				fmt.Fprintln(e.stdout)
				return nil
			})
		},
	}
}

// tuneImportGC halves Go's heap growth for bundle import, unless GOGC is
// set: its live heap is mostly the store's memtable and caches (~25 MiB),
// and at the default the heap doubled that, for a peak of 74 MiB of
// anonymous memory importing 1 GiB; at 50 it is 52 MiB, in the same time
// (scripts/rss, one run each on this 2-core machine). A memory limit of
// 40 MiB instead cost three times the time in garbage collection.
func tuneImportGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// tuneReadGC lowers Go's heap growth to 25 for cat and open, unless GOGC
// is set. The live heap of an opened vault is mostly the store's memtable
// and caches (about 30 MB, few of their pages touched), and age's ReadAt
// allocates a 64 KiB chunk per call: at the default of 100 the garbage
// between collections grew to that size again, for 45 MiB of anonymous
// memory reading 1 GiB; at 25 it is 22 MiB, in the same CPU time
// (scripts/rss, four alternating runs each on this 2-core machine).
func tuneReadGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
}

func wereWas(n int) string {
	if n == 1 {
		return " was"
	}
	return "s were"
}
