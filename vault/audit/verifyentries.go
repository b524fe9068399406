package audit

import (
	"runtime"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// This file holds how an exportVerifier checks entry lines (rules E1-E11,
// listed with expectEntries) on every core. Most of the work on a line
// needs nothing from the lines before it: decoding it, checking its fields,
// hash and canonical form, and its signature. Workers do that for chunks of
// consecutive lines while the verifier goes on reading; the verifier then
// takes each chunk's results in line order and applies what does depend on
// the lines before (seq order, time order, the tree), in the order the
// rules list, so that the error reported is the one a verifier checking
// one line after the other would report: that of the first bad line, and
// for that line its first broken rule.

// entryChunkLines is how many lines a chunk holds at most (0 given to
// newExportVerifier), and entryChunkBytes how many bytes beyond which it
// is dispatched earlier, so that memory stays bounded whatever the lines.
const (
	entryChunkLines = 256
	entryChunkBytes = 1 << 20
)

// entryRules is what checking a line on its own needs: fixed once the
// header and keys lines are read, and only read by the workers.
type entryRules struct {
	kr       *keySet
	filtered bool
	opts     ExportOptions
	size     int64 // the header's tree_size
}

// lineResult is what a worker found about one entry line. The verifier
// reports, in this order: decodeErr (E1); its own seq check (E2); err
// (E3-E8); listed (E9); its own time check; sigOK; proofOK (E10).
type lineResult struct {
	line      int
	decodeErr error
	seq       int64
	err       error
	time      time.Time
	actor     string
	actorKey  string
	listed    bool
	sigOK     bool
	h         tlog.Hash
	root      tlog.Hash // filtered: the root the proof implies
	proofOK   bool      // filtered: the proof is well-formed and leads to root
	sig       sigJob    // while being checked
	sigQueued bool
}

// lineChunk is consecutive entry lines, their bytes copied back to back,
// and once done is closed, what the worker found about each.
type lineChunk struct {
	first int // the number of its first line
	buf   []byte
	ends  []int
	res   []lineResult
	done  chan struct{}
}

// entryPipe holds the chunks of an exportVerifier: the one being filled
// and those dispatched, in line order.
type entryPipe struct {
	rules      *entryRules
	lines      int // per chunk
	maxPending int
	cur        *lineChunk
	pending    []*lineChunk
}

func newEntryPipe(rules *entryRules, lines int) *entryPipe {
	if lines <= 0 {
		lines = entryChunkLines
	}
	return &entryPipe{rules: rules, lines: lines, maxPending: 2 * runtime.NumCPU()}
}

// queueEntry queues entry line number v.line for checking. It returns the
// first error of the lines before, if taking their results found one.
func (v *exportVerifier) queueEntry(line []byte) error {
	p := v.pipe
	if p.cur == nil {
		p.cur = &lineChunk{first: v.line, done: make(chan struct{})}
	}
	c := p.cur
	c.buf = append(c.buf, line...)
	c.ends = append(c.ends, len(c.buf))
	if len(c.ends) < p.lines && len(c.buf) < entryChunkBytes {
		return nil
	}
	p.dispatch()
	if len(p.pending) <= p.maxPending {
		return nil
	}
	oldest := p.pending[0]
	p.pending = p.pending[1:]
	if err := v.take(oldest); err != nil {
		p.wait()
		return err
	}
	return nil
}

// dispatch starts checking the chunk being filled.
func (p *entryPipe) dispatch() {
	c := p.cur
	if c == nil {
		return
	}
	p.cur = nil
	p.pending = append(p.pending, c)
	go func() {
		defer close(c.done)
		c.check(p.rules)
	}()
}

// wait waits for every dispatched chunk, dropping their results, and
// forgets the one being filled.
func (p *entryPipe) wait() {
	for _, c := range p.pending {
		<-c.done
	}
	p.pending, p.cur = nil, nil
}

// drain takes the results of every queued line in order and returns the
// first error. No worker is running when it returns.
func (v *exportVerifier) drain() error {
	p := v.pipe
	if p == nil {
		return nil
	}
	p.dispatch()
	for len(p.pending) > 0 {
		c := p.pending[0]
		p.pending = p.pending[1:]
		if err := v.take(c); err != nil {
			p.wait()
			return err
		}
	}
	return nil
}

// fail returns err unless a line queued before has an error, which comes
// first; no worker is running when it returns.
func (v *exportVerifier) fail(err error) error {
	if derr := v.drain(); derr != nil {
		return derr
	}
	return err
}

// take waits for chunk c and applies its results in line order.
func (v *exportVerifier) take(c *lineChunk) error {
	<-c.done
	for i := range c.res {
		if err := v.apply(&c.res[i]); err != nil {
			return err
		}
	}
	return nil
}

// apply checks what an entry line's result leaves to be checked in line
// order, and adds the entry (rules E2, E9's time order, E10, E11).
func (v *exportVerifier) apply(r *lineResult) error {
	if r.decodeErr != nil {
		return r.decodeErr
	}
	if err := v.order(r.seq, r.line); err != nil {
		return err
	}
	if r.err != nil {
		return r.err
	}
	seq, line := r.seq, r.line
	if !r.listed {
		return tamperf(seq, line, "entry %d: key %s is not listed for %s", seq, r.actorKey, r.actor)
	}
	if v.seen && r.time.Before(v.lastTime) {
		return tamperf(seq, line, "entry %d: its time %s precedes entry %d's %s (a log's time never goes backwards: backdated?)",
			seq, formatTime(r.time), v.lastSeq, formatTime(v.lastTime))
	}
	v.seen, v.lastSeq, v.lastTime = true, seq, r.time
	if !r.sigOK {
		return tamperf(seq, line, "entry %d: signature does not verify", seq)
	}
	if v.filtered {
		if !r.proofOK {
			return tamperf(seq, line, "entry %d: malformed inclusion proof", seq)
		}
		v.roots.add(r.root, seq, line)
	} else if _, err := v.t.add(r.h); err != nil {
		return err
	} else if err := v.checkAgainstAt(seq+1, line); err != nil {
		return err
	}
	v.sum.count(r.time)
	return nil
}

// check finds what can be known of each line of c on its own, then
// verifies the signatures of the lines that passed.
func (c *lineChunk) check(rules *entryRules) {
	c.res = make([]lineResult, len(c.ends))
	var scratch []byte
	start := 0
	for i, end := range c.ends {
		scratch = rules.line(&c.res[i], c.buf[start:end], c.first+i, scratch)
		start = end
	}
	c.buf = nil // the lines are not needed any more
	c.verifySigs()
}

// line checks one entry line on its own (rules E1, E3-E8, E9's listing,
// E10's proof), recording the result in r; scratch is reused for the
// canonical encoding and returned.
func (rules *entryRules) line(r *lineResult, line []byte, n int, scratch []byte) []byte {
	if !rules.filtered {
		// Kept only if every check passes (fastEntryLine says why).
		if ej, ok := fastEntryLine(line); ok {
			if scratch = rules.entry(r, &ej, line, n, scratch); r.err == nil {
				return scratch
			}
			*r = lineResult{}
		}
	}
	r.line = n
	var ej entryJSON
	if err := decodeStrict(line, &ej); err != nil {
		r.decodeErr = tamperf(-1, n, "line %d: not an entry or checkpoint: %s", n, jsonProblem(err))
		return scratch
	}
	return rules.entry(r, &ej, line, n, scratch)
}

// entry checks decoded entry line number n (rules E3-E8, E9's listing,
// E10's proof) as line does.
func (rules *entryRules) entry(r *lineResult, ej *entryJSON, line []byte, n int, scratch []byte) []byte {
	r.line, r.seq = n, ej.Seq
	e, h, proof, err := rules.parseEntry(ej, n)
	if err != nil {
		r.err = err
		return scratch
	}
	scratch = appendEntryLine(scratch[:0], &e, h, proof, rules.filtered)
	if !sameLine(scratch, line) {
		r.err = tamperf(e.Seq, n, "entry %d: line %d is not in canonical form", e.Seq, n)
		return scratch
	}
	r.time, r.actor, r.actorKey, r.h = e.Time, e.Actor, e.ActorKey, h
	r.listed = rules.kr.listed(e.Actor, e.ActorKey)
	if !r.listed {
		return scratch
	}
	sig, err := decodeSig(e.Sig) // cannot fail: validate decoded it
	if err != nil {
		return scratch
	}
	r.sig = sigJob{seq: e.Seq, line: n, pub: rules.kr.pubs[e.ActorKey], msg: e.SignedBytes(), sig: sig}
	r.sigQueued = true
	if rules.filtered {
		r.root, r.proofOK = checkedProofRoot(proof, rules.size, e.Seq, h)
	}
	return scratch
}

// verifySigs verifies the queued signatures of c in one batch (the larger
// the batch, the less each signature costs: up to a chunk's, 256); when
// the batch fails, one by one, to find which.
func (c *lineChunk) verifySigs() {
	var jobs []sigJob
	var at []int
	for i := range c.res {
		if c.res[i].sigQueued {
			jobs = append(jobs, c.res[i].sig)
			at = append(at, i)
		}
	}
	ok := batchVerify(jobs)
	for k, i := range at {
		c.res[i].sigOK = ok || verifyOne(jobs[k])
		c.res[i].sig = sigJob{}
	}
}
