package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// TestRunInterrupted: a command whose context is cancelled before it starts
// stops with the interruption's exit code and message, proving that the
// context given to run reaches the command through c.Context.
func TestRunInterrupted(t *testing.T) {
	dir, vdir, team, b := newTeamVault(t)
	form, _ := testkit.WriteForm(filepath.Join(dir, "f"), "RUNCTX")
	id := strings.TrimSpace(b.must("seal", form, "-i", team.Get("olena").Path))
	t.Setenv("TVAULT_PASSPHRASE_FILE", team.PassFile)
	// cat -o looks at ctx (through safefile) before it decrypts a byte.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"tvault", "--vault", vdir, "cat", id, "testimony/interview.opus", "-o", filepath.Join(dir, "out"), "-i", team.Get("mykola").Path}, nil, &stdout, &stderr)
	if code != 130 || !strings.Contains(stderr.String(), "tvault: error: interrupted before the command finished") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if _, err := os.Lstat(filepath.Join(dir, "out")); err == nil {
		t.Error("the interrupted cat -o left its file")
	}
}

// TestCatOutputDamagedBlob: cat -o of an attachment whose ciphertext was
// changed on disk fails with exit 4 and leaves no file and no temporary file,
// although most chunks had been written before the damage was found.
func TestCatOutputDamagedBlob(t *testing.T) {
	dir, vdir, team, b := newTeamVault(t)
	form, _ := testkit.WriteForm(filepath.Join(dir, "f"), "CATDAMAGE")
	big := bytes.Repeat([]byte("CATDAMAGE-audio "), 4<<20/16)
	os.WriteFile(filepath.Join(dir, "f", "interview.opus"), big, 0o600)
	id := strings.TrimSpace(b.must("seal", "--no-progress", form, "-i", team.Get("olena").Path))
	blobs, _ := filepath.Glob(filepath.Join(vdir, "db", "blobs", "*", "*"))
	if len(blobs) != 1 {
		t.Fatalf("%d blob files, want 1: %v", len(blobs), blobs)
	}
	f, err := os.OpenFile(blobs[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	// Near the end: the damaged chunk comes after most of the plaintext.
	one := make([]byte, 1)
	f.ReadAt(one, fi.Size()-100)
	one[0] ^= 0x20
	f.WriteAt(one, fi.Size()-100)
	f.Close()

	out := filepath.Join(dir, "dl", "interview.opus")
	os.Mkdir(filepath.Dir(out), 0o700)
	_, errs, code := b.run("cat", id, "testimony/interview.opus", "-o", out, "-i", team.Get("mykola").Path)
	if code != 4 {
		t.Errorf("cat -o of a damaged blob exited %d, want 4:\n%s", code, errs)
	}
	if names, _ := os.ReadDir(filepath.Dir(out)); len(names) != 0 {
		t.Errorf("the failed cat -o left %v", names)
	}
}

// newTeamVault makes the example team in a new folder and a vault in its
// vault/ folder, initialised by admin-kyiv through the real binary.
func newTeamVault(t *testing.T) (dir, vdir string, team *testkit.Team, b *binary) {
	t.Helper()
	dir = t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir = filepath.Join(dir, "vault")
	b = newBinary(t, vdir, team.PassFile)
	b.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", team.Get("admin-kyiv").Path)
	return dir, vdir, team, b
}
