package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONFlag: every command either prints JSON with --json — one JSON
// value, or JSON Lines where its --help says so — or refuses the flag with
// exit 2. Before, open, audit verify, policy check and audit checkpoint
// printed text, and cat bytes, with exit 0.
func TestJSONFlag(t *testing.T) {
	f := newCLIFixture(t)
	jsonLines := map[string]bool{"seal": true, "audit export": true}
	for i, c := range f.cliCases() {
		args := append(c.args(string(rune('a'+i))), "--json")
		stdout, stderr, code := f.b.run(args...)
		if _, ok := jsonForms[c.cmd]; !ok {
			if code != 2 || !strings.Contains(stderr, "tvault: error: --json: ") || stdout != "" {
				t.Errorf("%v: exit %d, want 2 and a refusal naming --json, nothing on stdout; got:\n%s%s", args, code, stdout, stderr)
			}
			continue
		}
		if code != 0 {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
			continue
		}
		n, err := countJSON(stdout)
		if err != nil || n == 0 || (n > 1 && !jsonLines[c.cmd]) {
			t.Errorf("%v: want one JSON value%s, got %d (%v):\n%s", args, map[bool]string{true: " a line"}[jsonLines[c.cmd]], n, err, stdout)
		}
		if jsonLines[c.cmd] && strings.Count(stdout, "\n") != n {
			t.Errorf("%v: want JSON Lines, one value a line:\n%s", args, stdout)
		}
	}

	// policy check --json describes a broken policy too, and exits 2.
	bad := filepath.Join(f.dir, "bad.toml")
	os.WriteFile(bad, []byte("name = \"x\"\n[roles.a]\ncan = [\"fly\"]\n"), 0o600)
	stdout, stderr, code := f.b.run("policy", "check", bad, "--json")
	var pc struct {
		OK       bool `json:"ok"`
		Problems []struct {
			Line int    `json:"line"`
			Msg  string `json:"message"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(stdout), &pc); code != 2 || err != nil || pc.OK || len(pc.Problems) == 0 {
		t.Errorf("policy check --json of a broken policy: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	// audit export has two forms: one at a time.
	if _, stderr, code := f.b.run("audit", "export", "--csv", "--json", "-i", f.key("taras")); code != 2 {
		t.Errorf("audit export --csv --json: exit %d, want 2\n%s", code, stderr)
	}
}

// countJSON counts the JSON values in s, which must hold nothing else.
func countJSON(s string) (int, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	n := 0
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n++
	}
}

// TestJSONFormsInHelp: each command's --help says what --json does there:
// its JSON form, or that it refuses the flag.
func TestJSONFormsInHelp(t *testing.T) {
	for _, name := range leafCommands() {
		var stdout, stderr bytes.Buffer
		args := append([]string{"tvault"}, strings.Fields(name)...)
		if code := run(context.Background(), append(args, "--help"), nil, &stdout, &stderr); code != 0 {
			t.Fatalf("%s --help: exit %d\n%s", name, code, stderr.String())
		}
		want := "With --json, prints "
		if _, ok := jsonForms[name]; !ok {
			want = "--json is refused (exit 2)"
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("%s --help does not say %q:\n%s", name, want, stdout.String())
		}
	}
}
