package vault

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
	"github.com/zeebo/blake3"
)

// Finding is one thing check found. Severity "error" means damaged or
// forged data (exit 4); "note" is harmless, such as blobs orphaned by an
// interrupted seal.
type Finding struct {
	Severity string `json:"severity"`
	Subject  string `json:"subject"` // the record, blob, class or log at fault
	Msg      string `json:"message"`
}

func (f Finding) String() string { return f.Severity + ": " + f.Subject + ": " + f.Msg }

// CheckOptions selects how deep check goes.
type CheckOptions struct {
	// ReadData hashes every stored blob against the signed ciphertext hashes.
	ReadData bool
	// Repair removes orphaned blobs and rebuilds the index from the headers.
	Repair bool
}

// CheckReport is the result of Check.
type CheckReport struct {
	Records  int       `json:"records"`
	Blobs    int       `json:"blobs"`
	Entries  int64     `json:"audit_entries"`
	Findings []Finding `json:"findings"`
	Orphans  []string  `json:"orphans"`
	Partial  []string  `json:"partial"` // blob files an interrupted write left unfinished
	Repaired bool      `json:"repaired"`
}

// Leftovers counts what interrupted seals left: orphaned and partial blobs.
func (r *CheckReport) Leftovers() int { return len(r.Orphans) + len(r.Partial) }

// Errors reports whether any finding is an error.
func (r *CheckReport) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == "error" {
			n++
		}
	}
	return n
}

type checker struct {
	rep *CheckReport
}

