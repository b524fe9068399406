package policy

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age/plugin"
	"github.com/pelletier/go-toml/v2"
)

func addSeedFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzParse(f *testing.F) {
	addSeedFiles(f, "testdata/*.toml")
	f.Add([]byte(testPolicy(f)))
	f.Add([]byte(testPolicy(f, replace(`threshold = 2`, `threshold = 3`))))
	f.Add([]byte(testPolicy(f, replace(`threshold = 2`, "threshold = 2\nretention = \"10y\""))))
	// A hardware key (an age plugin recipient).
	f.Add([]byte(testPolicy(f, replace(`recipient = "PQ1"`, `recipient = "`+plugin.EncodeRecipient("yubikey", []byte("0123456789abcdef0123456789abcdef0"))+`"`))))
	f.Add([]byte(testPolicy(f, truncate("[[members]]"), replace("name = \"test\"\n",
		"name = \"t\"\npurposes = [\"a\"]\nmembers = [{ name = \"a\", roles = [\"admin\", \"legal\"], recipient = \"X1\", signing_key = \"ED5\" }]\n"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %T %v is not a non-empty Problems", err, err)
			}
			lines := bytes.Count(data, []byte{'\n'}) + 1
			for i, pr := range ps {
				if pr.Line < 0 || pr.Line > lines {
					t.Errorf("problem %v: line outside the document's %d lines", pr, lines)
				}
				if i > 0 && pr.Line < ps[i-1].Line {
					t.Errorf("problems not sorted by line")
				}
				if strings.ContainsAny(pr.String(), "\n\r\x1b") {
					t.Errorf("problem %q contains a control character", pr.String())
				}
			}
			if p != nil {
				t.Error("Parse returned a policy with an error")
			}
			return
		}
		checkInvariants(t, p)
		if p.Digest() != sha256.Sum256(data) || !bytes.Equal(p.Bytes(), data) {
			t.Error("Digest or Bytes do not match the parsed bytes")
		}
		p.Warnings()
	})
}

// checkInvariants checks what Parse promises about a policy it returns.
func checkInvariants(t *testing.T, p *Policy) {
	t.Helper()
	if p.Name == "" || len(p.Classes) == 0 || len(p.Members) == 0 {
		t.Errorf("policy without a name, classes or members: %+v", p)
	}
	names := make(map[string]bool)
	admin := false
	for _, m := range p.Members {
		if !validName(m.Name, maxMemberName, "_.-") || names[m.Name] {
			t.Errorf("member name %q invalid or repeated", m.Name)
		}
		names[m.Name] = true
		if len(m.Roles) == 0 {
			t.Errorf("member %q has no roles", m.Name)
		}
		for _, r := range m.Roles {
			if _, ok := p.Roles[r]; !ok {
				t.Errorf("member %q has unknown role %q", m.Name, r)
			}
		}
		if _, err := parseSigningKey(m.SigningKey); err != nil || len(m.SigningPublicKey) != 32 {
			t.Errorf("member %q has a bad signing key", m.Name)
		}
		if (m.Plugin != "") != (strings.Count(m.Recipient, "1") > 1 && !m.PostQuantum) || m.Recipient != strings.ToLower(m.Recipient) {
			t.Errorf("member %q: recipient %q, plugin %q", m.Name, m.Recipient, m.Plugin)
		}
		if got, ok := p.MemberByRecipient(m.Recipient); !ok || got.Name != m.Name {
			t.Errorf("MemberByRecipient(%q's) = %q", m.Name, got.Name)
		}
		if got, ok := p.MemberBySigningKey(m.SigningPublicKey); !ok || got.Name != m.Name {
			t.Errorf("MemberBySigningKey(%q's) = %q", m.Name, got.Name)
		}
		admin = admin || p.May(m.Name, ActionPolicy)
		for _, c := range p.Decryptable(m.Name) {
			if !slices.ContainsFunc(p.Holders(c), func(h Member) bool { return h.Name == m.Name }) {
				t.Errorf("%q can decrypt %q but is not among its holders", m.Name, c)
			}
		}
	}
	if !admin {
		t.Error("nobody may change the policy")
	}
	for _, name := range p.ClassNames() {
		c := p.Classes[name]
		if name == "public" || !validName(name, maxClassName, "_-") {
			t.Errorf("class name %q accepted", name)
		}
		if h := len(p.Holders(name)); h == 0 || c.Threshold < 1 || c.Threshold > h || p.Threshold(name) != c.Threshold {
			t.Errorf("class %q: %d holders, threshold %d", name, h, c.Threshold)
		}
	}
	for _, r := range p.Roles {
		for _, c := range r.Decrypt {
			if _, ok := p.Classes[c]; !ok {
				t.Errorf("role %q decrypts unknown class %q", r.Name, c)
			}
		}
		for _, a := range r.Can {
			if !validAction(a) {
				t.Errorf("role %q can unknown action %q", r.Name, a)
			}
		}
	}
	for name, f := range p.Public {
		if !validFieldType(f.Type) || (f.Type == TypeEnum) != (len(f.Values) > 0) {
			t.Errorf("public field %q: %+v", name, f)
		}
	}
}

func FuzzValidatePublic(f *testing.F) {
	addSeedFiles(f, "testdata/form.toml")
	for _, s := range []string{
		"[public]\ncategory = \"pow\"\ninterviewed = 2024-05-03",
		"[public]\ncategory = \"pow\"\ninterviewed = \"2024-05\"\ntopics = [\"a\", 1]",
		"[public]\ncategory = \"x\"\nregion = {a = 1}\nborn = 1990-01-01T00:00:00Z",
		"[public]\ncategory = \"civilian\"\nregion = \"Херсон\"\nlanguage = 1.5",
	} {
		f.Add([]byte(s))
	}
	data, err := os.ReadFile("testdata/policy.toml")
	if err != nil {
		f.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, form []byte) {
		var doc map[string]any
		if toml.Unmarshal(form, &doc) != nil {
			return
		}
		pub, _ := doc["public"].(map[string]any)
		out, err := p.ValidatePublic(pub)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 || out != nil {
				t.Fatalf("ValidatePublic = %v, %v", out, err)
			}
			for _, pr := range ps {
				if !strings.HasPrefix(pr.Name, "public field ") || strings.ContainsAny(pr.String(), "\n\r\x1b") {
					t.Errorf("problem %q", pr.String())
				}
			}
			return
		}
		for name, v := range out {
			switch v := v.(type) {
			case string:
				if len(v) > maxText {
					t.Errorf("%s: %d bytes accepted", name, len(v))
				}
			case []string:
			default:
				t.Errorf("%s: normalised to %T", name, v)
			}
		}
		// Normalised values are valid as they are.
		again, err := p.ValidatePublic(out)
		if err != nil {
			t.Fatalf("normalised values refused: %v", err)
		}
		if len(again) != len(out) {
			t.Errorf("normalising twice changed the values")
		}
	})
}
