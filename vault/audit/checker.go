package audit

import (
	"crypto/ed25519"
	"runtime"
	"sync"
	"time"
)

// checker runs the per-entry checks shared by VerifyExport and VerifyLog.
// Signatures are verified in batches on all CPUs while the caller goes on
// reading; the error reported is always that of the first bad entry, as if
// entries were checked one by one.
type checker struct {
	kr      *keySet
	batch   int // jobs per batch
	workers int
	cur     []sigJob
	pending []*sigBatch // dispatched, in entry order
	seen    bool        // an entry was checked: last is set
	last    struct {    // the last entry checked, whose time the next may not precede
		Seq  int64
		Time time.Time
	}
}

type sigJob struct {
	seq  int64
	line int
	pub  ed25519.PublicKey
	msg  []byte
	sig  []byte
}

// sigBatch is a batch being verified by workers, each on a contiguous
// chunk, each recording the index of the first bad signature in its chunk.
type sigBatch struct {
	jobs     []sigJob
	firstBad []int
	wg       sync.WaitGroup
}

// batchSize is how many signatures batchVerify checks at once.
const batchSize = 64

// maxPending bounds the batches in flight, and so the memory held.
const maxPending = 2

func newChecker(kr *keySet, batch int) *checker {
	w := runtime.NumCPU()
	if batch <= 0 {
		batch = 256 * w
	}
	return &checker{kr: kr, batch: batch, workers: w}
}

// entry checks that e's key is listed under its actor's name and queues its
// signature. An error about a later entry must go through fail, so that an
// earlier entry's bad signature takes precedence.
func (c *checker) entry(e *Entry, line int) error {
	if !c.kr.listed(e.Actor, e.ActorKey) {
		return c.fail(tamperf(e.Seq, line, "entry %d: key %s is not listed for %s", e.Seq, e.ActorKey, e.Actor))
	}
	if c.seen && e.Time.Before(c.last.Time) {
		return c.fail(tamperf(e.Seq, line, "entry %d: its time %s precedes entry %d's %s (a log's time never goes backwards: backdated?)",
			e.Seq, formatTime(e.Time), c.last.Seq, formatTime(c.last.Time)))
	}
	c.seen, c.last.Seq, c.last.Time = true, e.Seq, e.Time
	sig, err := decodeSig(e.Sig)
	if err != nil {
		return c.fail(tamperf(e.Seq, line, "entry %d: %v", e.Seq, err))
	}
	c.cur = append(c.cur, sigJob{seq: e.Seq, line: line, pub: c.kr.pubs[e.ActorKey], msg: e.SignedBytes(), sig: sig})
	if len(c.cur) < c.batch {
		return nil
	}
	c.dispatch()
	if len(c.pending) > maxPending {
		oldest := c.pending[0]
		c.pending = c.pending[1:]
		if err := oldest.wait(); err != nil {
			c.flush() // let the other batches finish before returning
			return err
		}
	}
	return nil
}

// dispatch starts verifying the current batch.
func (c *checker) dispatch() {
	if len(c.cur) == 0 {
		return
	}
	sb := &sigBatch{jobs: c.cur}
	c.cur = make([]sigJob, 0, c.batch)
	w := min(c.workers, (len(sb.jobs)+63)/64)
	chunk := (len(sb.jobs) + w - 1) / w
	sb.firstBad = make([]int, w)
	for i := range w {
		lo, hi := i*chunk, min((i+1)*chunk, len(sb.jobs))
		sb.firstBad[i] = -1
		sb.wg.Go(func() {
			// Verify in small batches; a batch that fails is checked one
			// signature at a time, to find the first bad one.
			for b := lo; b < hi; b += batchSize {
				e := min(b+batchSize, hi)
				if batchVerify(sb.jobs[b:e]) {
					continue
				}
				for j := b; j < e; j++ {
					if !ed25519.Verify(sb.jobs[j].pub, sb.jobs[j].msg, sb.jobs[j].sig) {
						sb.firstBad[i] = j
						return
					}
				}
			}
		})
	}
	c.pending = append(c.pending, sb)
}

// wait waits for the batch and returns its first bad signature.
func (sb *sigBatch) wait() error {
	sb.wg.Wait()
	// Chunks are contiguous and in order: the first chunk with a failure
	// holds the first bad entry.
	for _, j := range sb.firstBad {
		if j >= 0 {
			return tamperf(sb.jobs[j].seq, sb.jobs[j].line, "entry %d: signature does not verify", sb.jobs[j].seq)
		}
	}
	return nil
}

// flush verifies everything queued and returns the first failure. No
// verification is running when it returns.
func (c *checker) flush() error {
	c.dispatch()
	var first error
	for _, sb := range c.pending {
		if err := sb.wait(); err != nil && first == nil {
			first = err
		}
	}
	c.pending = c.pending[:0]
	return first
}

// fail returns err unless an entry queued before it has a bad signature.
func (c *checker) fail(err error) error {
	if ferr := c.flush(); ferr != nil {
		return ferr
	}
	return err
}

// verifyOne verifies one signature with crypto/ed25519, whose verdict
// stands when a batch fails.
func verifyOne(j sigJob) bool { return ed25519.Verify(j.pub, j.msg, j.sig) }
