package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
)

// mkcards OUT SPEC...: writes OUT, a cards file for 'audit verify --trust':
// for SPEC NAME, member NAME's card from keys/NAME.age; for NAME=KEY, the
// card of keys/KEY.age under the name NAME; for NAME~, NAME's card with
// its card_sig taken from another card, which does not verify.
func cmdMkcards(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: mkcards OUT SPEC...")
	}
	card := func(name string) tcrypto.Card {
		id, err := tcrypto.ReadIdentityFile(ts.MkAbs("keys/"+name+".age"), func() (string, error) { return testkit.Passphrase, nil })
		ts.Check(err)
		return id.Card()
	}
	var b strings.Builder
	b.WriteString("# the members' cards, as each sent them\n")
	var last tcrypto.Card
	for _, spec := range args[1:] {
		name, key, ok := strings.Cut(spec, "=")
		if !ok {
			key = strings.TrimSuffix(name, "~")
		}
		c := card(key)
		if strings.HasSuffix(spec, "~") {
			name = key
			if last.Signature == "" {
				ts.Fatalf("mkcards: %s~ needs a card before it", name)
			}
			c.Signature = last.Signature
		}
		fmt.Fprintf(&b, "\n[[members]]\nname = %q\nrecipient = %q\nsigning_key = %q\ncard_sig = %q\n", name, c.Recipient, c.SigningKey, c.Signature)
		last = c
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o600))
}
