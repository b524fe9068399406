package blobtest

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/zeebo/blake3"
)

// roundTripSizes meet the boundaries of a 4 KiB block and of a 4 MiB
// buffer, and span several buffers.
var roundTripSizes = []struct {
	name string
	size int
}{
	{"0", 0}, {"1", 1}, {"4095", 4095}, {"4096", 4096}, {"4097", 4097},
	{"4MiB-1", 4<<20 - 1}, {"4MiB", 4 << 20}, {"4MiB+1", 4<<20 + 1}, {"9MiB+12345", 9<<20 + 12345},
}

func testRoundTrip(t *testing.T, newStore func(*testing.T) blobs.Store) {
	for i, c := range roundTripSizes {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			id := blobID(uint64(i), 1)
			data := content(c.size, byte(i))
			info := put(t, s, id, data)
			want := blobs.Info{ID: id, Size: int64(c.size), BLAKE3: blake3.Sum256(data)}
			if info != want {
				t.Fatalf("Commit returned %+v, want %+v", info, want)
			}
			st, err := s.Stat(t.Context(), id)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if want.BLAKE3 = [32]byte{}; st != want {
				t.Fatalf("Stat returned %+v, want %+v", st, want)
			}
			mustRead(t, s, id, data)
			if got := complete(t, s); len(got) != 1 || got[id] != want {
				t.Fatalf("List reports %+v, want only %+v", got, want)
			}
			if parts := list(t, s); len(parts) != 1 {
				t.Fatalf("List reports %d entries after one Commit: %+v", len(parts), parts)
			}
		})
	}
}

func testOneLargeWrite(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	data := content(9<<20+12345, 1)
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if n, err := w.Write(data); n != len(data) || err != nil {
		t.Fatalf("Write of %d bytes: %d, %v", len(data), n, err)
	}
	if n, err := w.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil): %d, %v", n, err)
	}
	info, err := w.Commit()
	if err != nil || info.Size != int64(len(data)) || info.BLAKE3 != blake3.Sum256(data) {
		t.Fatalf("Commit: %+v, %v", info, err)
	}
	mustRead(t, s, id, data)
}

// testReaderContract holds Read and ReadAt to io's contracts, byte by byte.
func testReaderContract(t *testing.T, s blobs.Store) {
	for i, size := range []int{0, 1, 4097, 10000} {
		id := blobID(uint64(i), 1)
		data := content(size, byte(i))
		put(t, s, id, data)
		r, err := s.Open(t.Context(), id, int64(size))
		if err != nil {
			t.Fatal(err)
		}
		if err := iotest.TestReader(r, data); err != nil {
			t.Errorf("size %d: %v", size, err)
		}
		r.Close()
	}
}

func testReadAt(t *testing.T, s blobs.Store) {
	const size = 4<<20 + 4097
	id := blobID(1, 1)
	data := content(size, 1)
	put(t, s, id, data)
	r, err := s.Open(t.Context(), id, size)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cases := []struct {
		name      string
		off, n    int64
		want      int64 // bytes returned
		eofOnly   bool  // the error must be io.EOF
		eofOrNil  bool  // the error may be nil or io.EOF
		wantError bool  // an error other than io.EOF
	}{
		{name: "start", off: 0, n: 4096, want: 4096},
		{name: "middle", off: size/2 - 7, n: 1<<20 + 5, want: 1<<20 + 5},
		{name: "across buffers", off: 4<<20 - 3, n: 10, want: 10},
		{name: "to the end", off: size - 100, n: 100, want: 100, eofOrNil: true},
		{name: "past the end", off: size - 100, n: 200, want: 100, eofOnly: true},
		{name: "at the end", off: size, n: 10, want: 0, eofOnly: true},
		{name: "beyond the end", off: size + 10, n: 10, want: 0, eofOnly: true},
		{name: "zero length", off: 0, n: 0, want: 0},
		{name: "zero length inside", off: size / 3, n: 0, want: 0},
		{name: "negative offset", off: -1, n: 10, want: 0, wantError: true},
	}
	for _, c := range cases {
		p := bytes.Repeat([]byte{0xfe}, int(c.n))
		n, err := r.ReadAt(p, c.off)
		switch {
		case int64(n) != c.want:
			t.Errorf("%s: ReadAt returned %d bytes, want %d (%v)", c.name, n, c.want, err)
		case c.wantError:
			if err == nil || err == io.EOF {
				t.Errorf("%s: ReadAt error %v, want a failure", c.name, err)
			}
		case c.eofOnly && err != io.EOF, c.eofOrNil && err != nil && err != io.EOF, !c.eofOnly && !c.eofOrNil && err != nil:
			t.Errorf("%s: ReadAt error %v", c.name, err)
		case n > 0 && !bytes.Equal(p[:n], data[c.off:c.off+int64(n)]):
			t.Errorf("%s: ReadAt returned other bytes", c.name)
		}
	}
	// ReadAt does not move Read's position.
	head := make([]byte, 10)
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, data[:10]) {
		t.Fatalf("Read after ReadAt: %v", err)
	}
	r.ReadAt(make([]byte, 100), 1000)
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, data[10:20]) {
		t.Fatalf("Read after ReadAt does not continue where it was: %v", err)
	}
}

func testReadAtEmpty(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	put(t, s, id, nil)
	r, err := s.Open(t.Context(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := r.ReadAt(make([]byte, 10), 0); n != 0 || err != io.EOF {
		t.Errorf("ReadAt of an empty blob: %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read of an empty blob: %d, %v; want 0, io.EOF", n, err)
	}
}

func testConcurrentReadAt(t *testing.T, s blobs.Store) {
	const size = 9<<20 + 12345
	id := blobID(1, 1)
	data := content(size, 1)
	put(t, s, id, data)
	r, err := s.Open(t.Context(), id, size)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(g), 2))
			p := make([]byte, 1<<20)
			for range 40 {
				off := rnd.Int64N(size)
				n := rnd.IntN(len(p)) + 1
				got, err := r.ReadAt(p[:n], off)
				end := min(off+int64(n), size)
				if err != nil && err != io.EOF || int64(got) != end-off || !bytes.Equal(p[:got], data[off:end]) {
					t.Errorf("ReadAt(%d bytes, %d): %d, %v", n, off, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func testOpenWrongSize(t *testing.T, s blobs.Store) {
	for i, size := range []int64{0, 4097, 5 << 20} {
		id := blobID(uint64(i), 1)
		put(t, s, id, content(int(size), byte(i)))
		for _, other := range []int64{size - 1, size + 1, size + 4096, 0} {
			if other == size {
				continue
			}
			r, err := s.Open(t.Context(), id, other)
			if err == nil {
				r.Close()
			}
			if !isCorrupt(err) {
				t.Errorf("Open of %d bytes as %d: %v, want ErrCorrupt", size, other, err)
			}
		}
	}
}

func testMissing(t *testing.T, s blobs.Store) {
	mustBeMissing(t, s, blobID(1, 1), 10)
	put(t, s, blobID(2, 1), []byte("other"))
	mustBeMissing(t, s, blobID(1, 1), 10)
	// Same shard, other blob.
	id := blobID(2, 2)
	mustBeMissing(t, s, id, 5)
	_, err := s.Open(t.Context(), id, 5)
	if err == nil || !errors.Is(err, blobs.ErrNotExist) || !bytes.Contains([]byte(err.Error()), []byte(id)) {
		t.Errorf("Open of a missing blob: %v; want ErrNotExist naming %s", err, id)
	}
}
