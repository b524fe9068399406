package vault

import (
	"testing"
	"time"
)

// BenchmarkRewrap10k rotates class testimony and moves the DEK wraps of
// 10,000 records to the new epoch: one full keys rewrap per iteration, in
// records per second. The records are sealed once, in one Seal call.
func BenchmarkRewrap10k(b *testing.B) {
	const n = 10000
	fx := newBenchFixture(b)
	v := fx.open(b, "", "olena")
	start := time.Now()
	if _, err := v.Seal(ctx, smallForms(b, n)); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d records in %v", n, time.Since(start).Round(time.Millisecond))
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("testimony", func(b *testing.B) {
		v := fx.open(b, "", "iryna")
		defer v.Close()
		var moving time.Duration
		for range b.N {
			if _, err := v.RotateKeys("testimony"); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			res, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"testimony"}})
			moving += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			if res[0].Moved != n {
				b.Fatalf("moved %d records, want %d", res[0].Moved, n)
			}
		}
		b.ReportMetric(float64(n*b.N)/moving.Seconds(), "records/s")
	})
}
