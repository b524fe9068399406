package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// TestReleaseBuildHasNoDebugHooks proves that TVAULT_FAILPOINT and
// TVAULT_CPUPROFILE do nothing in a build without -tags tvaultdebug: a seal
// told to die after its commit completes, and no profile is written. The
// same seal with the debug build dies at that failpoint, so the name tested
// is a real one.
func TestReleaseBuildHasNoDebugHooks(t *testing.T) {
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(dir, "vault")
	release := newBuiltBinary(t, "", vdir, team.PassFile)
	debug := newBuiltBinary(t, "tvaultdebug", vdir, team.PassFile)
	key := func(name string) string { return team.Get(name).Path }

	// Not even the names are in the release binary.
	exe, err := os.ReadFile(release.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"TVAULT_FAILPOINT", "TVAULT_CPUPROFILE"} {
		if bytes.Contains(exe, []byte(name)) {
			t.Errorf("the release binary contains %q", name)
		}
	}

	release.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", key("admin-kyiv"))
	form, err := testkit.WriteForm(filepath.Join(dir, "form"), "BUILDTAGS")
	if err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "cpu.prof")
	hooks := []string{"TVAULT_FAILPOINT=seal-after-commit", "TVAULT_CPUPROFILE=" + prof}

	var stdout, stderr bytes.Buffer
	c := release.cmd(hooks, "seal", form, "-i", key("olena"))
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("release build with TVAULT_FAILPOINT=seal-after-commit: %v (want a normal seal)\n%s", err, stderr.String())
	}
	id := strings.TrimSpace(stdout.String())
	if out := release.must("list", "-i", key("mykola")); id == "" || !strings.Contains(out, id) {
		t.Errorf("sealed record %q is not listed:\n%s", id, out)
	}
	if _, err := os.Stat(prof); err == nil {
		t.Errorf("the release build wrote a CPU profile to %s", prof)
	}

	c = debug.cmd(hooks, "seal", form, "-i", key("olena"))
	if err := c.Run(); err == nil || !killedOutright(c.ProcessState, false) {
		t.Errorf("debug build with TVAULT_FAILPOINT=seal-after-commit: %v, want death at the failpoint", err)
	}
	// The killed seal left an empty profile; a command that ends writes one.
	os.Remove(prof)
	if err := debug.cmd([]string{"TVAULT_CPUPROFILE=" + prof}, "list", "-i", key("mykola")).Run(); err != nil {
		t.Fatalf("debug build, list: %v", err)
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("the debug build wrote no CPU profile: %v", err)
	}
}
