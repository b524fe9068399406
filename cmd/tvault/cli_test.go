package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// binary runs a real tvault process against one vault with one passphrase
// file: by default the test binary, which testscript.Main puts on PATH as
// "tvault"; or cmd/tvault built by go build (newBuiltBinary).
type binary struct {
	t    *testing.T
	path string
	env  []string
}

func newBinary(t *testing.T, vault, passFile string) *binary {
	return &binary{t: t, path: "tvault", env: append(os.Environ(), "TVAULT_VAULT="+vault, "TVAULT_PASSPHRASE_FILE="+passFile)}
}

// newBuiltBinary is newBinary for cmd/tvault built with the given build tags
// ("" for the release build, "tvaultdebug" for failpoints and profiling).
func newBuiltBinary(t *testing.T, tags, vault, passFile string) *binary {
	b := newBinary(t, vault, passFile)
	b.path = buildTvault(t, tags)
	return b
}

// builds holds the binaries buildTvault made, one per set of tags, in a
// folder that TestMain removes after the tests.
var builds struct {
	sync.Mutex
	dir   string
	paths map[string]string
}

// buildTvault builds cmd/tvault the way make build does (go build
// -trimpath), with -race when the tests run under it, once per test process
// and set of tags, and returns the binary's path. The test binary cannot
// stand in for it where build tags matter: it is built with whatever tags
// go test was given.
func buildTvault(t *testing.T, tags string) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	if p, ok := builds.paths[tags]; ok {
		return p
	}
	if builds.dir == "" {
		d, err := os.MkdirTemp("", "tvault-build-")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.paths = d, map[string]string{}
	}
	name := "tvault"
	if tags != "" {
		name += "-" + strings.ReplaceAll(tags, ",", "-")
	}
	if runtime.GOOS == "windows" {
		// Windows runs only what ends in an executable extension.
		name += ".exe"
	}
	out := filepath.Join(builds.dir, name)
	args := []string{"build", "-trimpath", "-o", out}
	// "norace" is no tag: the release build even under -race, for tests
	// whose point is volume (filling a disk), not concurrency.
	if raceBuild && tags != norace {
		args = append(args, "-race")
	}
	if tags != "" && tags != norace {
		args = append(args, "-tags", tags)
	}
	c := exec.Command("go", append(args, ".")...)
	if msg, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	builds.paths[tags] = out
	return out
}

// norace, as buildTvault's tags, builds without -race whatever the test
// binary was built with.
const norace = "norace"

// removeBuilds deletes what buildTvault made.
func removeBuilds() {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
}

// cmd returns an unstarted tvault command with extra environment settings.
func (b *binary) cmd(extraEnv []string, args ...string) *exec.Cmd {
	c := exec.Command(b.path, args...)
	c.Env = append(append([]string(nil), b.env...), extraEnv...)
	return c
}

// run runs tvault and returns its stdout, stderr and exit code; a failure
// to start it at all ends the test.
func (b *binary) run(args ...string) (stdout, stderr string, code int) {
	c := b.cmd(nil, args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// must runs tvault and ends the test unless it exits 0.
func (b *binary) must(args ...string) string {
	out, errs, code := b.run(args...)
	if code != 0 {
		b.t.Fatalf("tvault %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}
