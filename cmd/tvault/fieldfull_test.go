//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// TestFieldVaultOnSmallDrive makes a field vault on a 256 MiB tmpfs (a USB
// stick) and seals forms with an 8 MiB recording each until the drive is
// nearly full: every seal before is acknowledged, the one that does not
// fit is refused cleanly, and every acknowledged record survives: the
// field vault checks, and a bundle of it imports whole into the vault,
// where each record opens. It mounts the tmpfs itself (root, as CI).
func TestFieldVaultOnSmallDrive(t *testing.T) {
	mnt := testkit.Tmpfs(t, 256<<20)
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	key := func(name string) string { return team.Get(name).Path }
	// Without -race even under it: this test is about volume, and a race
	// build takes minutes to fill the disk.
	home := newBuiltBinary(t, norace, filepath.Join(dir, "vault"), team.PassFile)
	home.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", key("admin-kyiv"))
	kit := filepath.Join(dir, "kit.tvk")
	home.must("kit", "export", "-o", kit, "-i", key("admin-kyiv"))
	field := newBuiltBinary(t, norace, filepath.Join(mnt, "field"), team.PassFile)
	field.must("init", "--kit", kit, "--name", "olena", "-i", key("olena"))

	rng := rand.New(rand.NewPCG(5, 6))
	clip := make([]byte, 8<<20)
	var acked []string
	refused := ""
	for i := 0; i < 40 && refused == ""; i++ {
		fdir := filepath.Join(dir, "forms", fmt.Sprint(i))
		os.MkdirAll(fdir, 0o700)
		for j := range clip {
			clip[j] = byte(rng.Uint32())
		}
		os.WriteFile(filepath.Join(fdir, "clip.opus"), clip, 0o600)
		os.WriteFile(filepath.Join(fdir, "form.toml"), []byte(fmt.Sprintf(
			"[public]\ncategory = \"pow\"\n[testimony]\nsummary = \"interview %d\"\nfiles = [\"clip.opus\"]\n", i)), 0o600)
		out, errs, code := field.run("seal", "--no-progress", filepath.Join(fdir, "form.toml"), "-i", key("olena"))
		switch {
		case code == 0:
			acked = append(acked, strings.TrimSpace(out))
		case strings.Contains(errs, "not enough free disk space"):
			refused = errs
		default:
			t.Fatalf("seal %d failed otherwise (exit %d): %s", i, code, errs)
		}
	}
	if refused == "" {
		t.Fatal("40 seals of 8 MiB fit on a 256 MiB drive: the test no longer fills it")
	}
	if len(acked) < 15 {
		t.Fatalf("only %d records of 8 MiB sealed on a 256 MiB drive before it was full", len(acked))
	}
	t.Logf("%d records sealed, then: %s", len(acked), strings.TrimSpace(refused))
	field.must("check", "-i", key("olena"))
	bundle := filepath.Join(dir, "b.tvb")
	field.must("bundle", "export", "-o", bundle, "-i", key("olena"))
	if out := home.must("bundle", "import", bundle, "-i", key("mykola")); !strings.Contains(out, fmt.Sprintf("imported %d records", len(acked))) {
		t.Fatalf("import: %s", out)
	}
	for _, i := range []int{0, len(acked) - 1} {
		out := home.must("show", acked[i], "-i", key("mykola"))
		if !strings.Contains(out, "signature  valid") {
			t.Errorf("record %s: %s", acked[i], out)
		}
	}
	home.must("check", "--read-data", "-i", key("iryna"))
}
