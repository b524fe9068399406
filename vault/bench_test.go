package vault

// Inner-loop benchmarks of the engine (issue 3, Benchmarks; issue 6). The
// side-by-side comparison with the age CLI, process start and anonymous RSS
// of the real binary included, is scripts/bench.sh.
//
// Quick run:  go test -run '^$' -bench . -benchtime 1x ./vault/
//
// Each benchmark sets its fixture up once in the parent benchmark (whose
// function runs once when it has sub-benchmarks) and times a sub-benchmark,
// so that the 256 MiB file and the 10,000-record vault are built once per
// process whatever -benchtime is.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/testkit"
)

const bigSize = 256 << 20

// benchFixture is a vault with the example team and the identities to act as.
type benchFixture struct {
	dir  string
	team *testkit.Team
}

func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	dir := b.TempDir()
	team, err := testkit.NewTeam(filepath.Join(dir, "team"), 1)
	if err != nil {
		b.Fatal(err)
	}
	fx := &benchFixture{dir: dir, team: team}
	fx.initVault(b, filepath.Join(dir, "vault"))
	return fx
}

func (fx *benchFixture) initVault(b *testing.B, vdir string) {
	b.Helper()
	v, err := Init(vdir, fx.team.Get("admin-kyiv").Identity, fx.team.Policy, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
}

// open opens the vault in vdir (fx.dir/vault when empty) acting as member.
func (fx *benchFixture) open(b *testing.B, vdir, name string) *member {
	b.Helper()
	if vdir == "" {
		vdir = filepath.Join(fx.dir, "vault")
	}
	v, err := Open(vdir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return as(v, fx.team.Get(name).Identity)
}

// writeRandomFile writes size pseudo-random bytes (ChaCha8, fixed seed) to
// path in 1 MiB writes.
func writeRandomFile(b *testing.B, path string, size int64) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{'t', 'v', 'a', 'u', 'l', 't'})
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := int64(len(buf))
		if left < n {
			n = left
		}
		rng.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			b.Fatal(err)
		}
		left -= n
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// bigForm is a form with one attachment of bigSize pseudo-random bytes in
// the testimony class, parsed as the CLI would.
func bigForm(b *testing.B, dir string) *Form {
	b.Helper()
	writeRandomFile(b, filepath.Join(dir, "interview.opus"), bigSize)
	src := `[public]
category = "pow"
region = "Kharkiv oblast"
interviewed = "2024-05"

[testimony]
summary = "a long recorded interview"
files = ["interview.opus"]
`
	f, err := ParseForm("big.toml", []byte(src), dir)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

var categories = []string{"pow-family", "missing-family", "civilian", "civilian-family", "russian-pow"}

// smallForms returns n small forms without attachments (fields in both
// classes, about 600 bytes of TOML each). Every tenth has category "pow",
// so --where category=pow matches 10% of them.
func smallForms(b *testing.B, n int) []*Form {
	b.Helper()
	dir := b.TempDir()
	forms := make([]*Form, n)
	for i := range forms {
		cat := "pow"
		if i%10 != 0 {
			cat = categories[i%len(categories)]
		}
		src := fmt.Sprintf(`[public]
category = %q
region = "Region %d"
interviewed = "2024-%02d"
language = "uk"
topics = ["incommunicado", "topic-%d"]

[testimony]
summary = "Interview %d: held for %d months; describes the conditions of detention and the lack of medical care."
detention_site = "site %d"

[identity]
interviewee = "Інтерв'юйований %d"
relation = "mother"
contact = "+380 67 %07d"
`, cat, i%25, i%12+1, i%50, i, i%36, i%40, i, i)
		f, err := ParseForm("form-"+strconv.Itoa(i)+".toml", []byte(src), dir)
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = f
	}
	return forms
}

// memSampler samples the Go heap (runtime.ReadMemStats) and this process's
// anonymous RSS (/proc/self/status) every 10 ms while it runs. The process
// is the test binary, so RssAnon includes the harness; scripts/bench.sh
// measures the real tvault binary.
type memSampler struct {
	stop                     chan struct{}
	wg                       sync.WaitGroup
	heapInuse, heapSys, anon uint64
}

func startMemSampler() *memSampler {
	runtime.GC()
	debug.FreeOSMemory()
	s := &memSampler{stop: make(chan struct{})}
	s.sample()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *memSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.heapInuse = max(s.heapInuse, ms.HeapInuse)
	s.heapSys = max(s.heapSys, ms.HeapSys)
	s.anon = max(s.anon, rssAnon())
}

// report stops sampling and reports the peaks as metrics, in MiB.
func (s *memSampler) report(b *testing.B) {
	close(s.stop)
	s.wg.Wait()
	s.sample()
	b.ReportMetric(float64(s.heapInuse)/(1<<20), "peak-HeapInuse-MiB")
	b.ReportMetric(float64(s.heapSys)/(1<<20), "peak-HeapSys-MiB")
	if s.anon > 0 {
		b.ReportMetric(float64(s.anon)/(1<<20), "peak-RssAnon-MiB")
	}
}

// rssAnon returns this process's RssAnon in bytes, 0 if unknown.
func rssAnon() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkSeal256MiB seals one form with a 256 MiB attachment into a fresh
// vault per iteration (init and close outside the timer).
func BenchmarkSeal256MiB(b *testing.B) {
	fx := newBenchFixture(b)
	form := bigForm(b, b.TempDir())
	b.Run("seal", func(b *testing.B) {
		b.SetBytes(bigSize)
		b.StopTimer()
		var mem *memSampler
		for i := range b.N {
			vdir := filepath.Join(fx.dir, fmt.Sprintf("seal-%d", i))
			fx.initVault(b, vdir)
			v := fx.open(b, vdir, "olena")
			if i == 0 {
				mem = startMemSampler()
			}
			b.StartTimer()
			res, err := v.Seal(ctx, []*Form{form})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				mem.report(b)
			}
			if len(res) != 1 || res[0].Bytes != bigSize {
				b.Fatalf("sealed %+v", res)
			}
			if err := v.Close(); err != nil {
				b.Fatal(err)
			}
			os.RemoveAll(vdir)
		}
	})
}

