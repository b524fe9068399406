//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// TestFullDisk seals on a small tmpfs: a seal larger than the free space is
// refused before touching the store, with a message that says so; the vault
// stays intact and earlier records open. It mounts the tmpfs itself, so it
// runs only on Linux (the build tag) and as root (as CI does), and skips
// otherwise.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	mnt := testkit.Tmpfs(t, 800<<20)

	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(mnt, "vault")
	tv := newBinary(t, vdir, team.PassFile).run
	if _, e, code := tv("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", team.Get("admin-kyiv").Path); code != 0 {
		t.Fatalf("init: %s", e)
	}
	small, err := testkit.WriteForm(filepath.Join(dir, "small-form"), "FULLDISK")
	if err != nil {
		t.Fatal(err)
	}
	out, e, code := tv("seal", small, "-i", team.Get("olena").Path)
	if code != 0 {
		t.Fatalf("seal of a small form: %s", e)
	}
	first := strings.TrimSpace(out)

	// An attachment larger than what is left (it lives on the big disk).
	bigDir := filepath.Join(dir, "big")
	os.MkdirAll(bigDir, 0o700)
	f, _ := os.Create(filepath.Join(bigDir, "video.mp4"))
	f.Truncate(400 << 20)
	f.Close()
	os.WriteFile(filepath.Join(bigDir, "form.toml"), []byte("[public]\ncategory = \"pow\"\n[testimony]\nfiles = [\"video.mp4\"]\n"), 0o600)
	var before syscall.Statfs_t
	syscall.Statfs(mnt, &before)
	_, e, code = tv("seal", "--no-progress", filepath.Join(bigDir, "form.toml"), "-i", team.Get("olena").Path)
	if code == 0 {
		t.Fatal("a seal larger than the free space succeeded")
	}
	if !strings.Contains(e, "not enough free disk space") || !strings.Contains(e, "nothing was written") {
		t.Errorf("unclear refusal: %q", e)
	}
	var after syscall.Statfs_t
	syscall.Statfs(mnt, &after)
	if used := int64(before.Bfree-after.Bfree) * int64(after.Bsize); used > 1<<20 {
		t.Errorf("the refused seal used %d bytes of the disk", used)
	}

	// The vault is intact and the earlier record opens.
	if o, e, code := tv("check", "--read-data", "-i", team.Get("iryna").Path); code != 0 {
		t.Fatalf("check after the refusal: %s%s", o, e)
	}
	o, e, code := tv("cat", first, "identity/transcript-full.txt", "-i", team.Get("iryna").Path)
	if code != 0 || !strings.Contains(o, "FULLDISK-identity") {
		t.Fatalf("earlier record does not open: %d %s", code, e)
	}
}
