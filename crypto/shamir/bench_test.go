package shamir

import (
	"fmt"
	"testing"
)

var benchCases = []struct{ n, k int }{{5, 3}, {20, 11}}

func BenchmarkSplit(b *testing.B) {
	secret := make([]byte, 32)
	for _, bc := range benchCases {
		b.Run(fmt.Sprintf("n=%d,k=%d", bc.n, bc.k), func(b *testing.B) {
			b.SetBytes(int64(len(secret)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Split(secret, bc.n, bc.k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCombine(b *testing.B) {
	secret := make([]byte, 32)
	for _, bc := range benchCases {
		b.Run(fmt.Sprintf("n=%d,k=%d", bc.n, bc.k), func(b *testing.B) {
			shares, err := Split(secret, bc.n, bc.k)
			if err != nil {
				b.Fatal(err)
			}
			shares = shares[:bc.k]
			b.SetBytes(int64(len(secret)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Combine(shares); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
