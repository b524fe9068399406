package audit

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

const benchEntries = 100_000

var (
	benchOnce sync.Once
	benchL    *Log
	benchB    *MemBackend
)

// benchLog returns one log of benchEntries entries shared by the
// benchmarks, built once, before their timers start.
func benchLog(b *testing.B) (*Log, *MemBackend) {
	benchOnce.Do(func() { benchL, benchB = buildLogFast(b, benchEntries) })
	if benchB == nil {
		b.Fatal("benchmark log not built")
	}
	return benchL, benchB
}

func reportRate(b *testing.B, entries int) {
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkAppend(b *testing.B) {
	l, base := benchLog(b)
	m := base.Clone()
	a, e := testEntry(benchEntries)
	b.ResetTimer()
	for range b.N {
		if _, err := l.Append(m, a, e); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportRate(b, b.N)
}

func BenchmarkExport(b *testing.B) {
	l, m := benchLog(b)
	keys := testKeys()
	b.ResetTimer()
	for range b.N {
		if n, err := l.Export(io.Discard, m, keys, ExportOptions{}); err != nil || n != benchEntries {
			b.Fatal(n, err)
		}
	}
	b.StopTimer()
	reportRate(b, b.N*benchEntries)
}

// BenchmarkVerifyExport verifies an unfiltered export of 100,000 entries
// on its own ("export"), and with the keys from outside it and a kept
// checkpoint of half its size ("trusted-against", what a court runs): the
// second recomputes the same tree and must stay within 1.25x of the first.
func BenchmarkVerifyExport(b *testing.B) {
	l, m := benchLog(b)
	var buf bytes.Buffer
	if _, err := l.Export(&buf, m, testKeys(), ExportOptions{}); err != nil {
		b.Fatal(err)
	}
	root, err := tlog.TreeHash(benchEntries/2, m)
	if err != nil {
		b.Fatal(err)
	}
	s, err := newSigner(iryna)
	if err != nil {
		b.Fatal(err)
	}
	kept, err := signCheckpoint(testOrigin, benchEntries/2, root, s)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		o    VerifyOptions
	}{
		{"export", VerifyOptions{}},
		{"trusted-against", VerifyOptions{Trusted: testKeys(), Against: kept}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for range b.N {
				sum, err := VerifyExportWith(bytes.NewReader(buf.Bytes()), bc.o)
				if err != nil || sum.Entries != benchEntries || (bc.o.Against != nil) != (sum.Against != nil) {
					b.Fatal(sum, err)
				}
			}
			reportRate(b, b.N*benchEntries)
		})
	}
}

func BenchmarkVerifyLog(b *testing.B) {
	l, m := benchLog(b)
	keys := testKeys()
	b.ResetTimer()
	for range b.N {
		if sum, err := l.VerifyLog(m, keys); err != nil || sum.Entries != benchEntries {
			b.Fatal(sum, err)
		}
	}
	b.StopTimer()
	reportRate(b, b.N*benchEntries)
}
