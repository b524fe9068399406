package vault

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
)

// BenchmarkScaleVault times, in process, what one `tvault show`, `policy
// show` or selective `list --where` does to an existing vault, such as the
// one scripts/bench.sh grows to a million records (issue 16): open the
// vault, act, audit the act, close. A CPU profile of it shows where those
// commands' time goes at that size, which scripts/rss cannot:
//
//	TVAULT_BENCH_VAULT=DIR TVAULT_BENCH_IDENTITY=FILE TVAULT_BENCH_ID=ID \
//	TVAULT_BENCH_WHERE=topics=case-000123 \
//	go test -run '^$' -bench ScaleVault -benchtime 20x -cpuprofile cpu.out ./vault/
//
// Every iteration appends an audit entry to the vault, as the commands do.
// With TVAULT_BENCH_FORMS=DIR and TVAULT_BENCH_SEALER=FILE it also seals
// DIR/*.toml in one call (new records: the vault grows). Skipped when
// TVAULT_BENCH_VAULT is not set.
func BenchmarkScaleVault(b *testing.B) {
	dir := os.Getenv("TVAULT_BENCH_VAULT")
	if dir == "" {
		b.Skip("TVAULT_BENCH_VAULT names no vault")
	}
	id, err := tcrypto.ReadIdentity(os.Getenv("TVAULT_BENCH_IDENTITY"), tcrypto.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	// each opens the vault, runs fn as the identity and closes the vault.
	each := func(b *testing.B, fn func(a *Actor) error) {
		for range b.N {
			v, err := Open(dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := fn(v.As(id)); err != nil {
				b.Fatal(err)
			}
			if err := v.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	}
	b.Run("open-close", func(b *testing.B) {
		each(b, func(*Actor) error { return nil })
	})
	b.Run("policy-show", func(b *testing.B) {
		each(b, func(a *Actor) error { _, _, err := a.ShowPolicy(); return err })
	})
	if rid := os.Getenv("TVAULT_BENCH_ID"); rid != "" {
		b.Run("show", func(b *testing.B) {
			each(b, func(a *Actor) error { _, err := a.Show(ctx, rid); return err })
		})
	}
	if forms := os.Getenv("TVAULT_BENCH_FORMS"); forms != "" {
		b.Run("seal", func(b *testing.B) { benchScaleSeal(b, dir, forms) })
	}
	if w := os.Getenv("TVAULT_BENCH_WHERE"); w != "" {
		field, value, _ := strings.Cut(w, "=")
		b.Run("list-where", func(b *testing.B) {
			each(b, func(a *Actor) error {
				_, err := a.List(ctx, ListFilter{Where: []Condition{{Field: field, Value: value}}})
				return err
			})
		})
	}
}

// benchScaleSeal seals every form of the folder forms (*.toml) in one Seal
// call per iteration, as TVAULT_BENCH_SEALER, into the vault in dir: bulk
// intake into a vault that is already large.
func benchScaleSeal(b *testing.B, dir, forms string) {
	sealer, err := tcrypto.ReadIdentity(os.Getenv("TVAULT_BENCH_SEALER"), tcrypto.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(forms, "*.toml"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no forms in %s (%v)", forms, err)
	}
	parsed := make([]*Form, len(paths))
	for i, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if parsed[i], err = ParseForm(filepath.Base(p), src, forms); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var sealing time.Duration
	for range b.N {
		v, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := v.As(sealer).Seal(ctx, parsed); err != nil {
			b.Fatal(err)
		}
		sealing += time.Since(t0)
		if err := v.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(parsed)*b.N)/sealing.Seconds(), "records/s")
}
