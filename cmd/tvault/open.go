package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/safefile"
	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault"
)

func openCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "open",
		Usage:       "decrypt the classes of a record that your role allows into a folder",
		ArgsUsage:   "ID",
		Description: "Prints the path of each file written, one a line.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write into `DIR` (default: a new folder named after the record)"},
			&cli.StringSliceFlag{Name: "class", Usage: "only `CLASS` (repeatable); one you cannot decrypt is a denial"},
			&cli.StringFlag{Name: "purpose", Usage: "why you open it, for the audit log (never an interviewee's name)"},
		},
		Action: func(c *cli.Context) error {
			tuneReadGC()
			if c.NArg() != 1 {
				return usagef("open needs exactly one record ID")
			}
			id := c.Args().First()
			dir := c.String("output")
			if dir == "" {
				dir = id
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				rep, err := v.OpenRecord(c.Context, id, vault.OpenRecordOptions{Dir: dir, Classes: c.StringSlice("class"), Purpose: c.String("purpose")})
				if rep == nil {
					return err
				}
				if rep.Leftovers > 0 {
					e.note("removed %d hidden folder(s) of plaintext that an interrupted open had left in %s", rep.Leftovers, dir)
				}
				for _, s := range rep.Skipped {
					e.note("skipped class %s: %s", s.Class, s.Reason)
				}
				if err == nil && len(rep.Opened) > 0 {
					e.committed("the record was opened into %s all the same", dir)
				}
				if c.Bool("json") {
					if err != nil {
						return err
					}
					return jsonOut(e, openJSON(id, dir, rep))
				}
				for _, o := range rep.Opened {
					for _, f := range o.Files {
						// An attachment's name comes from the record.
						fmt.Fprintln(e.stdout, text.Escape(f))
					}
				}
				return err
			})
		},
	}
}

// openJSON is what open --json prints: never null for a list.
func openJSON(id, dir string, rep *vault.OpenReport) any {
	type opened struct {
		Class string   `json:"class"`
		Files []string `json:"files"`
	}
	type skipped struct {
		Class  string `json:"class"`
		Reason string `json:"reason"`
	}
	out := struct {
		ID        string    `json:"id"`
		Dir       string    `json:"dir"`
		Opened    []opened  `json:"opened"`
		Skipped   []skipped `json:"skipped"`
		Leftovers int       `json:"leftovers_removed"`
	}{ID: id, Dir: dir, Opened: []opened{}, Skipped: []skipped{}, Leftovers: rep.Leftovers}
	for _, o := range rep.Opened {
		files := append([]string{}, o.Files...)
		out.Opened = append(out.Opened, opened{Class: o.Class, Files: files})
	}
	for _, s := range rep.Skipped {
		out.Skipped = append(out.Skipped, skipped{Class: s.Class, Reason: s.Reason})
	}
	return out
}

func catCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "cat",
		Usage:     "stream one attachment (or a byte range of it) to standard output or a new file",
		ArgsUsage: "ID CLASS/NAME",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE`, a new file that appears only once the whole attachment is written and verified"},
			&cli.Int64Flag{Name: "offset", Usage: "start at byte `N`"},
			&cli.Int64Flag{Name: "length", Value: -1, Usage: "read at most `N` bytes"},
			&cli.StringFlag{Name: "purpose", Usage: "why you read it, for the audit log (never an interviewee's name)"},
			&cli.BoolFlag{Name: "force", Usage: "write binary data even to a terminal"},
		},
		Action: func(c *cli.Context) error {
			tuneReadGC()
			if c.NArg() != 2 {
				return usagef("cat needs a record ID and CLASS/NAME")
			}
			id, spec := c.Args().Get(0), c.Args().Get(1)
			class, name, ok := cutClassName(spec)
			if !ok {
				return usagef("%q is not CLASS/NAME (for example testimony/interview.opus)", spec)
			}
			if c.Int64("offset") < 0 {
				return usagef("--offset must not be negative")
			}
			if c.IsSet("length") && c.Int64("length") <= 0 {
				return usagef("--length must be a positive number of bytes")
			}
			opts := vault.CatOptions{Offset: c.Int64("offset"), Length: c.Int64("length"), Purpose: c.String("purpose")}
			if out := c.String("output"); out != "" {
				// Refused before the vault is opened: a mistyped name costs
				// no passphrase, no audit entry and no decryption.
				if err := checkNewFile(out); err != nil {
					return err
				}
				return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
					return catToFile(c.Context, v, id, class, name, out, opts)
				})
			}
			if e.out.isTerminal() && !c.Bool("force") {
				return withHint(usagef("refusing to write an attachment to the terminal"), "redirect to a file (> FILE), write it with -o FILE, or pass --force")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				return v.Cat(c.Context, id, class, name, e.stdout, opts)
			})
		},
	}
}

// catToFile writes the attachment to the new file out through
// safefile.Write: out appears only once Cat has written and checked every
// byte (for a whole attachment, that includes the ciphertext hash, checked
// after the last chunk), and on any error — a damaged blob, a full disk, a
// signal cancelling ctx — the temporary file is removed and out never
// exists. safefile's writer also fails once ctx is done, so a signal stops
// the copy at its next write whether or not Cat looks at ctx itself.
func catToFile(ctx context.Context, v *vault.Actor, id, class, name, out string, opts vault.CatOptions) error {
	err := safefile.Write(ctx, out, func(w io.Writer) error {
		return v.Cat(ctx, id, class, name, w, opts)
	})
	if errors.Is(err, fs.ErrExist) {
		// Created by someone else while the attachment was decrypted; it
		// was not replaced.
		return withHint(usagef("%s already exists, and tvault never overwrites a file", out), "choose a new file name")
	}
	return err
}

func cutClassName(s string) (class, name string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			class, name = s[:i], s[i+1:]
			return class, name, class != "" && name != ""
		}
	}
	return "", "", false
}
