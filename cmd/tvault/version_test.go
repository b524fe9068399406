package main

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	const rev = "ce326355275d7c0ac6aecf258e9888bed0690d53"
	stamped := func(version, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: version}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified},
		}}
	}
	unstamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}
	for _, tc := range []struct {
		name          string
		ver, rev, mod string
		bi            *debug.BuildInfo
		want          string
	}{
		{"release build (-X, -buildvcs=false)", "v1.2.0", rev, "", unstamped,
			"v1.2.0 (commit " + rev + ", go1.26.8)"},
		{"release build of a modified tree", "v0.0.0-20261202035201-ce326355275d+dirty", rev, "true", unstamped,
			"v0.0.0-20261202035201-ce326355275d+dirty (commit " + rev + " with uncommitted changes, go1.26.8)"},
		{"-X wins over Go's own stamp", "v1.2.0", rev, "", stamped("v1.1.1-0.20261202035201-0123456789ab", "true"),
			"v1.2.0 (commit " + rev + ", go1.26.8)"},
		{"make build in a clean clone", "dev", "", "", stamped("v0.0.0-20261202035201-ce326355275d", "false"),
			"v0.0.0-20261202035201-ce326355275d (commit " + rev + ", go1.26.8)"},
		{"make build in a modified clone", "dev", "", "", stamped("v0.0.0-20261202035201-ce326355275d+dirty", "true"),
			"v0.0.0-20261202035201-ce326355275d+dirty (commit " + rev + " with uncommitted changes, go1.26.8)"},
		{"go install @version", "dev", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}},
			"v1.2.0 (commit unknown: built without version control information, as go run and go test do; go1.26.8)"},
		{"go run, go test, a worktree", "dev", "", "", unstamped,
			"dev (commit unknown: built without version control information, as go run and go test do; go1.26.8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeBuild(tc.ver, tc.rev, tc.mod, tc.bi); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// Without build information at all the toolchain still names itself.
	want := "dev (commit unknown: built without version control information, as go run and go test do; " + runtime.Version() + ")"
	if got := describeBuild("dev", "", "", nil); got != want {
		t.Errorf("no build information: got %s, want %s", got, want)
	}
}

// TestVersionFlag checks the wiring: tvault --version prints one line on
// stdout. A test binary records no commit, so it says so.
func TestVersionFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"tvault", "--version"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := "tvault version dev (commit unknown: built without version control information, as go run and go test do; "
	if out := stdout.String(); !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
		t.Errorf("tvault --version printed %q, want one line starting %q", out, want)
	}
}
