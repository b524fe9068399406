package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/testkit"
)

// TestCrashDuringRewrap kills keys rewrap with SIGKILL at random moments,
// over many trials, each after a new rotation, so that records are spread
// over several old epochs when the next run starts. After every kill each
// record is on exactly one epoch (the counts add up); a last run completes
// the move; then every record opens, the text byte for byte, and check
// --read-data passes.
func TestCrashDuringRewrap(t *testing.T) {
	trials, records := 12, 400
	if testing.Short() {
		trials, records = 6, 200
	}
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	bin := newBuiltBinary(t, "", filepath.Join(dir, "vault"), team.PassFile)
	key := func(name string) string { return team.Get(name).Path }
	bin.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", key("admin-kyiv"))
	forms := writeSmallForms(t, filepath.Join(dir, "forms"), records)
	ids := strings.Fields(bin.must(append(append([]string{"seal", "--no-progress"}, forms...), "-i", key("olena"))...))
	if len(ids) != records {
		t.Fatalf("sealed %d records, want %d", len(ids), records)
	}

	// One undisturbed rewrap, to spread the kills over its span.
	bin.must("keys", "rotate", "--class", "testimony", "-i", key("iryna"))
	start := time.Now()
	bin.must("keys", "rewrap", "--class", "testimony", "-i", key("iryna"))
	span := time.Since(start)

	rng := rand.New(rand.NewPCG(3, 4))
	killed := 0
	for i := range trials {
		bin.must("keys", "rotate", "--class", "testimony", "-i", key("iryna"))
		c := bin.cmd(nil, "keys", "rewrap", "--class", "testimony", "--no-progress", "-i", key("iryna"))
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		killSent := c.Process.Kill() == nil
		if err := c.Wait(); err != nil {
			if !killedOutright(c.ProcessState, killSent) {
				t.Fatalf("trial %d: rewrap failed without being killed: %v\n%s", i, err, stderr.String())
			}
			killed++
		}
		if n := epochTotal(t, bin, key("mykola")); n != records {
			t.Fatalf("trial %d: the epochs of class testimony hold %d records, want %d", i, n, records)
		}
	}
	t.Logf("%d trials, %d killed inside the rewrap (an undisturbed one took %v)", trials, killed, span)

	bin.must("keys", "rewrap", "--class", "testimony", "-i", key("iryna"))
	st := keyStatus(t, bin, key("mykola"))
	last := st.Epochs[len(st.Epochs)-1]
	if last.Epoch != st.Current || last.Records != records {
		t.Fatalf("after the last run: epochs %+v, current %d", st.Epochs, st.Current)
	}
	for _, i := range []int{0, records / 2, records - 1} {
		out := filepath.Join(dir, "open", fmt.Sprint(i))
		bin.must("open", ids[i], "--class", "testimony", "-o", out, "-i", key("mykola"))
		b, err := os.ReadFile(filepath.Join(out, "testimony", "fields.json"))
		if err != nil || !strings.Contains(string(b), fmt.Sprintf(`"form %d"`, i)) {
			t.Errorf("record %d opens as %q (%v)", i, b, err)
		}
	}
	bin.must("check", "--read-data", "-i", key("mykola"))
}

// writeSmallForms writes n forms without attachments and returns their paths.
func writeSmallForms(t *testing.T, dir string, n int) []string {
	t.Helper()
	var paths []string
	for i := range n {
		d := filepath.Join(dir, fmt.Sprint(i))
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, "form.toml")
		form := fmt.Sprintf("[public]\ncategory = \"pow\"\n[testimony]\nsummary = \"form %d\"\n[identity]\ninterviewee = \"person %d\"\n", i, i)
		if err := os.WriteFile(p, []byte(form), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

type classStatus struct {
	Class   string `json:"class"`
	Current int    `json:"current_epoch"`
	Epochs  []struct {
		Epoch   int `json:"epoch"`
		Records int `json:"records"`
	} `json:"epochs"`
}

// keyStatus returns keys status of class testimony.
func keyStatus(t *testing.T, bin *binary, key string) classStatus {
	t.Helper()
	var st struct{ Classes []classStatus }
	if err := json.Unmarshal([]byte(bin.must("keys", "status", "--json", "-i", key)), &st); err != nil {
		t.Fatal(err)
	}
	for _, c := range st.Classes {
		if c.Class == "testimony" {
			return c
		}
	}
	t.Fatal("keys status has no class testimony")
	return classStatus{}
}

func epochTotal(t *testing.T, bin *binary, key string) int {
	n := 0
	for _, e := range keyStatus(t, bin, key).Epochs {
		n += e.Records
	}
	return n
}
