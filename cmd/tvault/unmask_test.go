package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// threshold returns a second vault of the fixture's team, whose identity
// class has threshold 2, and a record sealed in it; made on first use.
func (f *cliFixture) threshold() (vault, rec string) {
	if f.thVault == "" {
		b, err := os.ReadFile(filepath.Join(f.dir, "policy.toml"))
		if err != nil {
			panic(err)
		}
		p := filepath.Join(f.dir, "policy-threshold.toml")
		b = bytes.Replace(b, []byte("[classes.identity]\n"), []byte("[classes.identity]\nthreshold = 2\n"), 1)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			panic(err)
		}
		f.thVault = filepath.Join(f.dir, "vault-threshold")
		f.b.must("init", "--policy", p, "--vault", f.thVault, "-i", f.key("admin-kyiv"))
		f.thRec = strings.TrimSpace(f.b.must("seal", f.form, "--vault", f.thVault, "-i", f.key("olena")))
	}
	return f.thVault, f.thRec
}

// unmaskCases are the unmask commands for cliCases, in the threshold vault.
func (f *cliFixture) unmaskCases() []cliCase {
	return []cliCase{
		{cmd: "unmask request", done: "was made all the same", args: func(n string) []string {
			v, rec := f.threshold()
			return []string{"unmask", "request", rec, "--reason", "review " + n, "--vault", v, "-i", f.key("iryna")}
		}},
		{cmd: "unmask approve", done: "was approved all the same", args: func(n string) []string {
			v, rec := f.threshold()
			req := strings.TrimSpace(f.b.must("unmask", "request", rec, "--reason", "review "+n, "--vault", v, "-i", f.key("iryna")))
			return []string{"unmask", "approve", req, "--vault", v, "-i", f.key("taras")}
		}},
		{cmd: "unmask list", args: func(string) []string {
			v, _ := f.threshold()
			return []string{"unmask", "list", "--vault", v, "-i", f.key("taras")}
		}},
	}
}
