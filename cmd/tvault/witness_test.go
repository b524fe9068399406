package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/mod/sumdb/note"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/internal/testkit/litewitness"
)

// TestWitnessLitewitness has tvault obtain two cosignatures from a real
// C2SP tlog-witness (litewitness) across new entries, checks that an
// export carries them and verifies with --witness, and that a vault
// restored from an older copy cannot obtain a third.
func TestWitnessLitewitness(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("litewitness keeps its key in an ssh-agent on a Unix socket")
	}
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(dir, "vault")
	b := newBinary(t, vdir, team.PassFile)
	id := func(name string) string { return team.Get(name).Path }
	b.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", id("admin-kyiv"))
	form, err := testkit.WriteForm(filepath.Join(dir, "f"), "WITNESS")
	if err != nil {
		t.Fatal(err)
	}
	// The witness learns the log from --setup: its origin and every current
	// member's key, each as note.NewEd25519VerifierKey makes it.
	var setup struct {
		Origin string   `json:"origin"`
		Keys   []string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(b.must("audit", "witness", "--setup", "--json", "-i", id("iryna"))), &setup); err != nil {
		t.Fatal(err)
	}
	cp := b.must("audit", "checkpoint", "-i", id("iryna"))
	if origin, _, _ := strings.Cut(cp, "\n"); setup.Origin != origin {
		t.Errorf("--setup origin %q, the checkpoint's %q", setup.Origin, origin)
	}
	var vkeys []string
	for _, m := range team.Members {
		k, err := note.NewEd25519VerifierKey(m.Name, m.Identity.SigningPublicKey())
		if err != nil {
			t.Fatal(err)
		}
		vkeys = append(vkeys, k)
	}
	if strings.Join(setup.Keys, " ") != strings.Join(vkeys, " ") {
		t.Errorf("--setup keys %q, want %q", setup.Keys, vkeys)
	}
	w := litewitness.Start(t, "witness.test/lw", setup.Origin, setup.Keys)
	witness := func(who string) (res struct{ TreeSize, OldSize int64 }, code int, stderr string) {
		out, errs, code := b.run("audit", "witness", "--url", w.URL, "--key", w.VKey, "--json", "-i", id(who))
		if code == 0 {
			var j struct {
				TreeSize int64  `json:"tree_size"`
				OldSize  int64  `json:"old_size"`
				Cosigned string `json:"cosigned"`
			}
			if err := json.Unmarshal([]byte(out), &j); err != nil {
				t.Fatalf("audit witness --json: %v\n%s", err, out)
			}
			if !strings.Contains(j.Cosigned, "\n— witness.test/lw ") {
				t.Errorf("kept checkpoint has no cosignature line:\n%s", j.Cosigned)
			}
			res.TreeSize, res.OldSize = j.TreeSize, j.OldSize
		}
		return res, code, errs
	}

	first, code, errs := witness("iryna")
	if code != 0 {
		t.Fatalf("first cosignature: exit %d: %s", code, errs)
	}
	if first.OldSize != 0 {
		t.Errorf("first cosignature: old size %d, want 0", first.OldSize)
	}
	copyVault(t, vdir, vdir+"-old")
	b.must("seal", form, "-i", id("olena"))
	b.must("seal", form, "-i", id("olena"))
	second, code, errs := witness("taras")
	if code != 0 {
		t.Fatalf("second cosignature: exit %d: %s", code, errs)
	}
	if second.OldSize != first.TreeSize || second.TreeSize != first.TreeSize+3 {
		t.Errorf("second cosignature: sizes %d from %d, want %d from %d", second.TreeSize, second.OldSize, first.TreeSize+3, first.TreeSize)
	}

	// The vault's own log, and an export, verify with the witness's key.
	out := b.must("audit", "verify", "--witness", w.VKey, "-i", id("iryna"))
	if !strings.Contains(out, "cosigned by witness witness.test/lw") {
		t.Errorf("audit verify --witness: %s", out)
	}
	exp := filepath.Join(dir, "export.jsonl")
	b.must("audit", "export", "-o", exp, "-i", id("taras"))
	out = b.must("audit", "verify", exp, "--witness", w.VKey)
	if !strings.Contains(out, "cosigned by witness witness.test/lw at tree size") {
		t.Errorf("audit verify FILE --witness: %s", out)
	}
	unknown := testWitnessKey(t, "unknown.example", 5)
	for _, args := range [][]string{
		{"audit", "verify", exp, "--witness", unknown},
		{"audit", "verify", exp, "--witness", w.VKey, "--witness", unknown},
		{"audit", "verify", "--witness", unknown, "-i", id("iryna")},
	} {
		if _, errs, code := b.run(args...); code != 4 || !strings.Contains(errs, "unknown.example") {
			t.Errorf("tvault %v: exit %d, want 4 naming the witness:\n%s", args, code, errs)
		}
	}
	if _, errs, code := b.run("audit", "verify", exp, "--witness", w.VKey, "--witness", unknown, "--quorum", "1"); code != 0 {
		t.Errorf("quorum 1 of 2: exit %d: %s", code, errs)
	}

	// Restore the copy made after the first cosignature and add a
	// different entry: the witness has seen the other history.
	if err := os.RemoveAll(vdir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(vdir+"-old", vdir); err != nil {
		t.Fatal(err)
	}
	b.must("seal", form, "-i", id("olena"))
	// Smaller than what the witness saw (it answers 409 with a larger size) …
	if _, code, errs := witness("iryna"); code != 4 || !strings.Contains(errs, "the witness has seen a different history") {
		t.Fatalf("rolled-back vault, smaller: exit %d, want 4:\n%s", code, errs)
	} else {
		t.Logf("rolled-back vault, smaller:\n%s", errs)
	}
	// … and larger, from a different history (it refuses the proof, 422).
	b.must("seal", form, "-i", id("olena"))
	b.must("seal", form, "-i", id("olena"))
	if _, code, errs := witness("iryna"); code != 4 || !strings.Contains(errs, "the witness has seen a different history") {
		t.Fatalf("rolled-back vault, larger: exit %d, want 4:\n%s", code, errs)
	} else {
		t.Logf("rolled-back vault, larger:\n%s", errs)
	}
	// It keeps only the first cosignature.
	out = b.must("audit", "verify", "--witness", w.VKey, "-i", id("iryna"))
	if want := "cosigned by witness witness.test/lw at tree size " + itoa(first.TreeSize); !strings.Contains(out, want) {
		t.Errorf("rolled-back vault: %s; want %q", out, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// copyVault copies a closed vault folder, as a user restoring a backup would.
func copyVault(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v: %s", err, out)
	}
}

// testWitnessKey is the vkey of a test witness key from a fixed seed.
func testWitnessKey(t testing.TB, name string, seed byte) string {
	s, err := testCosigner(name, seed)
	if err != nil {
		t.Fatal(err)
	}
	return s.Verifier().String()
}

func testCosigner(name string, seed byte) (*torchwood.CosignatureSigner, error) {
	return torchwood.NewCosignatureSigner(name, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)))
}

