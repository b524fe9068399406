package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	tcrypto "github.com/tvault/tvault/crypto"
)

func (e *env) home() string {
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// identityPath is -i, TVAULT_IDENTITY, or the XDG default.
func (e *env) identityPath(c *cli.Context) string {
	if p := c.String("identity"); p != "" {
		return p
	}
	if x := e.getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "tvault", "identity.age")
	}
	return filepath.Join(e.home(), ".config", "tvault", "identity.age")
}

// vaultPath is --vault, TVAULT_VAULT, or the XDG default.
func (e *env) vaultPath(c *cli.Context) string {
	if p := c.String("vault"); p != "" {
		return p
	}
	if x := e.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "tvault")
	}
	return filepath.Join(e.home(), ".local", "share", "tvault")
}

// passphraseSource returns a function giving the passphrase: from
// --passphrase-file (its first line) or else asked on the terminal. A
// passphrase never comes from an argument.
func (e *env) passphraseSource(c *cli.Context) func() (string, error) {
	return func() (string, error) {
		if p := c.String("passphrase-file"); p != "" {
			return tcrypto.ReadPassphraseFile(p)
		}
		return e.promptPassphrase(c.Context, "Enter passphrase for the identity: ")
	}
}

var errNoTerminal = errors.New("no terminal to ask for the passphrase on")

// terminal is where a passphrase is asked for: in is read without echo, out
// shows the prompt (see openTerminal).
type terminal struct{ in, out *os.File }

func (t terminal) Close() {
	t.in.Close()
	if t.out != t.in {
		t.out.Close()
	}
}

// promptPassphrase asks on the controlling terminal, never echoing. A
// signal (ctx cancelled) ends the prompt at once, with echo turned back on:
// the reading goroutine stays blocked on the terminal until the process
// exits, which it is about to do.
func (e *env) promptPassphrase(ctx context.Context, prompt string) (string, error) {
	tty, err := openTerminal()
	if err != nil {
		return "", withHint(errNoTerminal, "give the passphrase with --passphrase-file FILE or TVAULT_PASSPHRASE_FILE")
	}
	defer tty.Close()
	fd := int(tty.in.Fd())
	if !term.IsTerminal(fd) {
		return "", withHint(errNoTerminal, "give the passphrase with --passphrase-file FILE or TVAULT_PASSPHRASE_FILE")
	}
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("failed to read the passphrase: %w", err)
	}
	fmt.Fprint(tty.out, prompt)
	type result struct {
		b   []byte
		err error
	}
	read := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		read <- result{b, err}
	}()
	select {
	case r := <-read:
		fmt.Fprintln(tty.out)
		if r.err != nil {
			return "", fmt.Errorf("failed to read the passphrase: %w", r.err)
		}
		return string(r.b), nil
	case <-ctx.Done():
		// Without this, an interrupted prompt would leave the terminal
		// not echoing what the user types next.
		_ = term.Restore(fd, state)
		fmt.Fprintln(tty.out)
		return "", ctx.Err()
	}
}

// loadIdentity reads the identity named by -i (or its default).
func (e *env) loadIdentity(c *cli.Context) (*tcrypto.Identity, error) {
	p := e.identityPath(c)
	ui, prompter := e.pluginUI(c.Context)
	id, err := tcrypto.ReadIdentity(p, tcrypto.ReadOptions{Passphrase: e.passphraseSource(c), PluginUI: ui})
	if perr := prompter.identityError(p, err); perr != nil {
		// A hardware key's plugin or signing key file is at fault.
		return nil, perr
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, withHint(fmt.Errorf("no identity file at %s", p), "create one with 'tvault keygen', or name yours with -i FILE")
	}
	var pe *tcrypto.PermissionError
	if errors.As(err, &pe) {
		// The identity file's or the passphrase file's: that file's
		// sentence, without what was being done when it was found.
		return nil, pe
	}
	if err != nil {
		return nil, fmt.Errorf("cannot use identity file %s: %w", p, err)
	}
	return id, nil
}
