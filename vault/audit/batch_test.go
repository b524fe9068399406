package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
)

func makeJobs(t testing.TB, n, keys int) []sigJob {
	privs := make([]ed25519.PrivateKey, keys)
	for i := range privs {
		_, privs[i], _ = ed25519.GenerateKey(rand.Reader)
	}
	jobs := make([]sigJob, n)
	for i := range jobs {
		p := privs[i%keys]
		msg := []byte(fmt.Sprintf("entry %d", i))
		jobs[i] = sigJob{seq: int64(i), pub: p.Public().(ed25519.PublicKey), msg: msg, sig: ed25519.Sign(p, msg)}
	}
	return jobs
}

// TestBatchVerifyAgreesWithEd25519: valid batches pass; any one bad
// signature, key, message or a non-canonical s makes the batch fail.
func TestBatchVerifyAgreesWithEd25519(t *testing.T) {
	for _, keys := range []int{1, 3, 64} {
		jobs := makeJobs(t, 64, keys)
		if !batchVerify(jobs) {
			t.Fatalf("%d keys: a batch of valid signatures failed", keys)
		}
		for i := range jobs {
			for _, mutate := range []func(j *sigJob){
				func(j *sigJob) { j.sig = append([]byte(nil), j.sig...); j.sig[i%64] ^= 1 },
				func(j *sigJob) { j.msg = append(append([]byte(nil), j.msg...), 'x') },
				func(j *sigJob) { j.pub = jobs[(i+1)%len(jobs)].pub },
				func(j *sigJob) {
					// s + L: the same s modulo L, but not canonical.
					j.sig = addL(j.sig)
				},
			} {
				bad := append([]sigJob(nil), jobs...)
				mutate(&bad[i])
				if ed25519.Verify(bad[i].pub, bad[i].msg, bad[i].sig) {
					continue // the mutation happened to keep it valid
				}
				if batchVerify(bad) {
					t.Fatalf("%d keys: batch with a bad signature at %d passed", keys, i)
				}
			}
			if i > 8 {
				break
			}
		}
	}
}

// addL returns sig with L added to its scalar half (little-endian).
func addL(sig []byte) []byte {
	l := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	out := append([]byte(nil), sig...)
	carry := 0
	for i := 0; i < 32; i++ {
		v := int(out[32+i]) + int(l[i]) + carry
		out[32+i] = byte(v)
		carry = v >> 8
	}
	return out
}

func BenchmarkBatchVerify(b *testing.B) {
	jobs := makeJobs(b, 64, 2)
	b.Run("batch64", func(b *testing.B) {
		for range b.N {
			if !batchVerify(jobs) {
				b.Fatal("failed")
			}
		}
	})
	b.Run("single64", func(b *testing.B) {
		for range b.N {
			for _, j := range jobs {
				if !ed25519.Verify(j.pub, j.msg, j.sig) {
					b.Fatal("failed")
				}
			}
		}
	})
}
