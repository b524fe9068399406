package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func sealCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "seal",
		Usage:     "seal the records described by one or more forms",
		ArgsUsage: "FORM...",
		Description: "Each FORM is a TOML file (see examples/form.toml): a [public] table of fields the policy's schema\n" +
			"allows, and one table per class with its fields and `files`, the attachments, relative to the form's folder.\n" +
			"Attachments must lie inside the form's folder (a link that leads out of it counts as outside) unless\n" +
			"--allow-outside-attachments is given: a form someone else wrote could otherwise seal any file you can read.\n" +
			"Names (of fields and attachments) and public values must be one line of visible text: control, bidi and\n" +
			"invisible format characters are refused. A form is refused (exit 2), before anything is written, past\n" +
			fmt.Sprintf("any limit of a form: %d KiB of TOML, %d MiB per class once stored as JSON, %d attachments per class,\n",
				vault.MaxFormSize>>10, vault.MaxManifestJSON>>20, vault.MaxAttachments) +
			fmt.Sprintf("names of %d bytes, lists and tables nested %d deep inside a field.", vault.MaxNameBytes, vault.MaxFieldDepth),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-progress", Usage: "never show a progress bar"},
			&cli.BoolFlag{Name: "allow-outside-attachments", Usage: "let a form's attachments lie outside its folder (absolute paths, .., links out)"},
			&cli.BoolFlag{Name: "remove-sources", Usage: "once each record is durable and verifies, overwrite and remove its form and attachments (inside the form's folder only)"},
		},
		Action: func(c *cli.Context) error {
			tuneSealScheduler()
			if c.NArg() == 0 {
				return usagef("seal needs at least one FORM file")
			}
			forms := &formFiles{paths: c.Args().Slice(), outside: c.Bool("allow-outside-attachments")}
			if err := forms.parseAll(); err != nil {
				return err
			}
			opts := vault.Options{}
			if !c.Bool("no-progress") && e.stderrIsTerminal() {
				opts.Progress = e.progressBar()
			}
			return e.withVault(c, opts, func(v *vault.Actor) error {
				start := time.Now().UTC().Truncate(time.Second)
				res, err := v.SealFrom(c.Context, forms)
				if len(res) > 0 {
					e.committed("%s sealed all the same: run 'tvault list --since %s' to find %s",
						recordsWere(len(res)), start.Format(time.RFC3339), them(len(res)))
				}
				for _, r := range res {
					if c.Bool("json") {
						b, _ := json.Marshal(r)
						fmt.Fprintf(e.stdout, "%s\n", b)
					} else {
						fmt.Fprintln(e.stdout, r.ID)
					}
				}
				if rerr := e.sources(c, v, forms, res); err == nil {
					err = rerr
				}
				return err
			})
		},
	}
}

func recordsWere(n int) string {
	if n == 1 {
		return "the record was"
	}
	return fmt.Sprintf("the %d records were", n)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// progressBarMin is the attachment volume below which no bar is shown.
const progressBarMin = 32 << 20

func (e *env) progressBar() vault.ProgressFunc {
	var bar *progressbar.ProgressBar
	var last int64
	return func(done, total int64) {
		if total < progressBarMin {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription("sealing"),
				progressbar.OptionShowBytes(true),
				progressbar.OptionThrottle(100_000_000),
				progressbar.OptionClearOnFinish())
		}
		_ = bar.Add64(done - last)
		last = done
		if done >= total {
			_ = bar.Finish()
		}
	}
}

// sealStages is how many goroutines of a large seal are busy at once:
// reading and hashing the plaintext, encrypting, hashing the ciphertext,
// writing.
const sealStages = 4

// tuneSealScheduler gives Go at least one P per seal stage on machines with
// fewer cores than that, unless GOMAXPROCS is set. With one P per core, a
// stage that becomes runnable waits in Go's run queue behind the others,
// and the slowest stage — SHA-256 of the plaintext, which cannot be split —
// stalls the rest; with a P per stage the kernel time-slices the threads
// fairly. On 2 cores a 1 GiB seal took a median 1.07 s instead of 1.19 s
// (six alternating runs each). Only seal does this: cat, with two busy
// stages, ran 20 % slower with four Ps than with two (more GC workers and
// spinning threads for age's per-chunk garbage).
func tuneSealScheduler() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < sealStages {
		runtime.GOMAXPROCS(sealStages)
	}
}

// sources removes the sources of the sealed records with --remove-sources,
// and otherwise reminds that they are still on this disk.
func (e *env) sources(c *cli.Context, v *vault.Actor, forms *formFiles, res []vault.SealResult) error {
	if len(res) == 0 {
		return nil
	}
	if !c.Bool("remove-sources") {
		if e.out != nil && e.out.err != nil {
			return nil // standard output failed: the one line about it is what matters
		}
		e.note("the plaintext the %s sealed from (%s and %s attachments) is still on this disk: remove it once the %s safe, or seal with --remove-sources",
			recordWord(len(res)), formWord(len(res)), their(len(res)), recordIs(len(res)))
		return nil
	}
	files := 0
	for i, r := range res {
		f, err := forms.Form(i)
		if err != nil {
			return err
		}
		n, err := v.RemoveSources(c.Context, f, r.ID)
		files += n
		if err != nil {
			return err
		}
	}
	e.note("removed %d source file%s (overwritten, then unlinked); an SSD or a journaling file system may keep copies elsewhere (see SECURITY.md)", files, plural(files))
	return nil
}

// formFiles is the forms of a seal as files, read again each time the
// seal asks for one (vault.FormSource): a bulk intake of ten thousand forms
// then holds a digest of each, not all of them parsed. A form whose bytes
// changed since they were first read is refused.
type formFiles struct {
	paths   []string
	outside bool
	sums    [][sha256.Size]byte
}

// parseAll reads and parses every form once, before the vault is opened,
// so that a wrong form is refused first, and notes each one's digest.
func (ff *formFiles) parseAll() error {
	ff.sums = make([][sha256.Size]byte, len(ff.paths))
	for i, p := range ff.paths {
		b, err := readInputFile(p, "form")
		if err != nil {
			return err
		}
		ff.sums[i] = sha256.Sum256(b)
		if _, err := ff.parse(p, b); err != nil {
			return err
		}
	}
	return nil
}

func (ff *formFiles) parse(p string, b []byte) (*vault.Form, error) {
	dir, _ := filepath.Abs(filepath.Dir(p))
	return vault.ParseFormWith(p, b, vault.FormOptions{Dir: dir, AllowOutsideAttachments: ff.outside})
}

func (ff *formFiles) Len() int { return len(ff.paths) }

func (ff *formFiles) Form(i int) (*vault.Form, error) {
	p := ff.paths[i]
	b, err := readInputFile(p, "form")
	if err == nil && sha256.Sum256(b) != ff.sums[i] {
		err = fmt.Errorf("the form %s changed while it was being sealed: seal it again once nothing else writes to it", p)
	}
	if err != nil {
		return nil, err
	}
	return ff.parse(p, b)
}

func recordWord(n int) string {
	if n == 1 {
		return "record was"
	}
	return "records were"
}

func formWord(n int) string {
	if n == 1 {
		return "the form"
	}
	return "the forms"
}

func their(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}

func recordIs(n int) string {
	if n == 1 {
		return "record is"
	}
	return "records are"
}
