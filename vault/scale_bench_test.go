package vault

import (
	"os"
	"strings"
	"testing"

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
// Skipped when TVAULT_BENCH_VAULT is not set.
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