func (c *checker) errorf(subject, format string, args ...any) {
	c.rep.Findings = append(c.rep.Findings, Finding{Severity: "error", Subject: subject, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) notef(subject, format string, args ...any) {
	c.rep.Findings = append(c.rep.Findings, Finding{Severity: "note", Subject: subject, Msg: fmt.Sprintf(format, args...)})
}

// finding turns an error from a check into a finding, or returns it when it
// is operational (the check itself could not run).
func (c *checker) finding(subject string, err error) error {
	if err == nil {
		return nil
	}
	// Anything the vault's own structures say exists but the store cannot
	// find (store.ErrNotFound here) is damage too.
	if errors.Is(err, ErrIntegrity) || errors.Is(err, store.ErrCorrupt) || errors.Is(err, audit.ErrTampered) ||
		errors.Is(err, ErrNotFound) || errors.Is(err, store.ErrNotFound) {
		msg := strings.TrimPrefix(err.Error(), ErrIntegrity.Error()+": ")
		c.errorf(subject, "%s", strings.TrimPrefix(msg, subject+": "))
		return nil
	}
	return err
}

// Check verifies the whole vault: the policy chain, every keyring, every
// record header's signature and sealer, every DEK wrap, that every blob a
// header names is stored, in the right form and size, the
// index against the headers, and the audit log against its checkpoint.
// ReadData also hashes every blob. Any member may run it; it is recorded.
// It returns an error only when the check itself could not run; damaged data
// is reported as findings.
func (v *Vault) Check(opts CheckOptions) (*CheckReport, error) {
	if _, ok := v.actor(); !ok {
		return nil, v.deny("check", "", "", "not a member of the vault's policy")
	}
	rep := &CheckReport{}
	c := &checker{rep: rep}
	blobs := map[string]store.BlobInfo{}
	var partial []string
	err := v.st.EachBlob(func(b store.BlobInfo) error {
		if b.Partial {
			partial = append(partial, b.ID)
		} else {
			blobs[b.ID] = b
		}
		return nil
	})
	if err != nil {
		if err := c.finding("blobs", err); err != nil {
			return nil, err
		}
	}
	rep.Blobs = len(blobs)
	referenced := map[string]bool{}
	present := map[string]bool{} // every stored header, verified or not
	var headers []*Header
	err = v.st.View(func(t *store.Txn) error {
		if _, err := loadPolicies(t); err != nil {
			if err := c.finding("policy", err); err != nil {
				return err
			}
		}
		if err := v.checkKeyrings(t, c); err != nil {
			return err
		}
		err := t.EachHeader(func(id string, raw []byte) error {
			rep.Records++
			present[id] = true
			h, err := v.checkHeader(t, id, raw, blobs, c)
			if err != nil {
				return err
			}
			if h != nil {
				headers = append(headers, h)
				for _, p := range h.Classes {
					referenced[p.Manifest.ID] = true
					for _, b := range p.Blobs {
						referenced[b.ID] = true
					}
				}
			}
			return nil
		})
		if err := c.finding("records", err); err != nil {
			return err
		}
		if err := v.checkStrayWraps(t, c); err != nil {
			return err
		}
		if err := v.checkIndex(t, headers, c); err != nil {
			return err
		}
		keys, err := keyInfos(t)
		if err != nil {
			return c.finding("audit log", err)
		}
		sum, err := v.log.VerifyLog(t, keys)
		rep.Entries = sum.TreeSize
		return c.finding("audit log", err)
	})
	if err != nil {
		return nil, err
	}
	for id := range blobs {
		// A blob whose record has a header is never an orphan, even when
		// that header failed to verify: repair must not destroy the
		// ciphertext of a record whose header can still be restored.
		if !referenced[id] && !present[blobRecord(id)] {
			rep.Orphans = append(rep.Orphans, id)
		}
	}
	sort.Strings(rep.Orphans)
	sort.Strings(partial)
	rep.Partial = partial
	if n := rep.Leftovers(); n > 0 {
		c.notef("blobs", "%d blobs are not part of any record (left by an interrupted seal); 'tvault check --repair' removes them", n)
	}
	if opts.ReadData {
		for _, h := range headers {
			for _, p := range h.Classes {
				for _, ref := range append([]BlobRef{p.Manifest}, p.Blobs...) {
					if err := v.hashBlob(ref); err != nil {
						if err := c.finding("record "+h.ID, err); err != nil {
							return nil, err
						}
					}
				}
			}
		}
	}
	if opts.Repair {
		for _, f := range rep.Findings {
			if f.Severity == "error" && f.Subject != "index" {
				return rep, fmt.Errorf("%w: check found damage that repair cannot fix (%s: %s); nothing was changed: keep a copy of the vault as it is and restore the damaged part from a backup",
					ErrIntegrity, f.Subject, f.Msg)
			}
		}
		// The repair is on record before it changes anything.
		if err := v.audit(audit.Entry{Action: "check-repair", Outcome: "ok",
			Detail: fmt.Sprintf("removing %d orphaned blobs, rebuilding the index", rep.Leftovers())}); err != nil {
			return rep, err
		}
		if err := v.repair(rep, headers); err != nil {
			return rep, err
		}
	}
	outcome, detail := "ok", fmt.Sprintf("%d records, %d findings", rep.Records, len(rep.Findings))
	if rep.Errors() > 0 {
		outcome = "error"
	}
	if opts.ReadData {
		detail += ", data read"
	}
	if rep.Repaired {
		detail += ", repaired"
	}
	if err := v.audit(audit.Entry{Action: "check", Outcome: outcome, Detail: detail}); err != nil {
		return rep, err
	}
	return rep, nil
}

// blobRecord returns the record id a blob id starts with ("<record>-<class>-<n>").
func blobRecord(blobID string) string {
	if len(blobID) < 20 {
		return ""
	}
	return blobID[:20]
}

func (v *Vault) checkKeyrings(t *store.Txn, c *checker) error {
	for _, class := range v.pol.ClassNames() {
		es, err := t.Epochs(class)
		if err != nil {
			if err := c.finding("class "+class, err); err != nil {
				return err
			}
			continue
		}
		if len(es) == 0 {
			c.errorf("class "+class, "has no keys")
		}
		for i, e := range es {
			if e != i+1 {
				c.errorf("class "+class, "epoch %d is missing", i+1)
				break
			}
			if _, err := v.loadKeyring(t, class, e); err != nil {
				if err := c.finding("class "+class, err); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkHeader verifies one record and returns its header when it parsed
// and verified, nil after recording a finding.
func (v *Vault) checkHeader(t *store.Txn, id string, raw []byte, blobs map[string]store.BlobInfo, c *checker) (*Header, error) {
	subject := "record " + id
	if !ValidID(id) {
		c.errorf(subject, "malformed record id")
		return nil, nil
	}
	h, err := decodeHeader(id, raw)
	if err != nil {
		return nil, c.finding(subject, err)
	}
	if h.Vault != v.meta.ID {
		c.errorf(subject, "belongs to another vault")
		return nil, nil
	}
	if err := v.verifySealer(t, h); err != nil {
		return nil, c.finding(subject, err)
	}
	for _, p := range h.Classes {
		raw, err := t.DEK(id, p.Class)
		if errors.Is(err, store.ErrNotFound) {
			c.errorf(subject, "the key of class %s is missing", p.Class)
			continue
		}
		if err != nil {
			if err := c.finding(subject, err); err != nil {
				return nil, err
			}
			continue
		}
		var w dekWrap
		if err := json.Unmarshal(raw, &w); err != nil || len(w.Shares) == 0 {
			c.errorf(subject, "the key of class %s is unreadable", p.Class)
			continue
		}
		kr, err := v.loadKeyring(t, p.Class, w.Epoch)
		if err != nil {
			if err := c.finding(subject, err); err != nil {
				return nil, err
			}
			continue
		}
		if len(w.Shares) != len(kr.Slots) || w.Threshold != kr.Threshold {
			c.errorf(subject, "the key of class %s does not match its keyring (epoch %d)", p.Class, w.Epoch)
		}
		for _, ref := range append([]BlobRef{p.Manifest}, p.Blobs...) {
			b, ok := blobs[ref.ID]
			switch {
			case !ok || b.Inline != store.Inline(ref.Size):
				c.errorf(subject, "blob %s is missing", ref.ID)
			case !b.Inline && b.Size != ref.Size:
				c.errorf(subject, "blob %s holds %d bytes, want %d", ref.ID, b.Size, ref.Size)
			case b.Inline && (b.Size < ref.Size || b.Size > ref.Size+inlineOverhead):
				c.errorf(subject, "blob %s holds about %d bytes, want %d", ref.ID, b.Size, ref.Size)
			}
		}
	}
	return h, nil
}

// checkStrayWraps reports DEK wraps of records that have no header.
func (v *Vault) checkStrayWraps(t *store.Txn, c *checker) error {
	return c.finding("keys", t.EachDEK(func(id, class string) error {
		ok, err := t.HasHeader(id)
		if err != nil {
			return err
		}
		if !ok {
			c.errorf("record "+id, "a key of class %s is stored for a record that does not exist", class)
		}
		return nil
	}))
}

type indexEntry struct{ field, value, id string }

func expectedIndex(headers []*Header) map[indexEntry]bool {
	want := map[indexEntry]bool{}
	for _, h := range headers {
		for field, val := range h.Public {
			for _, s := range indexValues(val) {
				want[indexEntry{field, s, h.ID}] = true
			}
		}
		want[indexEntry{sealedAtField, h.SealedAt.UTC().Format(indexTimeLayout), h.ID}] = true
	}
	return want
}

// checkIndex compares the index with what the headers imply.
func (v *Vault) checkIndex(t *store.Txn, headers []*Header, c *checker) error {
	want := expectedIndex(headers)
	extra, missing := 0, 0
	err := t.EachIndex(func(field, value, id string) error {
		e := indexEntry{field, value, id}
		if want[e] {
			delete(want, e)
			return nil
		}
		extra++
		return nil
	})
	if err := c.finding("index", err); err != nil {
		return err
	}
	missing = len(want)
	if extra > 0 || missing > 0 {
		c.errorf("index", "%d entries point to nothing and %d are missing; 'tvault check --repair' rebuilds it", extra, missing)
	}
	return nil
}

// inlineOverhead bounds what Badger adds to an inline blob's reported size
// (its value-log entry header, key and checksum).
const inlineOverhead = 256

func (v *Vault) hashBlob(ref BlobRef) error {
	blob, err := v.st.OpenBlob(ref.ID, ref.Size)
	if err != nil {
		return blobError(ref, err)
	}
	defer blob.Close()
	h := blake3.New()
	if _, err := io.CopyBuffer(h, blob, make([]byte, 1<<20)); err != nil {
		return blobError(ref, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != ref.BLAKE3 {
		return integrityErrorf("blob %s: ciphertext does not match the signed header", ref.ID)
	}
	return nil
}

// repair removes orphaned blobs and rebuilds the index from the verified
// headers. It never touches a header, a key or the audit log.
func (v *Vault) repair(rep *CheckReport, headers []*Header) error {
	if err := store.CheckFreeSpace(v.dir, 0); err != nil {
		return err
	}
	if err := v.st.DeleteBlobs(rep.Orphans...); err != nil {
		return err
	}
	if err := v.st.DeletePartialBlobs(rep.Partial...); err != nil {
		return err
	}
	want := expectedIndex(headers)
	var stale []indexEntry
	err := v.st.View(func(t *store.Txn) error {
		return t.EachIndex(func(field, value, id string) error {
			e := indexEntry{field, value, id}
			if want[e] {
				delete(want, e)
			} else {
				stale = append(stale, e)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	const batch = 1000
	var ops []func(*store.Txn) error
	for _, e := range stale {
		e := e
		ops = append(ops, func(t *store.Txn) error { return t.DeleteIndex(e.field, e.value, e.id) })
	}
	for e := range want {
		e := e
		ops = append(ops, func(t *store.Txn) error { return t.PutIndex(e.field, e.value, e.id) })
	}
	for len(ops) > 0 {
		n := min(batch, len(ops))
		err := v.st.Update(func(t *store.Txn) error {
			for _, op := range ops[:n] {
				if err := op(t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		ops = ops[n:]
	}
	rep.Repaired = true
	kept := rep.Findings[:0]
	for _, f := range rep.Findings {
		if f.Subject != "index" && f.Subject != "blobs" {
			kept = append(kept, f)
		}
	}
	rep.Findings = append(kept, Finding{Severity: "note", Subject: "repair",
		Msg: fmt.Sprintf("removed %d orphaned blobs; index rebuilt (%d stale entries removed)", rep.Leftovers(), len(stale))})
	return nil
}