// BenchmarkCat256MiB streams a 256 MiB attachment, sealed once, to
// io.Discard, acting as a legal member (who may decrypt testimony).
func BenchmarkCat256MiB(b *testing.B) {
	fx := newBenchFixture(b)
	form := bigForm(b, b.TempDir())
	v := fx.open(b, "", "olena")
	res, err := v.Seal(ctx, []*Form{form})
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
	id := res[0].ID
	b.Run("cat", func(b *testing.B) {
		v := fx.open(b, "", "iryna")
		defer v.Close()
		b.SetBytes(bigSize)
		mem := startMemSampler()
		b.ResetTimer()
		for range b.N {
			if err := v.Cat(ctx, id, "testimony", "interview.opus", io.Discard, CatOptions{Length: -1}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		mem.report(b)
	})
	b.Run("range-1MiB-at-end", func(b *testing.B) {
		v := fx.open(b, "", "iryna")
		defer v.Close()
		b.SetBytes(1 << 20)
		b.ResetTimer()
		for range b.N {
			if err := v.Cat(ctx, id, "testimony", "interview.opus", io.Discard, CatOptions{Offset: bigSize - 2<<20, Length: 1 << 20}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
}

// BenchmarkSealSmallForms seals 1,000 small forms in one Seal call.
func BenchmarkSealSmallForms(b *testing.B) {
	const n = 1000
	fx := newBenchFixture(b)
	forms := smallForms(b, n)
	b.Run("1000", func(b *testing.B) {
		v := fx.open(b, "", "olena")
		defer v.Close()
		b.ResetTimer()
		for range b.N {
			res, err := v.Seal(ctx, forms)
			if err != nil {
				b.Fatal(err)
			}
			if len(res) != n {
				b.Fatalf("sealed %d records, want %d", len(res), n)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// BenchmarkListWhere10k lists the ~10% of 10,000 records that match one
// --where condition. The records are sealed once, in one Seal call.
func BenchmarkListWhere10k(b *testing.B) {
	const n = 10000
	fx := newBenchFixture(b)
	forms := smallForms(b, n)
	v := fx.open(b, "", "olena")
	start := time.Now()
	if _, err := v.Seal(ctx, forms); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d records in %v (%.0f records/s)", n, time.Since(start).Round(time.Millisecond), n/time.Since(start).Seconds())
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("category=pow", func(b *testing.B) {
		v := fx.open(b, "", "mykola")
		defer v.Close()
		b.ResetTimer()
		for range b.N {
			ls, err := v.List(ctx, ListFilter{Where: []Condition{{Field: "category", Value: "pow"}}})
			if err != nil {
				b.Fatal(err)
			}
			if len(ls) != n/10 {
				b.Fatalf("listed %d records, want %d", len(ls), n/10)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
	// One record shown, and the whole vault checked (no --read-data):
	// what binding a header to its seal entry costs them.
	b.Run("show", func(b *testing.B) {
		v := fx.open(b, "", "mykola")
		defer v.Close()
		ls, err := v.List(ctx, ListFilter{Where: []Condition{{Field: "category", Value: "pow"}}})
		if err != nil || len(ls) == 0 {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := v.Show(ctx, ls[i%len(ls)].ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/op")
	})
	b.Run("check", func(b *testing.B) {
		v := fx.open(b, "", "mykola")
		defer v.Close()
		b.ResetTimer()
		for range b.N {
			if _, err := v.Check(ctx, CheckOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
	// Every record: what verifying each listed header costs.
	b.Run("all", func(b *testing.B) {
		v := fx.open(b, "", "mykola")
		defer v.Close()
		b.ResetTimer()
		for range b.N {
			ls, err := v.List(ctx, ListFilter{})
			if err != nil {
				b.Fatal(err)
			}
			if len(ls) != n {
				b.Fatalf("listed %d records, want %d", len(ls), n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
}