// cmdFakewitness, "fakewitness MODE", starts a witness in the test process
// for the rest of the script and sets WITNESS_URL and WITNESS_KEY. It keeps
// no state: in mode "good" it cosigns every checkpoint; the other modes
// misbehave: "slow" never answers, "huge" answers 100 KiB, "garbage"
// answers HTML, "forged" a cosignature line that does not verify, "refuse"
// 403, "fork" 422, "ahead" 409 with a size larger than any test log's.
func cmdFakewitness(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakewitness MODE")
	}
	s, err := testCosigner("fake.example/w", 7)
	ts.Check(err)
	mode := args[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_, msg, _ := bytes.Cut(body, []byte("\n\n"))
		text, _, _ := bytes.Cut(msg, []byte("\n\n"))
		switch mode {
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
		case "huge":
			w.Write(bytes.Repeat([]byte("— fake.example/w AAAA\n"), 100<<10/22))
		case "garbage":
			io.WriteString(w, "<html><body>Welcome</body></html>\n")
		case "refuse":
			http.Error(w, "unknown log", http.StatusForbidden)
		case "fork":
			http.Error(w, "bad consistency proof", http.StatusUnprocessableEntity)
		case "ahead":
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, "1000000\n")
		case "good", "forged":
			signed, err := note.Sign(&note.Note{Text: string(text) + "\n"}, s)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			sig := signed[len(text)+2:]
			if mode == "forged" {
				sig = forge(sig)
			}
			w.Write(sig)
		default:
			http.Error(w, "unknown mode", http.StatusInternalServerError)
		}
	}))
	ts.Defer(srv.Close)
	ts.Setenv("WITNESS_URL", srv.URL)
	ts.Setenv("WITNESS_KEY", s.Verifier().String())
}

// cmdWitnesskey, "witnesskey VAR NAME", sets VAR to the vkey of a test
// witness called NAME that never cosigned anything.
func cmdWitnesskey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: witnesskey VAR NAME")
	}
	s, err := testCosigner(args[1], 8)
	ts.Check(err)
	ts.Setenv(args[0], s.Verifier().String())
}

// forge flips the last byte of the signature in a signature line, which
// keeps its name and key hash.
func forge(line []byte) []byte {
	i := bytes.LastIndexByte(line, ' ')
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(line[i+1:])))
	if err != nil || len(sig) == 0 {
		return line
	}
	sig[len(sig)-1] ^= 1
	return append(append(line[:i+1:i+1], base64.StdEncoding.EncodeToString(sig)...), '\n')
}
