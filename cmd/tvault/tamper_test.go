package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// TestTamperBadgerFiles flips bytes in the files on disk — Badger's LSM
// tables and value log, and a blob file — and requires that check --read-data reports an
// integrity failure (exit 4) every time, with no panic or stack trace.
func TestTamperBadgerFiles(t *testing.T) {
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(dir, "vault")
	// Under go test -race the binary is race-instrumented, and Badger has a
	// data race of its own in the error path of opening a damaged table
	// (levels.go closeAllTables): its report goes to a file here and does
	// not change the exit status, so this test judges tvault's behaviour.
	raceLog := filepath.Join(dir, "race")
	run := func(vault string, args ...string) (string, int) {
		b := newBinary(t, vault, team.PassFile)
		b.env = append(b.env, "GORACE=exitcode=0 log_path="+raceLog)
		out, errs, code := b.run(args...)
		return out + errs, code
	}
	if out, code := run(vdir, "init", "--policy", filepath.Join(dir, "policy.toml"), "-i", team.Get("admin-kyiv").Path); code != 0 {
		t.Fatal(out)
	}
	form, _ := testkit.WriteForm(filepath.Join(dir, "f"), "TAMPER")
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	os.WriteFile(filepath.Join(dir, "f", "interview.opus"), big, 0o600)
	for range 3 {
		if out, code := run(vdir, "seal", form, "-i", team.Get("olena").Path); code != 0 {
			t.Fatal(out)
		}
	}
	// Close cleanly so the tables are flushed to .sst files.
	if out, code := run(vdir, "check", "-i", team.Get("iryna").Path); code != 0 {
		t.Fatal(out)
	}
	files, _ := filepath.Glob(filepath.Join(vdir, "db", "*"))
	var targets []string
	for _, f := range files {
		if strings.HasSuffix(f, ".sst") || strings.HasSuffix(f, ".vlog") {
			if fi, _ := os.Stat(f); fi.Size() > 64 {
				targets = append(targets, f)
			}
		}
	}
	if len(targets) == 0 {
		t.Fatal("no table or value-log files to tamper with")
	}
	blobs, _ := filepath.Glob(filepath.Join(vdir, "db", "blobs", "*", "*"))
	if len(blobs) != 3 {
		t.Fatalf("%d blob files, want 3 (one per record): %v", len(blobs), blobs)
	}
	targets = append(targets, blobs[0])
	tried, caught := 0, 0
	for _, target := range targets {
		fi, _ := os.Stat(target)
		for k := 1; k <= 8; k++ {
			off := fi.Size() * int64(k) / 9
			copyDir := filepath.Join(dir, fmt.Sprintf("copy-%d", tried))
			if err := os.CopyFS(copyDir, os.DirFS(vdir)); err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(vdir, target)
			f := filepath.Join(copyDir, rel)
			b, _ := os.ReadFile(f)
			b[off] ^= 0x5a
			os.WriteFile(f, b, 0o600)
			out, code := run(copyDir, "check", "--read-data", "-i", team.Get("iryna").Path)
			tried++
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
				t.Errorf("%s at %d: a panic reached the user:\n%s", filepath.Base(target), off, out)
			}
			if code == 4 {
				caught++
			} else {
				t.Errorf("%s byte %d of %d flipped: check exited %d, want 4:\n%s", filepath.Base(target), off, fi.Size(), code, out)
			}
			os.RemoveAll(copyDir)
		}
	}
	t.Logf("tamper cases on disk: %d tried, %d caught", tried, caught)
}
