package main

// Helpers that several commands share: opening the vault as the -i
// identity, reading input files, writing output files and JSON, dates.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/tvault/tvault/vault"
)

// withVault opens the vault at --vault, runs fn as the -i identity and
// closes the vault whatever happens.
func (e *env) withVault(c *cli.Context, opts vault.Options, fn func(*vault.Actor) error) (err error) {
	dir := e.vaultPath(c)
	// Check the directory before asking for a passphrase: a wrong --vault
	// should not cost a scrypt.
	if err := vault.Probe(dir); err != nil {
		return err
	}
	id, err := e.loadIdentity(c)
	if err != nil {
		return err
	}
	if fp := e.failpoint(); fp != nil {
		opts.Failpoint = fp // only in a -tags tvaultdebug build
	}
	v, err := vault.Open(dir, opts)
	if err != nil {
		return err
	}
	defer func() {
		if d := v.ClockBehind(); d > 0 {
			e.note("this computer's clock is %s behind the audit log's last entry: its entries carry the log's time instead "+
				"(a log's time never goes backwards); set the clock right", d.Round(time.Millisecond))
		}
		if cerr := v.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return fn(v.As(id))
}

// maxInputFile caps policy and form files read by the CLI.
const maxInputFile = 1 << 20

func readInputFile(path, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, usagef("cannot read the %s file %s: %v", what, path, unwrapPathError(err))
	}
	if fi.IsDir() {
		return nil, usagef("the %s file %s is a directory", what, path)
	}
	if fi.Size() > maxInputFile {
		return nil, usagef("the %s file %s is larger than 1 MiB", what, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("cannot read the %s file %s: %v", what, path, unwrapPathError(err))
	}
	return b, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// writeOutput writes to FILE (created 0600, never overwritten, removed on
// failure) or to standard output.
func (e *env) writeOutput(path string, fn func(io.Writer) error) (err error) {
	if path == "" || path == "-" {
		return fn(e.stdout)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return usagef("cannot create %s: %v", path, unwrapPathError(err))
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

func (e *env) stderrIsTerminal() bool {
	f, ok := e.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func jsonOut(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parseDate reads YYYY-MM-DD or RFC 3339. An end date given as a day means
// the whole day: the bound is the next midnight, exclusive.
func parseDate(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD or RFC 3339)", s)
	}
	if end {
		t = t.Add(time.Nanosecond)
	}
	return t, nil
}

// checkNewFile refuses an output file that exists (as anything, a dangling
// link included) or whose folder does not.
func checkNewFile(p string) error {
	if _, err := os.Lstat(p); err == nil {
		return withHint(usagef("%s already exists, and tvault never overwrites a file", p), "choose a new file name")
	}
	dir := filepath.Dir(p)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usagef("cannot write %s: the folder %s does not exist", p, dir)
	}
	return nil
}
