//go:build linux

package vault

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/testkit"
)

// BenchmarkRetention runs retention over a vault of many (10,000, or
// $TVAULT_BENCH_RETENTION_RECORDS) small two-class records with one small
// attachment each, 1,000 of them sealed long enough ago that every class
// is past its retention: first a dry run (which lists and verifies every
// record, as list does, and plans), then the run that erases the 1,000
// (planning, now from the member's list cache the dry run filled, 1,000
// erase transactions, one scrub). It reports the records erased per
// second and the seconds of each. The run erases only once, so:
//
//	go test -run '^$' -bench Retention -benchtime 1x ./vault/
//	TVAULT_BENCH_RETENTION_RECORDS=100000 go test -run '^$' -bench Retention -benchtime 1x -timeout 1h ./vault/
func BenchmarkRetention(b *testing.B) {
	n, expired := 10_000, 1000
	if s := os.Getenv("TVAULT_BENCH_RETENTION_RECORDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	team, err := testkit.NewTeam(filepath.Join(dir, "team"), 1)
	if err != nil {
		b.Fatal(err)
	}
	pol := strings.Replace(string(team.Policy), identityDescription, identityDescription+"retention = \"10y\"\n", 1)
	pol = strings.Replace(pol, testimonyDescription, testimonyDescription+"retention = \"10y\"\n", 1)
	vdir := filepath.Join(dir, "vault")
	clock := time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC)
	opts := Options{Now: func() time.Time { return clock }}
	v, err := Init(vdir, team.Get("admin-kyiv").Identity, []byte(pol), opts)
	if err != nil {
		b.Fatal(err)
	}
	olena := as(v, team.Get("olena").Identity)
	start := time.Now()
	for sealed := 0; sealed < n; {
		k := min(10_000, n-sealed)
		if sealed < expired {
			k = min(k, expired-sealed)
		} else {
			clock = time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC) // within retention in 2026
		}
		if _, err := olena.Seal(ctx, attachedForms(b, k, sealed)); err != nil {
			b.Fatal(err)
		}
		sealed += k
	}
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d records (%d expired) in %v; the vault folder holds %d MB", n, expired, time.Since(start).Round(time.Second), dirBytes(b, vdir)>>20)
	clock = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	done := false
	for _, dry := range []bool{true, false} {
		b.Run(map[bool]string{true: "dry-run", false: "run"}[dry], func(b *testing.B) {
			for range b.N {
				if !dry && done {
					b.Fatal("the run erases once: use -benchtime 1x")
				}
				vv, err := Open(vdir, opts)
				if err != nil {
					b.Fatal(err)
				}
				a := as(vv, team.Get("iryna").Identity)
				b.StartTimer()
				t0 := time.Now()
				rep, err := a.RunRetention(ctx, dry)
				took := time.Since(t0)
				b.StopTimer()
				if err != nil || len(rep.Items) != expired {
					b.Fatalf("retention: %d items, want %d: %v", len(rep.Items), expired, err)
				}
				if err := vv.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(took.Seconds(), "s/run")
				if !dry {
					done = true
					b.ReportMetric(float64(expired)/took.Seconds(), "records/s")
				}
			}
		})
	}
}
