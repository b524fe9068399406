package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"filippo.io/age/plugin"
	"golang.org/x/term"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/text"
)

// pluginPrompter forwards what an age plugin asks of the user (a hardware
// key's PIN, a touch, a confirmation) to the terminal, and its messages to
// stderr. What the user types goes to the plugin only: it is never
// printed, logged or kept.
type pluginPrompter struct {
	e   *env
	ctx context.Context
	// noTerminal is the plugin that asked for input with no terminal to
	// ask on, so that the failure can say why.
	noTerminal string
}

// pluginUI returns the age plugin client UI of a command.
func (e *env) pluginUI(ctx context.Context) (*plugin.ClientUI, *pluginPrompter) {
	p := &pluginPrompter{e: e, ctx: ctx}
	return &plugin.ClientUI{
		DisplayMessage: func(name, message string) error {
			e.note("age-plugin-%s: %s", name, message)
			return nil
		},
		RequestValue: p.requestValue,
		Confirm:      p.confirm,
		WaitTimer: func(name string) {
			e.note("waiting for age-plugin-%s: touch your key if it asks for it", name)
		},
	}, p
}

func (p *pluginPrompter) requestValue(name, prompt string, secret bool) (string, error) {
	prompt = fmt.Sprintf("age-plugin-%s: %s ", name, text.Escape(strings.TrimSpace(prompt)))
	if secret {
		v, err := p.e.promptPassphrase(p.ctx, prompt)
		if errors.Is(err, errNoTerminal) {
			p.noTerminal = name
		}
		return v, err
	}
	return p.promptLine(name, prompt)
}

func (p *pluginPrompter) confirm(name, prompt, yes, no string) (bool, error) {
	q := fmt.Sprintf("age-plugin-%s: %s", name, text.Escape(strings.TrimSpace(prompt)))
	if no == "" {
		_, err := p.promptLine(name, fmt.Sprintf("%s (press Enter for %q) ", q, text.Escape(yes)))
		return err == nil, err
	}
	answer, err := p.promptLine(name, fmt.Sprintf("%s ([1] %s, [2] %s) ", q, text.Escape(yes), text.Escape(no)))
	switch {
	case err != nil:
		return false, err
	case strings.TrimSpace(answer) == "1":
		return true, nil
	case strings.TrimSpace(answer) == "2":
		return false, nil
	}
	return false, errors.New("neither 1 nor 2 was chosen")
}

// promptLine asks on the terminal for a line shown as it is typed.
func (p *pluginPrompter) promptLine(name, prompt string) (string, error) {
	tty, err := openTerminal()
	if err == nil && !term.IsTerminal(int(tty.in.Fd())) {
		tty.Close()
		err = errNoTerminal
	}
	if err != nil {
		p.noTerminal = name
		return "", errNoTerminal
	}
	defer tty.Close()
	fmt.Fprint(tty.out, prompt)
	read := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(tty.in).ReadString('\n')
		read <- strings.TrimRight(line, "\r\n")
	}()
	select {
	case line := <-read:
		return line, nil
	case <-p.ctx.Done():
		fmt.Fprintln(tty.out)
		return "", p.ctx.Err()
	}
}

// identityError explains why the identity file at path could not be used
// when its hardware key's plugin is at fault, and returns nil otherwise.
func (p *pluginPrompter) identityError(path string, err error) error {
	var pe *tcrypto.PluginError
	switch {
	case err != nil && p.ctx != nil && p.ctx.Err() != nil:
		// Ctrl-C at the plugin's prompt: the plugin only saw a refusal.
		return interrupted(p.ctx, context.Canceled)
	case p.noTerminal != "":
		return withHint(fmt.Errorf("age-plugin-%s asked for input (a PIN or a confirmation) for the hardware key "+
			"of %s, and there is no terminal to ask on", p.noTerminal, path),
			"run tvault from a terminal, where the plugin can ask")
	case errors.As(err, &pe) && pe.Missing:
		return fmt.Errorf("the identity in %s is a hardware key that needs age-plugin-%s on PATH: install it", path, pe.Plugin)
	case errors.As(err, &pe):
		return withHint(fmt.Errorf("the hardware key of %s could not be used: %w", path, pe),
			"check that the key is plugged in, then try again (and give its PIN or touch it if asked)")
	case errors.Is(err, tcrypto.ErrNoSigningKeyFile):
		return withHint(fmt.Errorf("identity file %s is a hardware key without its signing key file %s",
			path, tcrypto.SigningKeyFilePath(path)),
			"restore %s from your backup, next to the identity file", tcrypto.SigningKeyFilePath(path))
	case errors.Is(err, tcrypto.ErrSigningKeyFile):
		return withHint(fmt.Errorf("cannot use identity file %s: %w", path, err),
			"restore %s from your backup", tcrypto.SigningKeyFilePath(path))
	case errors.Is(err, fs.ErrNotExist):
		return nil
	}
	return nil
}
