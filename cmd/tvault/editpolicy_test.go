package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
)

// editpolicy IN OUT OP...: writes OUT, the policy IN changed by each OP in
// turn: drop=NAME removes a member; add=NAME:ROLE adds a member with new
// keys (their identity file keys/NAME.age, the team's passphrase);
// role=NAME:ROLE gives a member that one role; replace=OLD|NEW replaces
// text (\\n in it is a line end).
func cmdEditpolicy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: editpolicy IN OUT OP...")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	const sep = "\n[[members]]\n"
	blocks := strings.Split(string(b), sep)
	named := func(name string) int {
		for i, bl := range blocks[1:] {
			if strings.HasPrefix(bl, fmt.Sprintf("name = %q\n", name)) {
				return i + 1
			}
		}
		ts.Fatalf("editpolicy: no member %s", name)
		return 0
	}
	for _, op := range args[2:] {
		kind, arg, _ := strings.Cut(op, "=")
		a, c, _ := strings.Cut(arg, ":")
		switch kind {
		case "drop":
			i := named(a)
			blocks = append(blocks[:i], blocks[i+1:]...)
		case "role":
			i := named(a)
			blocks[i] = regexp.MustCompile(`(?m)^roles = .*$`).ReplaceAllString(blocks[i], fmt.Sprintf("roles = [%q]", c))
		case "add":
			id, err := tcrypto.GenerateIdentity(false)
			ts.Check(err)
			path := ts.MkAbs(filepath.Join("keys", a+".age"))
			ts.Check(tcrypto.WriteIdentityFile(path, id, testkit.Passphrase, tcrypto.FileOptions{WorkFactor: testkit.WorkFactor}))
			card := id.Card()
			blocks = append(blocks, fmt.Sprintf("name = %q\nroles = [%q]\nrecipient = %q\nsigning_key = %q\ncard_sig = %q\n",
				a, c, card.Recipient, card.SigningKey, card.Signature))
		case "replace":
			old, new, _ := strings.Cut(strings.ReplaceAll(arg, `\n`, "\n"), "|")
			s := strings.Join(blocks, sep)
			if !strings.Contains(s, old) {
				ts.Fatalf("editpolicy: no %q in the policy", old)
			}
			blocks = strings.Split(strings.Replace(s, old, new, 1), sep)
		default:
			ts.Fatalf("editpolicy: unknown operation %q", op)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(blocks, sep)), 0o600))
}
