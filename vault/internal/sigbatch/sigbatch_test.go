package sigbatch

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"

	"filippo.io/edwards25519"
)

func jobs(n int) []Job {
	out := make([]Job, n)
	for i := range out {
		seed := sha256.Sum256([]byte{byte(i % 3)})
		k := ed25519.NewKeyFromSeed(seed[:])
		msg := []byte(fmt.Sprintf("message %d", i))
		out[i] = Job{Pub: k.Public().(ed25519.PublicKey), Msg: msg, Sig: ed25519.Sign(k, msg)}
	}
	return out
}

func TestVerify(t *testing.T) {
	if !Verify(nil) || !Verify(jobs(1)) || !Verify(jobs(100)) {
		t.Fatal("Verify refused valid signatures")
	}
	for i := range 10 {
		for _, bad := range []func(j *Job){
			func(j *Job) { j.Sig = append([]byte(nil), j.Sig...); j.Sig[i] ^= 1 },
			func(j *Job) { j.Msg = append(append([]byte(nil), j.Msg...), 'x') },
			func(j *Job) { j.Sig = j.Sig[:63] },
			func(j *Job) { j.Pub = j.Pub[:31] },
		} {
			js := jobs(10)
			bad(&js[i])
			if Verify(js) {
				t.Errorf("job %d: Verify accepted a bad signature", i)
			}
		}
	}
}

// TestCanonicalPoint compares canonicalPoint with encoding the point again,
// what it replaces, on the edge cases of both non-canonical forms (y = p..
// 2^255-1, x = 0 with the sign bit) and on random encodings.
func TestCanonicalPoint(t *testing.T) {
	slow := func(enc []byte) bool {
		p, err := new(edwards25519.Point).SetBytes(enc)
		return err == nil && bytes.Equal(p.Bytes(), enc)
	}
	le := func(lo byte, hi byte) []byte { // lo in byte 0, hi in byte 31, 0xff between when hi is 0x7f
		b := make([]byte, 32)
		b[0], b[31] = lo, hi
		if hi&0x7f == 0x7f {
			for i := 1; i < 31; i++ {
				b[i] = 0xff
			}
		}
		return b
	}
	var cases [][]byte
	for _, sign := range []byte{0, 0x80} {
		for _, lo := range []byte{0, 1, 2, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xff} {
			cases = append(cases, le(lo, sign), le(lo, 0x7f|sign)) // small y; y near p = 2^255-19 (0xed in byte 0)
		}
	}
	for i := range 2000 {
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		cases = append(cases, h[:])
		k := ed25519.NewKeyFromSeed(h[:])
		cases = append(cases, k.Public().(ed25519.PublicKey))
	}
	refused := 0
	for _, enc := range cases {
		if _, err := new(edwards25519.Point).SetBytes(enc); err != nil {
			continue // not a point: Verify refuses it at SetBytes
		}
		got, want := canonicalPoint(enc), slow(enc)
		if got != want {
			t.Errorf("canonicalPoint(%x) = %v, want %v", enc, got, want)
		}
		if !want {
			refused++
		}
	}
	if refused < 4 { // y = 1 and y = p-1 with the sign bit, y = p+1 with and without it
		t.Errorf("only %d non-canonical points among the cases", refused)
	}
}

// BenchmarkVerify verifies batches of signatures by three keys, as an
// audit log's; ns/sig is the cost of one signature.
func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{64, 256} {
		js := jobs(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				if !Verify(js) {
					b.Fatal("Verify refused valid signatures")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/sig")
		})
	}
}
