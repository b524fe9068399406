package policy

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func parseFile(t *testing.T, name string) *Policy {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func TestParseExample(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	if p.Name != "incommunicado-detention-2024" {
		t.Errorf("Name = %q", p.Name)
	}
	if got, want := p.ClassNames(), []string{"identity", "testimony"}; !slices.Equal(got, want) {
		t.Errorf("ClassNames() = %v, want %v", got, want)
	}
	if got := p.Classes["identity"].Description; !strings.HasPrefix(got, "Names, contacts") {
		t.Errorf("identity description = %q", got)
	}
	var names []string
	for _, m := range p.Members {
		names = append(names, m.Name)
	}
	if want := []string{"admin-kyiv", "olena", "mykola", "iryna", "taras"}; !slices.Equal(names, want) {
		t.Errorf("members = %v, want %v (policy order)", names, want)
	}
	m, ok := p.Member("mykola")
	if !ok || m.PostQuantum || m.Recipient != keyX0 || m.SigningKey != keyEd2 || len(m.SigningPublicKey) != 32 {
		t.Errorf("Member(mykola) = %+v, %v", m, ok)
	}
	if m, _ := p.Member("iryna"); !m.PostQuantum || m.Recipient != keyPQ2 {
		t.Errorf("iryna: PostQuantum = %v, recipient %.20q", m.PostQuantum, m.Recipient)
	}
	f := p.Public["category"]
	if f.Type != TypeEnum || !f.Required || len(f.Values) != 6 || f.Values[5] != "russian-pow" {
		t.Errorf("public category = %+v", f)
	}
	if f := p.Public["interviewed"]; f.Type != TypeMonth || f.Required || f.Values != nil {
		t.Errorf("public interviewed = %+v", f)
	}
	if len(p.Public) != 5 || p.Purposes != nil {
		t.Errorf("public = %v, purposes = %v", p.Public, p.Purposes)
	}
}

func TestDecide(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	may := map[string][]Action{
		"admin-kyiv": {ActionPolicy, ActionAudit},
		"olena":      {ActionSeal},
		"mykola":     nil,
		"iryna":      {ActionAudit, ActionErase, ActionKeys},
		"taras":      {ActionAudit, ActionErase, ActionKeys},
		"nobody":     nil,
	}
	for member, allowed := range may {
		for _, a := range append(slices.Clone(actions), "delete", "") {
			if got, want := p.May(member, a), slices.Contains(allowed, a); got != want {
				t.Errorf("May(%q, %q) = %v, want %v", member, a, got, want)
			}
		}
	}

	holders := map[string][]string{
		"testimony": {"mykola", "iryna", "taras"},
		"identity":  {"iryna", "taras"},
		"public":    nil, // built in: no keys, no holders
		"unknown":   nil,
	}
	for class, want := range holders {
		if got := memberNames(p.Holders(class)); !slices.Equal(got, want) {
			t.Errorf("Holders(%q) = %v, want %v", class, got, want)
		}
	}

	decryptable := map[string][]string{
		"admin-kyiv": nil,
		"olena":      nil, // a researcher seals but cannot read back
		"mykola":     {"testimony"},
		"iryna":      {"identity", "testimony"},
		"taras":      {"identity", "testimony"},
		"nobody":     nil,
	}
	for member, want := range decryptable {
		if got := p.Decryptable(member); !slices.Equal(got, want) {
			t.Errorf("Decryptable(%q) = %v, want %v", member, got, want)
		}
	}

	for class, want := range map[string]int{"identity": 1, "testimony": 1, "nope": 0} {
		if got := p.Threshold(class); got != want {
			t.Errorf("Threshold(%q) = %d, want %d", class, got, want)
		}
	}
}

func TestThreshold(t *testing.T) {
	p := parseFile(t, "testdata/threshold.toml")
	if got := p.Threshold("identity"); got != 2 {
		t.Errorf("Threshold(identity) = %d, want 2", got)
	}
	if got := p.Threshold("testimony"); got != 1 {
		t.Errorf("Threshold(testimony) = %d, want 1", got)
	}
}

func TestLookups(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	iryna, _ := p.Member("iryna")
	if m, ok := p.MemberBySigningKey(iryna.SigningPublicKey); !ok || m.Name != "iryna" {
		t.Errorf("MemberBySigningKey(iryna) = %q, %v", m.Name, ok)
	}
	if _, ok := p.MemberBySigningKey(make([]byte, 32)); ok {
		t.Error("MemberBySigningKey(zero key) found a member")
	}
	if _, ok := p.MemberBySigningKey(nil); ok {
		t.Error("MemberBySigningKey(nil) found a member")
	}
	if m, ok := p.MemberByRecipient(keyPQ2); !ok || m.Name != "iryna" {
		t.Errorf("MemberByRecipient(iryna) = %q, %v", m.Name, ok)
	}
	if m, ok := p.MemberByRecipient(strings.ToUpper(keyX0)); !ok || m.Name != "mykola" {
		t.Errorf("MemberByRecipient(upper-case mykola) = %q, %v", m.Name, ok)
	}
	if _, ok := p.MemberByRecipient(keyPQ4); ok {
		t.Error("MemberByRecipient(stranger) found a member")
	}
	if _, ok := p.Member("Iryna"); ok {
		t.Error(`Member("Iryna") found a member: names are case-sensitive`)
	}
}

func TestDigestAndBytes(t *testing.T) {
	data, err := os.ReadFile("testdata/policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Digest() != sha256.Sum256(data) {
		t.Error("Digest() is not the SHA-256 of the parsed bytes")
	}
	orig := bytes.Clone(data)
	data[0] ^= 0xff // the caller reusing its buffer must not change the policy
	b := p.Bytes()
	if !bytes.Equal(b, orig) {
		t.Error("Bytes() changed when the caller's buffer did")
	}
	b[0] ^= 0xff
	if !bytes.Equal(p.Bytes(), orig) || p.Digest() != sha256.Sum256(orig) {
		t.Error("modifying the result of Bytes() changed the policy")
	}
}

func TestWarnings(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	ws := p.Warnings()
	if len(ws) != 1 {
		t.Fatalf("Warnings() = %v, want one for testimony", ws)
	}
	w := ws[0]
	if w.Line != 7 || w.Name != `class "testimony"` || !strings.Contains(w.Msg, `"mykola"`) || strings.Contains(w.Msg, "iryna") {
		t.Errorf("warning = %v", w)
	}

	// Two classic holders of identity: both named, on identity's line.
	src := testPolicy(t, replace(`recipient = "PQ1"`, `recipient = "X1"`))
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ws = p.Warnings()
	if len(ws) != 2 {
		t.Fatalf("Warnings() = %v, want identity and testimony", ws)
	}
	for i, class := range []string{"testimony", "identity"} {
		w := ws[i]
		if w.Name != "class "+quote(class) || w.Line != lineOf(src, "[classes."+class+"]") ||
			!strings.Contains(w.Msg, `"iryna" and "taras"`) || strings.Contains(w.Msg, "admin-kyiv") {
			t.Errorf("warning %d = %v", i, w)
		}
	}

	all := testPolicy(t, replace(`recipient = "X0"`, `recipient = "PQ2"`))
	if p, err := Parse([]byte(all)); err != nil || len(p.Warnings()) != 0 {
		t.Errorf("all post-quantum: %v, warnings %v", err, p.Warnings())
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{12, `member "olena"`, `unknown role "reseacher"`}, `line 12: member "olena": unknown role "reseacher"`},
		{Problem{0, "name", "missing"}, "name: missing"},
		{Problem{3, "", "syntax error: x"}, "line 3: syntax error: x"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	ps := Problems{{1, "a", "x"}, {2, "b", "y"}}
	if got, want := ps.Error(), "line 1: a: x\nline 2: b: y"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseTooLarge(t *testing.T) {
	data := append([]byte("name = \"x\"\n"), bytes.Repeat([]byte("#\n"), maxSize)...)
	_, err := Parse(data)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(ps[0].Msg, "larger than") {
		t.Errorf("Parse(too large) = %v", err)
	}
}
