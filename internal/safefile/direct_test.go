package safefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{'d', 'i', 'r'})
	_, _ = rng.Read(b)
	return b
}

// writeChunks writes b to w in pieces of the given sizes, in turn.
func writeChunks(w io.Writer, b []byte, sizes []int) error {
	for i := 0; len(b) > 0; i++ {
		k := min(len(b), sizes[i%len(sizes)])
		n, err := w.Write(b[:k])
		if err != nil {
			return err
		}
		if n != k {
			return io.ErrShortWrite
		}
		b = b[k:]
	}
	return nil
}

// Files below, at and past the size at which writes leave the page cache,
// written in pieces that do and do not fall on its blocks, come out whole.
func TestWriteLargeFiles(t *testing.T) {
	dir := t.TempDir()
	sizes := []int{0, 1, directMin - 1, directMin, directMin + 1, directMin + 3*directBuf + 123, directMin + 2*directBuf}
	patterns := [][]int{{512 << 10}, {1000, 65536, 3 << 20}, {directMin + 5}, {4095, 1}}
	for i, n := range sizes {
		content := randomBytes(n)
		for j, pat := range patterns {
			p := filepath.Join(dir, fmt.Sprintf("%d-%d", i, j), "out.bin")
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := Write(context.Background(), p, func(w io.Writer) error { return writeChunks(w, content, pat) }); err != nil {
				t.Fatalf("%d bytes in pieces of %v: %v", n, pat, err)
			}
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("%d bytes in pieces of %v: read back %d bytes (err %v)", n, pat, len(got), err)
			}
			onlyEntries(t, filepath.Dir(p), filepath.Base(p))
		}
	}
}

// A fill that fails or is cancelled after the writes left the page cache
// leaves nothing behind either.
func TestWriteLargeFails(t *testing.T) {
	dir := t.TempDir()
	content := randomBytes(directMin + 3*directBuf)
	errFill := errors.New("fill failed")
	p := filepath.Join(dir, "out.bin")
	err := Write(context.Background(), p, func(w io.Writer) error {
		if err := writeChunks(w, content, []int{1 << 20}); err != nil {
			return err
		}
		return errFill
	})
	if !errors.Is(err, errFill) {
		t.Fatalf("err = %v, want the fill's", err)
	}
	onlyEntries(t, dir)

	ctx, cancel := context.WithCancel(context.Background())
	err = Write(ctx, p, func(w io.Writer) error {
		if err := writeChunks(w, content[:directMin+directBuf], []int{1 << 20}); err != nil {
			return err
		}
		cancel()
		return writeChunks(w, content, []int{1 << 20})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	onlyEntries(t, dir)
}

// A write that fails on the writing goroutine is reported by a later Write
// or by finish.
func TestDirectWriterFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ro")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p) // read-only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := newDirectWriter(f)
	err = writeChunks(d, randomBytes(directMin+4*directBuf), []int{1 << 20})
	if ferr := d.finish(err != nil); err == nil {
		err = ferr
	}
	if err == nil {
		t.Fatal("writing a read-only file succeeded")
	}
}
