package vault

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
)

// BenchmarkBundle256MiB exports a bundle holding a 256 MiB recording from
// a field vault and imports it into a fresh vault, against age.Encrypt and
// age.Decrypt of the same bytes to a hybrid (post-quantum) recipient, in
// alternating runs of one iteration each: the ratios are what to read
// (export-x-age, import-x-age). The import reads the bundle twice (verify,
// then write). scripts/bench.sh measures the real binary against the age
// CLI; this is the inner loop.
func BenchmarkBundle256MiB(b *testing.B) {
	fx := newBenchFixture(b)
	form := bigForm(b, b.TempDir())
	plain := filepath.Join(form.Dir, "interview.opus")
	idn, err := age.GenerateHybridIdentity()
	if err != nil {
		b.Fatal(err)
	}
	var exp, imp, ageEnc, ageDec time.Duration
	b.SetBytes(bigSize)
	for i := range b.N {
		vdir, fdir := fx.fieldWithRecord(b, i, form)
		bundle := filepath.Join(fx.dir, fmt.Sprintf("b%d.tvb", i))
		exp += timed(b, func() error {
			v, err := Open(fdir, Options{})
			if err != nil {
				return err
			}
			defer v.Close()
			out, err := os.Create(bundle)
			if err != nil {
				return err
			}
			defer out.Close()
			if _, err := as(v, fx.team.Get("olena").Identity).ExportBundle(ctx, out, time.Time{}); err != nil {
				return err
			}
			return out.Sync()
		})
		encrypted := filepath.Join(fx.dir, fmt.Sprintf("a%d.age", i))
		ageEnc += timed(b, func() error {
			return ageFile(plain, encrypted, func(w io.Writer) (io.WriteCloser, error) { return age.Encrypt(w, idn.Recipient()) })
		})
		var mem *memSampler
		if i == 0 {
			mem = startMemSampler()
		}
		imp += timed(b, func() error {
			v := fx.open(b, vdir, "mykola")
			defer v.Close()
			rep, err := v.ImportBundle(ctx, func() (io.ReadCloser, error) { return os.Open(bundle) })
			if err == nil && rep.Imported != 1 {
				err = fmt.Errorf("imported %d records", rep.Imported)
			}
			return err
		})
		if mem != nil {
			mem.report(b) // the import's peak, with the harness's own memory
		}
		ageDec += timed(b, func() error { return ageDecryptFile(encrypted, idn) })
		for _, p := range []string{bundle, encrypted, encrypted + ".out", vdir, fdir} {
			os.RemoveAll(p)
		}
	}
	b.ReportMetric(exp.Seconds()/ageEnc.Seconds(), "export-x-age")
	b.ReportMetric(imp.Seconds()/ageDec.Seconds(), "import-x-age")
}

// fieldWithRecord makes vault i, a kit of it, a field vault from the kit
// and seals form there, and returns the two folders.
func (fx *benchFixture) fieldWithRecord(b *testing.B, i int, form *Form) (vdir, fdir string) {
	b.Helper()
	vdir, fdir = filepath.Join(fx.dir, fmt.Sprintf("vault-%d", i)), filepath.Join(fx.dir, fmt.Sprintf("field-%d", i))
	fx.initVault(b, vdir)
	v := fx.open(b, vdir, "admin-kyiv")
	kit, err := v.ExportKit()
	v.Close()
	if err != nil {
		b.Fatal(err)
	}
	fv, err := InitField(fdir, fx.team.Get("olena").Identity, kit, "olena", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer fv.Close()
	if _, err := as(fv, fx.team.Get("olena").Identity).Seal(ctx, []*Form{form}); err != nil {
		b.Fatal(err)
	}
	return vdir, fdir
}

// ageDecryptFile decrypts in to in+".out", synced, as age -d -o would.
func ageDecryptFile(in string, id age.Identity) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	r, err := age.Decrypt(src, id)
	if err != nil {
		return err
	}
	out, err := os.Create(in + ".out")
	if err != nil {
		return err
	}
	defer out.Close()
	if _, err := io.Copy(out, r); err != nil {
		return err
	}
	return out.Sync()
}

func timed(b *testing.B, fn func() error) time.Duration {
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// ageFile encrypts the file in to out with the writer enc makes, synced.
func ageFile(in, out string, enc func(io.Writer) (io.WriteCloser, error)) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(out)
	if err != nil {
		return err
	}
	defer dst.Close()
	w, err := enc(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, src); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return dst.Sync()
}
