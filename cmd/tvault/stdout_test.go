package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/testkit"
)

// cliFixture is a vault with one sealed record and an audit export, for
// tests that run every command.
type cliFixture struct {
	dir, form, rec, export string
	thVault, thRec         string // a vault with a threshold class (unmask_test.go), made on first use
	// a field vault, a bundle of it and the receipt of its import
	// (field_cases_test.go), made on first use
	fieldVault, bundle, receipt string
	team                        *testkit.Team
	b                           *binary
}

func newCLIFixture(t *testing.T) *cliFixture {
	t.Helper()
	dir, _, team, b := newTeamVault(t)
	form, err := testkit.WriteForm(filepath.Join(dir, "f"), "OUTPUT")
	if err != nil {
		t.Fatal(err)
	}
	f := &cliFixture{dir: dir, form: form, team: team, b: b}
	f.rec = strings.TrimSpace(b.must("seal", form, "-i", f.key("olena")))
	f.export = filepath.Join(dir, "export.jsonl")
	b.must("audit", "export", "-o", f.export, "-i", f.key("taras"))
	return f
}

func (f *cliFixture) key(name string) string { return f.team.Get(name).Path }

// cliCase is one command line of a command that prints a result.
type cliCase struct {
	cmd string // the command, as jsonForms names it
	// args is the command line; n is a word that makes the names of
	// what it creates (an identity, a vault, a folder) new.
	args func(n string) []string
	// done is what a failed write to standard output must say the
	// command did all the same, if it changes something.
	done string
}

// cliCases covers every command (TestCLICasesCoverEveryCommand checks
// it), each as a member allowed to run it.
func (f *cliFixture) cliCases() []cliCase {
	fixed := func(args ...string) func(string) []string { return func(string) []string { return args } }
	return append([]cliCase{
		{cmd: "keygen", done: "the identity was written to", args: func(n string) []string {
			return []string{"keygen", "--no-passphrase", "-o", filepath.Join(f.dir, "id-"+n+".age")}
		}},
		{cmd: "card", args: fixed("card", "-i", f.key("olena"))},
		{cmd: "init", done: "the vault was created in", args: func(n string) []string {
			return []string{"init", "--policy", filepath.Join(f.dir, "policy.toml"), "--vault", filepath.Join(f.dir, "vault-"+n), "-i", f.key("admin-kyiv")}
		}},
		{cmd: "policy show", args: fixed("policy", "show", "-i", f.key("iryna"))},
		{cmd: "policy check", args: fixed("policy", "check", filepath.Join(f.dir, "policy.toml"))},
		{cmd: "policy apply", done: "is in force all the same", args: func(n string) []string {
			// The team's policy with a comment of its own: a new version
			// each time, which changes nothing else.
			path := filepath.Join(f.dir, "policy-"+n+".toml")
			if f.dir != "" {
				b, err := os.ReadFile(filepath.Join(f.dir, "policy.toml"))
				if err == nil {
					err = os.WriteFile(path, append(b, "\n# revision "+n+"\n"...), 0o600)
				}
				if err != nil {
					panic(err)
				}
			}
			return []string{"policy", "apply", path, "-i", f.key("admin-kyiv")}
		}},
		{cmd: "policy export", args: fixed("policy", "export", "-o", "-", "-i", f.key("olena"))},
		{cmd: "keys status", args: fixed("keys", "status", "-i", f.key("mykola"))},
		{cmd: "keys sync", done: "stored all the same", args: fixed("keys", "sync", "-i", f.key("iryna"))},
		{cmd: "keys rotate", done: "was made all the same", args: fixed("keys", "rotate", "--class", "testimony", "-i", f.key("iryna"))},
		{cmd: "keys rewrap", done: "moved all the same", args: fixed("keys", "rewrap", "--no-progress", "-i", f.key("iryna"))},
		{cmd: "seal", done: "sealed all the same: run 'tvault list --since", args: fixed("seal", f.form, "-i", f.key("olena"))},
		{cmd: "list", args: fixed("list", "-i", f.key("olena"))},
		{cmd: "show", args: fixed("show", f.rec, "-i", f.key("olena"))},
		{cmd: "open", done: "the record was opened into", args: func(n string) []string {
			return []string{"open", f.rec, "-o", filepath.Join(f.dir, "open-"+n), "-i", f.key("mykola")}
		}},
		{cmd: "cat", args: fixed("cat", f.rec, "testimony/interview.opus", "-i", f.key("mykola"))},
		{cmd: "audit export", args: fixed("audit", "export", "-i", f.key("taras"))},
		{cmd: "audit verify", args: fixed("audit", "verify", f.export)},
		{cmd: "audit verify", args: fixed("audit", "verify", "-i", f.key("iryna"))},
		{cmd: "audit checkpoint", args: fixed("audit", "checkpoint", "-i", f.key("iryna"))},
		{cmd: "audit witness", args: fixed("audit", "witness", "--setup", "-i", f.key("iryna"))},
		{cmd: "check", args: fixed("check", "-i", f.key("iryna"))},
	}, slices.Concat(f.unmaskCases(), f.fieldCases(), f.consentCases(), f.eraseCases(), f.holdCases())...)
}

// leafCommands names every command that runs an action ("audit verify",
// not "audit").
func leafCommands() []string {
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv})
	var names []string
	var walk func(path string, c []*cli.Command)
	walk = func(path string, cs []*cli.Command) {
		for _, c := range cs {
			name := strings.TrimSpace(path + " " + c.Name)
			if len(c.Subcommands) > 0 {
				walk(name, c.Subcommands)
				continue
			}
			names = append(names, name)
		}
	}
	walk("", app.Commands)
	sort.Strings(names)
	return names
}

