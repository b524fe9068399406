//go:build linux

package vault

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkErase erases records from a vault of many (100,000, or
// $TVAULT_BENCH_ERASE_RECORDS) small two-class records, each with one
// small attachment: one record alone, then 1,000 in one run (as retention
// erases them). It reports the records erased per second and the window
// during which the vault folder still held a recoverable byte of them: from
// the first erase commit to the end of the scrub (measured at the
// erase-after-commit failpoint). The vault is built once, through the bulk
// seal path.
//
//	TVAULT_BENCH_ERASE_RECORDS=10000 go test -run '^$' -bench Erase -benchtime 1x ./vault/
func BenchmarkErase(b *testing.B) {
	n := 100_000
	if s := os.Getenv("TVAULT_BENCH_ERASE_RECORDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	fx := newBenchFixture(b)
	vdir := filepath.Join(fx.dir, "vault")
	v := fx.open(b, "", "olena")
	start := time.Now()
	var ids []string
	for len(ids) < n {
		forms := attachedForms(b, min(10_000, n-len(ids)), len(ids))
		res, err := v.Seal(ctx, forms)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			ids = append(ids, r.ID)
		}
	}
	b.Logf("built %d records in %v; the vault folder holds %d MB", n, time.Since(start).Round(time.Second), dirBytes(b, vdir)>>20)
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
	// Spread the erased records over the whole vault, as retention would.
	pick := func(k, offset int) []EraseTarget {
		out := make([]EraseTarget, k)
		for i := range out {
			out[i] = EraseTarget{ID: ids[(i*(n/k)+offset)%n]}
		}
		return out
	}
	for j, k := range []int{1, 1000} {
		b.Run(strconv.Itoa(k), func(b *testing.B) {
			for i := range b.N {
				var committed time.Time
				vv, err := Open(vdir, Options{Failpoint: func(name string) {
					if name == "erase-after-commit" {
						committed = time.Now()
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				a := as(vv, fx.team.Get("iryna").Identity)
				before := dirBytes(b, vdir)
				b.StartTimer()
				t0 := time.Now()
				done, err := a.eraseAll(ctx, pick(k, 3*j+7*i+1), func(EraseTarget) string { return "reason: benchmark" })
				total := time.Since(t0)
				b.StopTimer()
				if err != nil || len(done) != k {
					b.Fatalf("erased %d of %d: %v", len(done), k, err)
				}
				if err := vv.Close(); err != nil {
					b.Fatal(err)
				}
				scrub := time.Since(committed) - (time.Since(t0) - total)
				b.ReportMetric(float64(k)/total.Seconds(), "records/s")
				b.ReportMetric(total.Seconds(), "s/run")
				b.ReportMetric(scrub.Seconds(), "s-scrub")
				b.ReportMetric(float64(dirBytes(b, vdir)-before)/(1<<20), "MB-change")
			}
		})
	}
}

// attachedForms is smallForms with one small attachment in the testimony
// class of each (a 2 KB transcript): the records an erase removes have
// blobs. first numbers the forms.
func attachedForms(b *testing.B, n, first int) []*Form {
	b.Helper()
	dir := b.TempDir()
	note := make([]byte, 2048)
	for i := range note {
		note[i] = byte('a' + i%26)
	}
	if err := os.WriteFile(filepath.Join(dir, "transcript.txt"), note, 0o600); err != nil {
		b.Fatal(err)
	}
	forms := make([]*Form, n)
	for i := range forms {
		src := "[public]\ncategory = \"pow\"\nregion = \"Region " + strconv.Itoa(first+i) + "\"\n\n" +
			"[testimony]\nsummary = \"interview " + strconv.Itoa(first+i) + "\"\nfiles = [\"transcript.txt\"]\n\n" +
			"[identity]\ninterviewee = \"someone " + strconv.Itoa(first+i) + "\"\n"
		g, err := ParseForm("form-"+strconv.Itoa(first+i)+".toml", []byte(src), dir)
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = g
	}
	return forms
}

// dirBytes returns the bytes the files below dir take on disk (their
// allocated blocks: Badger's files are sparse).
func dirBytes(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Sys().(*syscall.Stat_t).Blocks * 512
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
