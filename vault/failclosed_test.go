package vault

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/audit"
)

// The audit log fails closed: if its entry cannot be written, the operation
// it records does not happen. These tests prove it by wrapping the log's
// storage (the wrapBackend seam) with one that fails on demand, as restic's
// errorBackend does.
//
// Erase does not exist yet; when it does, it needs the same test: a failed
// audit append must leave the record whole and openable.

var errInjected = errors.New("injected audit failure")

// auditFault decides which audit writes fail. It is shared by every
// backend it wraps, across transactions.
type auditFault struct {
	mu         sync.Mutex
	on         bool
	allow      int    // writes that still succeed once on
	checkpoint bool   // fail SetCheckpoint instead of Append
	failures   int    // writes refused
	calls      []bool // per Append/SetCheckpoint: refused?
}

func (a *auditFault) fail() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	refuse := a.on && a.allow <= 0
	if a.on && !refuse {
		a.allow--
	}
	if refuse {
		a.failures++
	}
	return refuse
}

// set arms the fault: after allow more writes, every write fails.
func (a *auditFault) set(allow int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on, a.allow, a.failures = true, allow, 0
}

func (a *auditFault) off() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on = false
}

func (a *auditFault) refused() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failures
}

type faultyBackend struct {
	audit.Backend
	fault *auditFault
}

func (b faultyBackend) Append(seq int64, leaf []byte, hashes []tlog.Hash) error {
	if !b.fault.checkpoint && b.fault.fail() {
		return errInjected
	}
	return b.Backend.Append(seq, leaf, hashes)
}

func (b faultyBackend) SetCheckpoint(note []byte) error {
	if b.fault.checkpoint && b.fault.fail() {
		return errInjected
	}
	return b.Backend.SetCheckpoint(note)
}

// inject installs a fault (initially off) on v's audit backend.
func inject(v *member, checkpoint bool) *auditFault {
	a := &auditFault{checkpoint: checkpoint}
	v.wrapBackend = func(b audit.Backend) audit.Backend { return faultyBackend{b, a} }
	return a
}

// faultKinds runs fn once with Append failing and once with SetCheckpoint
// failing: either must abort the whole transaction.
func faultKinds(t *testing.T, fn func(t *testing.T, checkpoint bool)) {
	t.Run("append", func(t *testing.T) { fn(t, false) })
	t.Run("checkpoint", func(t *testing.T) { fn(t, true) })
}

func TestFailClosedSeal(t *testing.T) {
	faultKinds(t, func(t *testing.T, checkpoint bool) {
		f := newFixture(t, 1)
		forms := []*Form{f.exampleForm("fc1"), f.exampleForm("fc2"), f.exampleForm("fc3")}
		v := f.open("olena")
		fault := inject(v, checkpoint)
		records, blobs, entries := listCount(t, v), len(blobIDs(t, v)), logSize(t, v)

		// Every audit write fails: nothing is sealed, no chunk is left.
		fault.set(0)
		res, err := v.Seal(ctx, forms[:1])
		fault.off()
		if !errors.Is(err, errInjected) || len(res) != 0 || fault.refused() == 0 {
			t.Fatalf("Seal with a failing log = %v, %v; want no record and the audit error", res, err)
		}
		if n := listCount(t, v); n != records {
			t.Errorf("List after the failed seal: %d records, want %d", n, records)
		}
		if ids := blobIDs(t, v); len(ids) != blobs {
			t.Errorf("the failed seal left chunks of blobs %v", ids)
		}
		if n := logSize(t, v) - 1; n != entries { // -1: the List above
			t.Errorf("audit log has %d entries after the failed seal, want %d", n, entries)
		}

		// Small records commit together: the first record's entry is
		// written, the second's fails, and the whole commit fails with it —
		// no record of the batch exists, no chunk is left.
		records, blobs = listCount(t, v), len(blobIDs(t, v))
		fault.set(1)
		res, err = v.Seal(ctx, forms)
		fault.off()
		if !errors.Is(err, errInjected) || len(res) != 0 {
			t.Fatalf("Seal of three with the log failing from the second = %d results, %v; want none and the audit error", len(res), err)
		}
		if n := listCount(t, v); n != records {
			t.Errorf("List after a failed batch: %d records, want %d", n, records)
		}
		if ids := blobIDs(t, v); len(ids) != blobs {
			t.Errorf("after a failed batch the store has blobs %v, want %d", ids, blobs)
		}
		v.Close()
	})
}