// TestCLICasesCoverEveryCommand: the tables run every command, so a new
// command must be added to cliCases (and to jsonForms, or not).
func TestCLICasesCoverEveryCommand(t *testing.T) {
	covered := map[string]bool{}
	// The args functions are not called: no vault is needed.
	for _, c := range (&cliFixture{team: teamByName()}).cliCases() {
		covered[c.cmd] = true
	}
	for _, name := range leafCommands() {
		if !covered[name] {
			t.Errorf("command %q has no case in cliCases: add one", name)
		}
		_, yes := jsonForms[name]
		_, no := noJSON[name]
		if yes && no {
			t.Errorf("command %q is both in jsonForms and noJSON", name)
		}
	}
}

// teamByName is the example team by name only, without keys.
func teamByName() *testkit.Team {
	t := &testkit.Team{}
	for _, r := range testkit.Roster {
		t.Members = append(t.Members, &testkit.Member{Name: r.Name, Path: r.Name + ".age"})
	}
	return t
}

// runTo runs tvault with standard output going to out.
func (b *binary) runTo(out *os.File, args ...string) (stderr string, code int) {
	c := b.cmd(nil, args...)
	var errb bytes.Buffer
	c.Stdout, c.Stderr = out, &errb
	err := c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return errb.String(), ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return errb.String(), 0
}

// TestStdoutFull: every command that prints a result, with standard output
// on a full disk (/dev/full), fails with exit 1 and one sentence; a command
// that changed something says that it did and how to find it. Before,
// seal, show, card and audit verify exited 0 with their result lost.
func TestStdoutFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer full.Close()
	f := newCLIFixture(t)
	cases := f.cliCases()
	// The other output forms of the commands that have them, and the
	// app's own help and version.
	more := []struct{ cmd, extra string }{
		{"list", "--csv"}, {"list", "--json"}, {"show", "--json"}, {"seal", "--json"}, {"card", "--json"},
		{"audit verify", "--json"}, {"open", "--json"}, {"check", "--json"}, {"policy check", "--json"},
		{"audit export", "--csv"}, {"init", "--json"}, {"policy show", "--json"},
		{"policy apply", "--json"}, {"keys status", "--json"},
		{"unmask request", "--json"}, {"unmask approve", "--json"}, {"unmask list", "--json"},
		{"consent withdraw", "--json"}, {"erase", "--json"},
		{"hold", "--json"}, {"retention run", "--json"},
	}
	for _, m := range more {
		for _, c := range f.cliCases() {
			if c.cmd == m.cmd {
				args, extra := c.args, m.extra
				cases = append(cases, cliCase{cmd: c.cmd + " " + extra, done: c.done,
					args: func(n string) []string { return append(args(n), extra) }})
				break
			}
		}
	}
	cases = append(cases,
		cliCase{cmd: "--version", args: func(string) []string { return []string{"--version"} }},
		cliCase{cmd: "--help", args: func(string) []string { return []string{"--help"} }})

	errLine := regexp.MustCompile(`(?m)^tvault: error: `)
	for i, c := range cases {
		// Past 'z', rune('a'+i) is no longer a letter (a policy comment
		// would hold a control character): a number names every case.
		n := "c" + strconv.Itoa(i)
		args := c.args(n + "1")
		// Written to a buffer, it prints something: the case is real.
		if out := f.b.must(args...); out == "" {
			t.Errorf("%v printed nothing", args)
		}
		args = c.args(n + "2")
		stderr, code := f.b.runTo(full, args...)
		if code != 1 {
			t.Errorf("%v > /dev/full: exit %d, want 1\n%s", args, code, stderr)
			continue
		}
		if !strings.Contains(stderr, "tvault: error: cannot write to standard output: no space left on device") ||
			len(errLine.FindAllString(stderr, -1)) != 1 {
			t.Errorf("%v > /dev/full: want one error saying standard output failed, got:\n%s", args, stderr)
		}
		if c.done != "" && !strings.Contains(stderr, c.done) {
			t.Errorf("%v > /dev/full: the error does not say %q:\n%s", args, c.done, stderr)
		}
		if strings.Contains(stderr, "run the command again") && c.done != "" {
			t.Errorf("%v > /dev/full: asks to run again a command that did its work:\n%s", args, stderr)
		}
	}
}

// TestStdoutFullSealFindable: the command that seal's error names finds
// the record it sealed while standard output was failing.
func TestStdoutFullSealFindable(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer full.Close()
	f := newCLIFixture(t)
	stderr, code := f.b.runTo(full, "seal", f.form, "-i", f.key("olena"))
	m := regexp.MustCompile(`run 'tvault list --since (\S+)' to find it`).FindStringSubmatch(stderr)
	if code != 1 || m == nil {
		t.Fatalf("seal > /dev/full: exit %d\n%s", code, stderr)
	}
	var recs []struct{ ID string }
	if err := json.Unmarshal([]byte(f.b.must("list", "--since", m[1], "--json", "-i", f.key("olena"))), &recs); err != nil {
		t.Fatal(err)
	}
	// The fixture's record may have been sealed in the same second.
	if len(recs) == 0 || recs[len(recs)-1].ID == f.rec {
		t.Errorf("list --since %s found %v, want the new record", m[1], recs)
	}
}
