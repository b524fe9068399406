package sigbatch

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
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
