// Package ageplugin is a software age plugin for tests, age-plugin-tvtest,
// standing in for a hardware key (age-plugin-yubikey, age-plugin-se): its
// identities (AGE-PLUGIN-TVTEST-1…) and recipients (age1tvtest1…) carry an
// ordinary X25519 key, and its stanzas are X25519 stanzas under the type
// "tvtest", so that only the plugin opens them.
//
// Like a token, it can ask for a PIN and ask to be touched, through the
// client's UI: with TVTEST_PIN set in its environment, every unwrap asks
// for a secret value and fails unless it equals TVTEST_PIN; with
// TVTEST_TOUCH set, every unwrap first displays "touch the tvtest key".
//
// The command age-plugin-tvtest (in the folder of that name) runs [Main];
// [Build] compiles it for a test. "age-plugin-tvtest --generate" prints a
// new identity as age-plugin-yubikey does, with its recipient in a comment.
package ageplugin

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// Name is the plugin's name: its binary is age-plugin-tvtest.
const Name = "tvtest"

// StanzaType is the type of the stanzas the plugin writes.
const StanzaType = "tvtest"

// Generate returns a new identity of the plugin and its recipient.
func Generate() (identity, recipient string, err error) {
	k, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	identity = plugin.EncodeIdentity(Name, []byte(k.String()))
	recipient = plugin.EncodeRecipient(Name, []byte(k.Recipient().String()))
	if identity == "" || recipient == "" {
		return "", "", errors.New("cannot encode a tvtest key")
	}
	return identity, recipient, nil
}

// IdentityFile returns what "age-plugin-tvtest --generate" prints for
// identity and recipient: comments in age-plugin-yubikey's style, then the
// identity line.
func IdentityFile(identity, recipient string) string {
	return "#       Serial: 0, Slot: 1 (a software test key)\n" +
		"#    Recipient: " + recipient + "\n" +
		identity + "\n"
}

type recipient struct{ r *age.X25519Recipient }

func (r recipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	ss, err := r.r.Wrap(fileKey)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		s.Type = StanzaType
	}
	return ss, nil
}

type identity struct {
	p *plugin.Plugin
	k *age.X25519Identity
}

func (i identity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	var own []*age.Stanza
	for _, s := range stanzas {
		if s.Type == StanzaType {
			c := *s
			c.Type = "X25519"
			own = append(own, &c)
		}
	}
	if len(own) == 0 {
		return nil, age.ErrIncorrectIdentity
	}
	if os.Getenv("TVTEST_TOUCH") != "" {
		if err := i.p.DisplayMessage("touch the tvtest key"); err != nil {
			return nil, err
		}
	}
	if pin := os.Getenv("TVTEST_PIN"); pin != "" {
		v, err := i.p.RequestValue("Enter the PIN of the tvtest key:", true)
		if err != nil {
			return nil, errors.New("no PIN was given")
		}
		if v != pin {
			return nil, errors.New("wrong PIN")
		}
	}
	return i.k.Unwrap(own)
}

// Main runs the plugin and exits.
func Main() {
	p, err := plugin.New(Name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fs := flag.NewFlagSet("age-plugin-"+Name, flag.ContinueOnError)
	p.RegisterFlags(fs)
	generate := fs.Bool("generate", false, "print a new identity")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *generate {
		id, r, err := Generate()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(IdentityFile(id, r))
		os.Exit(0)
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) {
		r, err := age.ParseX25519Recipient(string(data))
		if err != nil {
			return nil, errors.New("malformed tvtest recipient")
		}
		return recipient{r}, nil
	})
	p.HandleIdentity(func(data []byte) (age.Identity, error) {
		k, err := age.ParseX25519Identity(string(data))
		if err != nil {
			return nil, errors.New("malformed tvtest identity")
		}
		return identity{p: p, k: k}, nil
	})
	os.Exit(p.Main())
}

// Build compiles age-plugin-tvtest into dir and returns its path.
func Build(dir string) (string, error) {
	name := "age-plugin-" + Name
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	out := filepath.Join(dir, name)
	c := exec.Command("go", "build", "-o", out, "github.com/tvault/tvault/internal/testkit/ageplugin/age-plugin-tvtest")
	if msg, err := c.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build age-plugin-%s: %v\n%s", Name, err, msg)
	}
	return out, nil
}
