package main

import (
	"os"
	"path/filepath"
	"strings"
)

// purposes returns a third vault of the fixture's team, whose policy lists
// purposes, and a form that consents to two of them; made on first use.
func (f *cliFixture) purposes() (vault, form string) {
	vault, form = filepath.Join(f.dir, "vault-purposes"), filepath.Join(f.dir, "consent-form", "form.toml")
	if _, err := os.Stat(vault); err == nil {
		return vault, form
	}
	b, err := os.ReadFile(filepath.Join(f.dir, "policy.toml"))
	if err != nil {
		panic(err)
	}
	p := filepath.Join(f.dir, "policy-purposes.toml")
	b = append([]byte("purposes = [\"research\", \"prosecution\"]\n"), b...)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		panic(err)
	}
	if err := os.MkdirAll(filepath.Dir(form), 0o700); err != nil {
		panic(err)
	}
	const toml = "[public]\ncategory = \"civilian\"\nconsent = [\"research\", \"prosecution\"]\n\n[identity]\nname = \"Марія\"\n"
	if err := os.WriteFile(form, []byte(toml), 0o600); err != nil {
		panic(err)
	}
	f.b.must("init", "--policy", p, "--vault", vault, "-i", f.key("admin-kyiv"))
	return vault, form
}

// consentCases are the consent commands for cliCases, each on a record
// sealed for it in the purposes vault.
func (f *cliFixture) consentCases() []cliCase {
	return []cliCase{
		{cmd: "consent withdraw", done: "was withdrawn all the same", args: func(string) []string {
			v, form := f.purposes()
			rec := strings.TrimSpace(f.b.must("seal", form, "--vault", v, "-i", f.key("olena")))
			return []string{"consent", "withdraw", rec, "--purpose", "prosecution", "--reason", "letter from the interviewee", "--vault", v, "-i", f.key("iryna")}
		}},
	}
}
