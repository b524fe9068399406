package safefile

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// A large file goes to the device with O_DIRECT where the platform and the
// file system allow it, as the vault's blob files do: copying a gigabyte
// into the page cache cost more CPU than decrypting it (tvault open of
// 1 GiB, perf on a 2-core machine), and left it dirty for the final sync
// to wait on. The first directMin bytes are written as they come, through
// the page cache, so that a small file costs one plain write; past them,
// writes are gathered into aligned buffers that a goroutine writes while
// the next fills. The file's last, partial block goes through the page
// cache again. Write's Sync makes all of it durable either way.
const (
	directMin   = 4 << 20
	directBuf   = 2 << 20
	directBufs  = 2
	directAlign = 4096 // what O_DIRECT asks of buffers, offsets and lengths
)

// directWriter writes f for Write's fill. Not safe for concurrent use.
type directWriter struct {
	f        *os.File
	off      int64 // bytes written or queued
	buf      []byte
	free     chan []byte
	queue    chan []byte // nil until start: writes go straight to f
	done     chan struct{}
	tried    bool
	finished bool
	direct   bool // O_DIRECT is set on f; the writing goroutine's once started
	mu       sync.Mutex
	err      error // the first failure of the writing goroutine, or abandonment
}

func newDirectWriter(f *os.File) *directWriter { return &directWriter{f: f} }

func (d *directWriter) Write(p []byte) (int, error) {
	written := 0
	if !d.tried && d.off+int64(len(p)) >= directMin {
		// Write up to an aligned offset as it comes, then switch.
		if r := d.off % directAlign; r != 0 {
			k := int(min(int64(len(p)), directAlign-r))
			n, err := d.f.Write(p[:k])
			d.off += int64(n)
			if err != nil {
				return n, err
			}
			p, written = p[k:], k
		}
		d.start()
	}
	if d.queue == nil {
		n, err := d.f.Write(p)
		d.off += int64(n)
		return written + n, err
	}
	for len(p) > 0 {
		if err := d.failed(); err != nil {
			return written, err
		}
		if d.buf == nil {
			d.buf = (<-d.free)[:0]
		}
		k := min(len(p), cap(d.buf)-len(d.buf))
		d.buf = append(d.buf, p[:k]...)
		p, written = p[k:], written+k
		if len(d.buf) == cap(d.buf) {
			d.send()
		}
	}
	return written, nil
}

// start sets O_DIRECT and starts the writing goroutine; where O_DIRECT is
// refused, writes stay plain.
func (d *directWriter) start() {
	d.tried = true
	if d.off%directAlign != 0 || setDirect(d.f, true) != nil {
		return
	}
	d.direct = true
	d.free = make(chan []byte, directBufs)
	d.queue = make(chan []byte, directBufs)
	d.done = make(chan struct{})
	for range directBufs {
		d.free <- alignedBuffer(directBuf)
	}
	go d.writeOut()
}

func (d *directWriter) send() {
	d.off += int64(len(d.buf))
	d.queue <- d.buf
	d.buf = nil
}

func (d *directWriter) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
}

func (d *directWriter) failed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// writeOut writes the queued buffers in order; after a failure it only
// hands them back.
func (d *directWriter) writeOut() {
	defer close(d.done)
	for b := range d.queue {
		if d.failed() == nil {
			if err := d.writeBuf(b); err != nil {
				d.fail(err)
			}
		}
		d.free <- b
	}
}

func (d *directWriter) writeBuf(b []byte) error {
	if d.direct && len(b)%directAlign != 0 {
		// The file's tail: O_DIRECT cannot write a partial block.
		if err := d.clearDirect(); err != nil {
			return err
		}
	}
	n, err := d.f.Write(b)
	if err != nil && d.direct && errors.Is(err, syscall.EINVAL) {
		// The file system took O_DIRECT but not this write (an alignment
		// larger than ours): the rest goes through the page cache.
		if err := d.clearDirect(); err != nil {
			return err
		}
		_, err = d.f.Write(b[n:])
	}
	return err
}

func (d *directWriter) clearDirect() error {
	d.direct = false
	return setDirect(d.f, false)
}

var errAbandoned = errors.New("write abandoned")

// finish writes what is left, unless abandon is set or a write failed, and
// waits for the writing goroutine: the file holds every byte when it
// returns nil. Later calls do nothing.
func (d *directWriter) finish(abandon bool) error {
	if d.finished || d.queue == nil {
		d.finished = true
		return nil
	}
	d.finished = true
	if abandon {
		d.fail(errAbandoned)
	}
	if len(d.buf) > 0 && d.failed() == nil {
		d.send()
	}
	close(d.queue)
	<-d.done
	return d.failed()
}

// alignedBuffer returns a slice of n bytes whose start is aligned for
// O_DIRECT.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int(directAlign-addr%directAlign) % directAlign
	return b[off : off+n : off+n]
}
