package vault

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"
)

// A file sized small when it was opened is still read whole if it grew:
// the size only picks the buffers, never where reading stops.
func TestHashingReaderSizeIsAHint(t *testing.T) {
	data := pseudoRandom(3<<20+17, 5)
	for _, hint := range []int64{-1, 0, 2048, int64(len(data)), 1 << 30} {
		r := newHashingReader(bytes.NewReader(data), nil, hint)
		var got bytes.Buffer
		if _, err := io.Copy(&got, r); err != nil {
			t.Fatalf("size %d: %v", hint, err)
		}
		want := sha256.Sum256(data)
		if !bytes.Equal(got.Bytes(), data) || !bytes.Equal(r.Sum(), want[:]) || r.n != int64(len(data)) {
			t.Fatalf("size %d: read %d bytes, want %d, or the hash differs", hint, got.Len(), len(data))
		}
		r.Close()
	}
}
