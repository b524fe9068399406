package vault

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Through the vault, on blob files: cat and open of an attachment read in
// parallel, then of the same with a chunk in the middle tampered.
func TestParallelCatOpen(t *testing.T) {
	smallSegments(t)
	f := newFileFixture(t, 1)
	big := pseudoRandom(40*ageChunkSize+321, 4)
	form := f.customForm(publicTOML+"[testimony]\nsummary = \"s\"\nfiles = [\"big.bin\"]\n", map[string][]byte{"big.bin": big})
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })
	f.as("iryna", func(v *member) {
		var buf bytes.Buffer
		if err := v.Cat(ctx, id, "testimony", "big.bin", &buf, CatOptions{}); err != nil || !bytes.Equal(buf.Bytes(), big) {
			t.Fatalf("Cat: %d bytes, err %v", buf.Len(), err)
		}
		out := f.mkdir("out")
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out}); err != nil {
			t.Fatal(err)
		}
		sameFile(t, filepath.Join(out, "testimony", "big.bin"), big)

		ref := blobRef(t, v, id, "testimony", 0)
		mid := int(ref.Size / 2)
		writeBlob(t, v, ref.ID, flipped(readBlob(t, v, ref), mid))
		buf.Reset()
		wantIntegrity(t, "Cat of a blob tampered in the middle", v.Cat(ctx, id, "testimony", "big.bin", &buf, CatOptions{}))
		if buf.Len() > mid || !bytes.Equal(buf.Bytes(), big[:buf.Len()]) {
			t.Errorf("Cat wrote %d bytes, want at most the %d before the tampered chunk", buf.Len(), mid)
		}
		out = f.openFails(v, id)
		if _, err := os.Lstat(filepath.Join(out, "testimony")); !os.IsNotExist(err) {
			t.Errorf("the class folder after a failed open: %v, want it absent", err)
		}
	})
}

func BenchmarkDecryptParallel(b *testing.B) {
	c := newParCase(b, 64<<20, true)
	b.SetBytes(int64(len(c.content)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.read(ctx, c.blob(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptStream(b *testing.B) {
	c := newParCase(b, 64<<20, true)
	b.SetBytes(int64(len(c.content)))
	b.ReportAllocs()
	for b.Loop() {
		u := newUnpadWriter(io.Discard, c.ref.ID, int64(len(c.content)), true)
		if err := decryptStream(ctx, c.ident, c.blob(), c.ref, u, 0); err != nil {
			b.Fatal(err)
		}
	}
}
