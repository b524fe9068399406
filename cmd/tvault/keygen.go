package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

func keygenCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "keygen",
		Usage:     "create a new identity file and print its card",
		ArgsUsage: " ",
		Description: "Prints the card as the lines recipient = \"…\", signing_key = \"…\" and card_sig = \"…\", ready for the policy.\n\n" +
			"With --plugin FILE, makes the identity of a hardware key (a YubiKey through age-plugin-yubikey, a Secure Enclave " +
			"through age-plugin-se) from FILE, the identity file the plugin printed (with its recipient in a comment, " +
			"\"# public key: age1…\" or \"#    Recipient: age1…\"): copies it to -o (unless -o is FILE) and writes a new " +
			"random signing key, encrypted to the hardware key, to the signing key file next to it (-o FILE plus \".signing\"). " +
			"The plugin must be on PATH, and the key plugged in: it is used once, to check that it opens what is encrypted to it. " +
			"Every later command that uses the identity needs the plugin and the key (and its PIN or touch).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the identity to `FILE` (default: the -i default)"},
			&cli.BoolFlag{Name: "classic", Usage: "make an X25519 key instead of a post-quantum hybrid one"},
			&cli.StringFlag{Name: "plugin", Usage: "make the identity of a hardware key from `FILE`, the identity file its age plugin printed"},
			&cli.BoolFlag{Name: "no-passphrase", Usage: "write the identity unencrypted (only on an encrypted disk or a hardware-protected store)"},
			&cli.IntFlag{Name: "insecure-scrypt-work-factor", Hidden: true, Usage: "scrypt log2(N) for tests; weakens the passphrase"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("keygen takes no arguments (got %q); name the file with -o", c.Args().First())
			}
			out := c.String("output")
			if out == "" {
				out = e.identityPath(c)
			}
			if c.String("plugin") != "" {
				return e.keygenPlugin(c, out)
			}
			if _, err := os.Lstat(out); err == nil {
				return withHint(fmt.Errorf("%s already exists, and an identity file is never overwritten", out),
					"choose another file with -o FILE")
			}
			passphrase := ""
			if !c.Bool("no-passphrase") {
				var err error
				if passphrase, err = e.newPassphrase(c); err != nil {
					return err
				}
			}
			id, err := tcrypto.GenerateIdentity(c.Bool("classic"))
			if err != nil {
				return err
			}
			// Private on every platform: on Windows a folder made with
			// os.MkdirAll would take its parent's access list.
			if err := private.MkdirAll(filepath.Dir(out)); err != nil {
				return fmt.Errorf("cannot create the folder for %s: %w", out, err)
			}
			opts := tcrypto.FileOptions{WorkFactor: c.Int("insecure-scrypt-work-factor")}
			if err := tcrypto.WriteIdentityFile(out, id, passphrase, opts); err != nil {
				if errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("%s already exists, and an identity file is never overwritten", out)
				}
				return fmt.Errorf("failed to write the identity: %w", err)
			}
			kind := "post-quantum hybrid"
			if c.Bool("classic") {
				kind = "classic X25519"
			}
			e.note("wrote a %s identity to %s, %s", kind, out, protection(passphrase, opts.WorkFactor))
			e.committed("the identity was written to %s all the same: run 'tvault card -i %s' to print its card", out, out)
			return e.printCard(c, id.Card())
		},
	}
}

// protection says how well a new identity file is protected. Below age's
// work factor a guess at the passphrase costs less than age's second;
// each step down halves it (at 10, a laptop tries thousands a second), so
// the file is called weakly protected, with the factor.
func protection(passphrase string, workFactor int) string {
	switch {
	case passphrase == "":
		return "NOT protected by a passphrase"
	case workFactor != 0 && workFactor < tcrypto.DefaultScryptWorkFactor:
		return fmt.Sprintf("only WEAKLY protected by a passphrase (scrypt work factor %d, below age's %d: "+
			"a passphrase is %d times quicker to guess; for tests only)",
			workFactor, tcrypto.DefaultScryptWorkFactor, 1<<(tcrypto.DefaultScryptWorkFactor-workFactor))
	}
	return "protected by a passphrase"
}

// newPassphrase reads a new passphrase from --passphrase-file, or asks for
// it twice on the terminal.
func (e *env) newPassphrase(c *cli.Context) (string, error) {
	if p := c.String("passphrase-file"); p != "" {
		return tcrypto.ReadPassphraseFile(p)
	}
	p1, err := e.promptPassphrase(c.Context, "Enter a passphrase for the new identity: ")
	if err != nil {
		return "", err
	}
	if len(p1) == 0 {
		return "", usagef("the passphrase is empty; use --no-passphrase if you really want an unprotected identity")
	}
	p2, err := e.promptPassphrase(c.Context, "Enter it again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the two passphrases differ; nothing was written")
	}
	return p1, nil
}

func (e *env) printCard(c *cli.Context, card tcrypto.Card) error {
	if c.Bool("json") {
		return json.NewEncoder(e.stdout).Encode(map[string]string{
			"recipient": card.Recipient, "signing_key": card.SigningKey, "card_sig": card.Signature})
	}
	_, err := fmt.Fprintf(e.stdout, "recipient = %q\nsigning_key = %q\ncard_sig = %q\n", card.Recipient, card.SigningKey, card.Signature)
	return err
}

func cardCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "card",
		Usage:       "print the card (public half) of the identity given by -i",
		ArgsUsage:   " ",
		Description: "Prints the card as keygen does.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("card takes no arguments; name the identity with -i FILE")
			}
			id, err := e.loadIdentity(c)
			if err != nil {
				return err
			}
			return e.printCard(c, id.Card())
		},
	}
}
