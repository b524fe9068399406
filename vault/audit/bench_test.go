package audit

import (
	"bytes"
	"io"
	"sync"
	"testing"
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

func BenchmarkVerifyExport(b *testing.B) {
	l, m := benchLog(b)
	var buf bytes.Buffer
	if _, err := l.Export(&buf, m, testKeys(), ExportOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		if sum, err := VerifyExport(bytes.NewReader(buf.Bytes())); err != nil || sum.Entries != benchEntries {
			b.Fatal(sum, err)
		}
	}
	b.StopTimer()
	reportRate(b, b.N*benchEntries)
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