func TestFailClosedOpen(t *testing.T) {
	faultKinds(t, func(t *testing.T, checkpoint bool) {
		f := newFixture(t, 1)
		var id string
		f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("fo"))[0].ID })
		v := f.open("iryna")
		fault := inject(v, checkpoint)
		entries := logSize(t, v)

		// allow 0: the first entry fails; allow 1: iryna's open writes two
		// entries (one per class) in one transaction, and the second fails.
		for allow := range 2 {
			out := f.mkdir("out")
			fault.set(allow)
			rep, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out})
			fault.off()
			if !errors.Is(err, errInjected) || rep != nil {
				t.Errorf("allow %d: Open with a failing log = %+v, %v; want the audit error", allow, rep, err)
			}
			if files := treeFiles(t, out); len(files) != 0 {
				t.Errorf("allow %d: Open with a failing log wrote %v", allow, files)
			}
			if n := logSize(t, v); n != entries {
				t.Errorf("allow %d: audit log has %d entries, want %d: a partial commit", allow, n, entries)
			}
		}

		// A denial is recorded before it is returned; if it cannot be, the
		// caller learns of the audit failure.
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
		m := f.open("mykola")
		fault = inject(m, checkpoint)
		fault.set(0)
		out := f.mkdir("out")
		_, err := m.OpenRecord(ctx, id, OpenRecordOptions{Dir: out, Classes: []string{"identity"}})
		if !errors.Is(err, errInjected) {
			t.Errorf("mykola's denied Open with a failing log: err = %v, want the audit error", err)
		}
		if files := treeFiles(t, out); len(files) != 0 {
			t.Errorf("denied Open wrote %v", files)
		}
	})
}

func TestFailClosedCat(t *testing.T) {
	faultKinds(t, func(t *testing.T, checkpoint bool) {
		f := newFixture(t, 1)
		var id string
		f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("fcat"))[0].ID })
		v := f.open("mykola")
		fault := inject(v, checkpoint)
		for _, opts := range []CatOptions{{Length: -1}, {Offset: 3, Length: 10}, {Length: 0}} {
			var buf bytes.Buffer
			fault.set(0)
			err := v.Cat(ctx, id, "testimony", "interview.opus", &buf, opts)
			fault.off()
			if !errors.Is(err, errInjected) {
				t.Errorf("Cat %+v with a failing log: err = %v, want the audit error", opts, err)
			}
			if buf.Len() != 0 {
				t.Errorf("Cat %+v with a failing log wrote %d bytes", opts, buf.Len())
			}
		}
		// The same calls succeed once the log works again.
		var buf bytes.Buffer
		if err := v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Length: -1}); err != nil || buf.Len() == 0 {
			t.Errorf("Cat with a working log: %d bytes, err %v", buf.Len(), err)
		}
	})
}

// TestFailClosedReads: List and Show return nothing when their entry cannot
// be written.
func TestFailClosedReads(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("fr"))[0].ID })
	v := f.open("taras")
	fault := inject(v, false)
	fault.set(0)
	if ls, err := v.List(ctx, ListFilter{}); !errors.Is(err, errInjected) || ls != nil {
		t.Errorf("List with a failing log = %v, %v", ls, err)
	}
	if info, err := v.Show(ctx, id); !errors.Is(err, errInjected) || info != nil {
		t.Errorf("Show with a failing log = %v, %v", info, err)
	}
}
