package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/testkit"
)

// TestCrashDuringSeal kills the real binary with SIGKILL at random moments
// of sealing a large form, and at the named failpoints, then checks that
// every acknowledged record opens byte for byte, that nothing half-sealed is
// visible, and that check passes (orphaned blobs are only a note).
func TestCrashDuringSeal(t *testing.T) {
	trials := 50
	if testing.Short() {
		trials = 12
	}
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(dir, "vault")
	// The failpoints exist only in a -tags tvaultdebug build.
	bin := newBuiltBinary(t, "tvaultdebug", vdir, team.PassFile)
	tv := bin.cmd
	key := func(name string) string { return team.Get(name).Path }
	if out, err := tv(nil, "init", "--policy", filepath.Join(dir, "policy.toml"), "-i", key("admin-kyiv")).CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}

	// A form with an attachment of a few MiB: several store chunks and
	// commits, so random kills land inside the seal.
	formDir := filepath.Join(dir, "form")
	os.MkdirAll(formDir, 0o700)
	att := make([]byte, 6<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range att {
		att[i] = byte(rng.Uint32())
	}
	os.WriteFile(filepath.Join(formDir, "interview.opus"), att, 0o600)
	os.WriteFile(filepath.Join(formDir, "form.toml"), []byte(`[public]
category = "pow"
[testimony]
summary = "crash test"
files = ["interview.opus"]
`), 0o600)
	want := sha256.Sum256(att)

	// Time one undisturbed seal, so that random kills spread over its span.
	start := time.Now()
	if out, err := tv(nil, "seal", "--no-progress", filepath.Join(formDir, "form.toml"), "-i", key("olena")).CombinedOutput(); err != nil {
		t.Fatalf("seal: %v\n%s", err, out)
	}
	span := time.Since(start)

	acked := map[string]bool{}
	killed, failpoints := 0, 0
	for i := range trials {
		var extra []string
		mode := "random"
		switch i % 5 {
		case 3:
			mode, extra = "seal-after-chunks", []string{"TVAULT_FAILPOINT=seal-after-chunks"}
		case 4:
			mode, extra = "seal-after-commit", []string{"TVAULT_FAILPOINT=seal-after-commit"}
		}
		c := tv(extra, "seal", "--no-progress", filepath.Join(formDir, "form.toml"), "-i", key("olena"))
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		killSent := false
		if mode == "random" {
			// Up to 1.5 spans: most kills land inside a seal, and about a
			// third of the seals finish, so acknowledged records exist to lose.
			time.Sleep(time.Duration(rng.Int64N(int64(span) * 3 / 2)))
			// SIGKILL, or on Windows TerminateProcess: no cleanup runs.
			killSent = c.Process.Kill() == nil
		}
		err := c.Wait()
		if err == nil {
			id := strings.TrimSpace(stdout.String())
			if len(id) != 20 {
				t.Fatalf("trial %d: seal succeeded but printed %q", i, stdout.String())
			}
			acked[id] = true
			continue
		}
		if killedOutright(c.ProcessState, killSent) {
			if mode == "random" {
				killed++
			} else {
				failpoints++
			}
			continue
		}
		t.Fatalf("trial %d (%s): seal failed without being killed: %v\n%s", i, mode, err, stderr.String())
	}
	t.Logf("%d trials: %d acknowledged, %d killed at random, %d stopped at failpoints", trials, len(acked), killed, failpoints)

	// Every visible record is complete, and every acknowledged one is visible.
	out, err := tv(nil, "list", "--json", "-i", key("mykola")).Output()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var recs []struct{ ID string }
	if err := json.Unmarshal(out, &recs); err != nil {
		t.Fatal(err)
	}
	visible := map[string]bool{}
	for _, r := range recs {
		visible[r.ID] = true
		c := tv(nil, "cat", r.ID, "testimony/interview.opus", "-i", key("mykola"))
		h := sha256.New()
		c.Stdout = h
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Run(); err != nil {
			t.Errorf("record %s is visible but does not open: %v: %s", r.ID, err, stderr.String())
			continue
		}
		if !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("record %s opens with the wrong content", r.ID)
		}
	}
	lost := 0
	for id := range acked {
		if !visible[id] {
			lost++
			t.Errorf("acknowledged record %s was lost", id)
		}
	}
	t.Logf("records visible: %d, acknowledged records lost: %d", len(visible), lost)

	check := func(args ...string) string {
		return bin.must(append([]string{"check", "-i", key("iryna")}, args...)...)
	}
	out1 := check("--read-data")
	t.Logf("check: %s", strings.TrimSpace(out1))
	check("--repair")
	if out := check(); !strings.Contains(out, "no orphaned blobs") {
		t.Errorf("after repair, check still reports orphans:\n%s", out)
	}
}
