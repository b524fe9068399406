package vault

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
)

// The read side at scale (issue 16): opening the vault, show and a
// selective list --where, in a vault of -vault.scale records built once
// (through the bulk Seal path) in -vault.scaledir and kept there, so that
// the old and the new test binary can be run in turn on the same vault:
//
//	go test -c -o new.test ./vault
//	./new.test -test.run '^$' -test.bench ReadScale -vault.scale 100000 -vault.scaledir /work/scratch/x/v100k
//
// Without -vault.scaledir the vault is built in a temporary folder.
var (
	scaleN   = flag.Int("vault.scale", 10000, "records in the vault BenchmarkReadScale reads")
	scaleDir = flag.String("vault.scaledir", "", "keep BenchmarkReadScale's team and vault in `DIR` (built if absent)")
)

// scaleForms returns forms from..to-1 of a scale vault: fields in both
// classes, about 50 records per region value whatever the vault's size,
// so that --where region=... selects about 50.
func scaleForms(b *testing.B, dir string, from, to, n int) []*Form {
	b.Helper()
	regions := max(n/50, 1)
	forms := make([]*Form, 0, to-from)
	for i := from; i < to; i++ {
		src := fmt.Sprintf(`[public]
category = %q
region = "Region %d"
interviewed = "2024-%02d"
language = "uk"
topics = ["incommunicado", "topic-%d"]

[testimony]
summary = "Interview %d: describes the conditions of detention."

[identity]
interviewee = "Інтерв'юйований %d"
contact = "+380 67 %07d"
`, categories[i%len(categories)], i%regions, i%12+1, i%50, i, i, i)
		f, err := ParseForm("form-"+strconv.Itoa(i)+".toml", []byte(src), dir)
		if err != nil {
			b.Fatal(err)
		}
		forms = append(forms, f)
	}
	return forms
}

// scaleIdentity reads the identity of name from a scale vault's team.
func scaleIdentity(b *testing.B, dir, name string) *tcrypto.Identity {
	b.Helper()
	id, err := tcrypto.ReadIdentityFile(filepath.Join(dir, "team", "keys", name+".age"),
		func() (string, error) { return testkit.Passphrase, nil })
	if err != nil {
		b.Fatal(err)
	}
	return id
}

// scaleVault returns the directory of a vault of n records and the team's
// identity of name, building both if dir holds no vault yet.
func scaleVault(b *testing.B, dir string, n int, name string) (string, *tcrypto.Identity) {
	b.Helper()
	vdir := filepath.Join(dir, "vault")
	if _, err := os.Stat(vdir); err == nil {
		return vdir, scaleIdentity(b, dir, name)
	}
	team, err := testkit.NewTeam(filepath.Join(dir, "team"), 1)
	if err != nil {
		b.Fatal(err)
	}
	fx := &benchFixture{dir: dir, team: team}
	fx.initVault(b, vdir)
	v := fx.open(b, vdir, "olena")
	start := time.Now()
	for from := 0; from < n; from += 10000 {
		if _, err := v.Seal(ctx, scaleForms(b, b.TempDir(), from, min(from+10000, n), n)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built %d records in %v", n, time.Since(start).Round(time.Millisecond))
	if err := v.Close(); err != nil {
		b.Fatal(err)
	}
	return vdir, team.Get(name).Identity
}

func BenchmarkReadScale(b *testing.B) {
	dir := *scaleDir
	if dir == "" {
		dir = b.TempDir()
	}
	n := *scaleN
	vdir, id := scaleVault(b, dir, n, "mykola")
	where := ListFilter{Where: []Condition{{Field: "region", Value: "Region 7"}}}
	b.Run("open", func(b *testing.B) {
		for range b.N {
			v, err := Open(vdir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := v.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
	v, err := Open(vdir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	m := as(v, id)
	ls, err := m.List(ctx, where)
	if err != nil || len(ls) == 0 {
		b.Fatal(len(ls), err)
	}
	b.Run("show", func(b *testing.B) {
		for i := range b.N {
			if _, err := m.Show(ctx, ls[i%len(ls)].ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
	b.Run("list-where", func(b *testing.B) {
		for range b.N {
			got, err := m.List(ctx, where)
			if err != nil || len(got) != len(ls) {
				b.Fatal(len(got), err)
			}
		}
		b.ReportMetric(float64(len(ls)), "records")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/op")
	})
	// Bulk intake into the vault as it is (it grows by 1,000 records an
	// iteration): what a CPU profile of intake at scale needs.
	b.Run("seal", func(b *testing.B) {
		sealer := as(v, scaleIdentity(b, dir, "olena"))
		forms := scaleForms(b, b.TempDir(), n, n+1000, n)
		b.ResetTimer()
		for range b.N {
			if _, err := sealer.Seal(ctx, forms); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(forms)*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
