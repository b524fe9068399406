package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// TestReview15KillThenOtherCommands kills `tvault erase` at each named
// point of its scrub and then runs other commands before the rerun: seal,
// list, show and open of another record, check (which must say that the
// erasure is unfinished, and nothing worse). The erased record answers
// exit 5 throughout; the rerun (or check --repair) finishes, and then no
// byte of the record's header or wraps is in the vault folder and check
// --read-data is clean.
func TestReview15KillThenOtherCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tvault and runs many commands")
	}
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(dir, "vault")
	bin := newBuiltBinary(t, "tvaultdebug", vdir, team.PassFile)
	key := func(name string) string { return team.Get(name).Path }
	bin.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", key("admin-kyiv"))
	form := func(i int) string {
		d := filepath.Join(dir, fmt.Sprintf("form%d", i))
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "note.txt"), noteOf(i), 0o600)
		os.WriteFile(filepath.Join(d, "form.toml"), []byte(`[public]
category = "pow"
[testimony]
summary = "kill test"
files = ["note.txt"]
[identity]
interviewee = "someone"
`), 0o600)
		return filepath.Join(d, "form.toml")
	}
	points := []string{"erase-after-commit", "scrub-placeholders", "scrub-after-drop", "scrub-before-gc", "scrub-gc"}
	n := 0
	for i, point := range points {
		ids := strings.Fields(bin.must("seal", "--no-progress", "-i", key("olena"), form(n), form(n+1)))
		n += 2
		target, other := ids[0], ids[1]
		stored := storedOf(t, vdir, target)
		c := bin.cmd([]string{"TVAULT_FAILPOINT=" + point}, "erase", target, "--reason", "kill test", "-i", key("iryna"))
		if err := c.Run(); err == nil || !killedOutright(c.ProcessState, false) {
			t.Fatalf("%s: erase was not killed: %v", point, err)
		}
		bin.must("seal", "--no-progress", "-i", key("olena"), form(n))
		n++
		if out := bin.must("list", "-i", key("iryna")); strings.Contains(out, target) {
			t.Errorf("%s: list shows the erased record:\n%s", point, out)
		}
		for _, cmd := range [][]string{{"show", target}, {"open", target, "-o", filepath.Join(dir, fmt.Sprintf("o%d", i))}} {
			if _, errs, code := bin.run(append(cmd, "-i", key("iryna"))...); code != 5 {
				t.Errorf("%s: %s of the erased record exits %d: %s", point, cmd[0], code, errs)
			}
		}
		bin.must("show", other, "-i", key("iryna"))
		if out := bin.must("cat", other, "testimony/note.txt", "-i", key("iryna")); out != string(noteOf(n-2)) {
			t.Errorf("%s: the other record reads %q", point, out)
		}
		out, errs, code := bin.run("check", "-i", key("iryna"))
		if code != 0 || strings.Contains(out+errs, "error:") || !strings.Contains(out+errs, "interrupted") {
			t.Errorf("%s: check after the kill exits %d:\n%s%s", point, code, out, errs)
		}
		if i%2 == 0 {
			bin.must("erase", target, "--reason", "kill test, again", "-i", key("iryna"))
		} else {
			bin.must("check", "--repair", "-i", key("iryna"))
		}
		for j, b := range stored {
			if files := filesWith(t, vdir, b); len(files) > 0 {
				t.Errorf("%s: after the rerun, stored value %d of the record is still in %v", point, j, files)
			}
		}
	}
	out := bin.must("check", "--read-data", "-i", key("iryna"))
	if strings.Contains(out, "error:") || strings.Contains(out, "note:") {
		t.Errorf("check after the kills:\n%s", out)
	}
	bin.must("audit", "verify", "-i", key("iryna"))
}
