package crypto_test

import (
	"crypto/ed25519"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
)

func BenchmarkGenerateIdentity(b *testing.B) {
	for _, bb := range []struct {
		name    string
		classic bool
	}{{"pq", false}, {"classic", true}} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tcrypto.GenerateIdentity(bb.classic); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	sk := mustParseIdentity(b, katPQSecret).SigningKey()
	msg := make([]byte, 256)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		ed25519.Sign(sk, msg)
	}
}
