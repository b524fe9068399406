package vault

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkSealAttachedForms seals 1,000 forms in one Seal call, as a
// researcher back from a week of interviews would: two classes, and one to
// three attachments of 2 KB, 200 KB and 2 MB (a transcript, a scanned
// page, a short clip) in turn. Issue 16 measures intake on these.
//
//	go test -run '^$' -bench SealAttachedForms -benchtime 1x ./vault/
func BenchmarkSealAttachedForms(b *testing.B) {
	fx := newBenchFixture(b)
	dir := b.TempDir()
	sizes := []int{2 << 10, 200 << 10, 2 << 20}
	for i, n := range sizes {
		writeRandomFile(b, filepath.Join(dir, fmt.Sprintf("a%d.bin", i)), int64(n))
	}
	const n = 1000
	forms := make([]*Form, n)
	for i := range forms {
		k := i%3 + 1
		files := `"a0.bin"`
		if k >= 2 {
			files += `, "a1.bin"`
		}
		src := fmt.Sprintf("[public]\ncategory = \"pow\"\nregion = \"R%d\"\n\n[testimony]\nsummary = \"s %d\"\nfiles = [%s]\n\n[identity]\ninterviewee = \"p %d\"\n", i, i, files, i)
		if k == 3 {
			src += "files = [\"a2.bin\"]\n"
		}
		f, err := ParseForm(fmt.Sprintf("f%d.toml", i), []byte(src), dir)
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = f
	}
	v := fx.open(b, "", "olena")
	defer v.Close()
	b.ResetTimer()
	t0 := time.Now()
	if _, err := v.Seal(ctx, forms); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "records/s")
}
