package main

import (
	"runtime"
	"runtime/debug"
)

// The release build (scripts/release.sh) sets version (main.go), commit and
// modified with -ldflags -X, from git, and builds with -buildvcs=false.
//
// It does not rely on the stamp Go embeds by itself (vcs.revision in the
// build information) for two reasons. In a linked git worktree Go records
// no commit at all, and in a worktree nested inside another repository it
// records that repository's commit (golang/go#58218), so the stamp is
// missing or wrong depending on how the tree was checked out. And the
// stamp's presence changes the binary's bytes, so a release built from a
// clone and the same commit built from a worktree would differ; with
// -buildvcs=false and these -X values, both give the same bytes. The values
// depend only on the commit, so two builds of one commit stay identical.
var (
	// commit is the full hexadecimal revision the binary was built from.
	commit string
	// modified is "true" when the tree had uncommitted changes.
	modified string
)

// versionString is what tvault --version prints after "tvault version ": the
// version, the commit it was built from and the Go toolchain, e.g.
//
//	v1.2.0 (commit 0123…cdef, go1.26.8)
//	v0.0.0-20261202035201-ce326355275d+dirty (commit ce32…0d53 with uncommitted changes, go1.26.8)
//	dev (commit unknown: built without version control information, as go run and go test do; go1.26.8)
//
// A plain go build from a clone (make build) is described by the stamp Go
// embeds, when there is one; go install …@v1.2.0 by its module version.
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(version, commit, modified, bi)
}

// describeBuild is versionString for given -X values and build information
// (nil when the binary has none).
func describeBuild(ver, rev, mod string, bi *debug.BuildInfo) string {
	goVersion := runtime.Version()
	if bi != nil {
		if ver == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			ver = bi.Main.Version
		}
		if rev == "" {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					mod = s.Value
				}
			}
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
	}
	switch {
	case rev == "":
		return ver + " (commit unknown: built without version control information, as go run and go test do; " + goVersion + ")"
	case mod == "true":
		return ver + " (commit " + rev + " with uncommitted changes, " + goVersion + ")"
	default:
		return ver + " (commit " + rev + ", " + goVersion + ")"
	}
}
