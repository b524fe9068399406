package vault

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
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
	// ReadData hashes every stored blob against the signed ciphertext
	// hashes, and decrypts the parts the acting member can decrypt to check
	// their padding and plaintext hashes too.
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
	Partial  []string  `json:"partial"` // blobs an interrupted write left unfinished
	Repaired bool      `json:"repaired"`
}

// Leftovers counts what interrupted seals left: orphaned and partial blobs.
func (r *CheckReport) Leftovers() int { return len(r.Orphans) + len(r.Partial) }

// Errors reports how many findings are errors.
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
	a          *Actor
	v          *Vault
	ctx        context.Context
	rep        *CheckReport
	blobs      map[string]storedBlob // complete blobs, by id
	referenced map[string]bool       // blobs a verified header names
	present    map[string]bool       // every stored header, verified or not
	verified   []string              // the ids of every verified header
	index      *indexSet             // the index entries those headers imply
	epochs     map[epochKey]loadedEpoch
	decrypted  int                   // parts whose plaintext ReadData checked
	withdrawn  map[int64]audit.Entry // ok consent-withdraw entries, by seq (checkconsent.go)
	// erasures (checkerase.go)
	eraseEntries  map[EraseTarget]audit.Entry // ok erase entries of the log
	erased        map[string]map[string]int64 // erased classes of stored headers
	wholeErased   map[string]bool             // records erased whole, marks verified
	pendingScrubs map[string]bool             // records whose erasure is not yet scrubbed from the files
	holds         *holdReplay                 // legal holds (checkhold.go)
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
	if !damaged(err) && !errors.Is(err, ErrNotFound) {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), ErrIntegrity.Error()+": ")
	c.errorf(subject, "%s", strings.TrimPrefix(msg, subject+": "))
	return nil
}

// Check verifies the whole vault: the policy chain, every epoch, every
// record header's signature and sealer, every DEK wrap, that every blob a
// header names is stored, in the right place and size, the index against
// the headers, and the audit log against its checkpoint. ReadData also
// hashes every blob, and checks the padding and plaintext of every part the
// member can decrypt (no plaintext leaves the process). Any member may run it; it is recorded. It returns an
// error only when the check itself could not run; damaged data is reported
// as findings.
func (a *Actor) Check(ctx context.Context, opts CheckOptions) (*CheckReport, error) {
	if err := a.authorize("check", ""); err != nil {
		return nil, err
	}
	c := &checker{a: a, v: a.v, ctx: ctx, rep: &CheckReport{}, blobs: map[string]storedBlob{},
		referenced: map[string]bool{}, present: map[string]bool{}, wholeErased: map[string]bool{},
		pendingScrubs: map[string]bool{}, index: newIndexSet(), epochs: map[epochKey]loadedEpoch{}}
	if err := c.listBlobs(); err != nil {
		return nil, err
	}
	if err := a.v.view(c.checkStructures); err != nil {
		return nil, err
	}
	c.findOrphans()
	if opts.ReadData {
		if err := c.readData(); err != nil {
			return nil, err
		}
	}
	rep := c.rep
	if opts.Repair {
		if err := a.repair(ctx, rep, c.verified); err != nil {
			return rep, err
		}
	}
	outcome, detail := audit.OutcomeOK, fmt.Sprintf("%d records, %d findings", rep.Records, len(rep.Findings))
	if rep.Errors() > 0 {
		outcome = audit.OutcomeError
	}
	if opts.ReadData {
		detail += fmt.Sprintf(", data read (%d parts decrypted)", c.decrypted)
	}
	if rep.Repaired {
		detail += ", repaired"
	}
	if err := a.record(audit.Entry{Action: "check", Outcome: outcome, Detail: detail}); err != nil {
		return rep, err
	}
	return rep, nil
}

// listBlobs lists every stored blob.
func (c *checker) listBlobs() error {
	err := c.v.eachBlob(c.ctx, func(b storedBlob) error {
		if b.partial {
			c.rep.Partial = append(c.rep.Partial, b.id)
		} else {
			c.blobs[b.id] = b
		}
		return nil
	})
	sort.Strings(c.rep.Partial)
	c.rep.Blobs = len(c.blobs)
	return c.finding("blobs", err)
}

// checkStructures checks, in one read transaction, the policy chain, the
// epochs, every header, the DEK wraps, the index, the unmask requests and
// their approvals, and the audit log.
func (c *checker) checkStructures(t *store.Txn) error {
	if c.v.field == nil { // a field vault's kit and origin were checked at Open
		if _, err := loadPolicies(t); err != nil {
			if err := c.finding("policy", err); err != nil {
				return err
			}
		}
	}
	if err := c.checkEpochs(t); err != nil {
		return err
	}
	err := t.EachHeader(func(id string, raw []byte) error {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		return c.checkRecord(t, id, raw)
	})
	if err := c.finding("records", err); err != nil {
		return err
	}
	if err := c.checkStrayWraps(t); err != nil {
		return err
	}
	if err := c.checkIndex(t); err != nil {
		return err
	}
	if err := c.checkUnmask(t); err != nil {
		return err
	}
	if err := c.checkLog(t); err != nil {
		return err
	}
	return c.checkConsent(t)
}

// checkLog verifies the audit log and, in the same pass, that every record
// it says was sealed has a header, and was sealed once (the headers
// themselves are checked against their seal entries by checkRecord).
func (c *checker) checkLog(t *store.Txn) error {
	keys, err := c.v.keyInfos(t)
	if err != nil {
		return c.finding("audit log", err)
	}
	sealed := map[string]int64{}
	rotations, applies, syncs := map[string][]audit.Entry{}, 0, map[int64]string{}
	var purges []string      // digests of the receipts bundle purge removed records by
	firstDigest := int64(-1) // the first seal entry that names a digest
	sum, err := c.v.log.VerifyLogEach(t, keys, func(e *audit.Entry) {
		c.noteWithdrawal(e)
		if e.Action == actionRotate && e.Outcome == audit.OutcomeOK {
			rotations[e.Class] = append(rotations[e.Class], *e)
		}
		if e.Action == actionBundlePurge && e.Outcome == audit.OutcomeOK {
			purges = append(purges, e.Digest)
		}
		c.noteErase(e)
		c.noteHold(e)
		if e.Action == "policy-apply" && e.Outcome == audit.OutcomeOK {
			applies++
		}
		if e.Action == actionSync && e.Outcome == audit.OutcomeOK {
			syncs[e.Seq] = e.Class
		}
		c.noteSeal(e, sealed, &firstDigest)
	})
	c.rep.Entries = sum.TreeSize
	if err := c.finding("audit log", err); err != nil || sum.TreeSize == 0 {
		return err
	}
	var kept [][]byte // the checkpoints witnesses cosigned: each a prefix of the log
	if err := c.v.addKept(t, &kept); err != nil {
		return err
	}
	if err := c.finding("audit log", c.v.log.VerifyEarlier(t, keys, kept)); err != nil {
		return err
	}
	purged, err := c.v.purgedRecords(t, purges)
	if err != nil {
		return err
	}
	if err := errors.Join(c.checkErasures(t), c.checkHolds(t)); err != nil {
		return err
	}
	c.reportMissing(sealed, purged)
	if err := c.checkImportedHere(t, sealed); err != nil {
		return err
	}
	if stored := len(c.v.pols) - 1; c.v.field == nil && stored < applies {
		// Someone with the folder rolled a policy apply back (the one that
		// removed them, say): the vault would open under the older version.
		c.errorf("policy", "the audit log records %d policy applies, but %d later policy versions are stored: policy versions were removed", applies, stored)
	}
	if err := c.checkGrants(t, syncs); err != nil {
		return err
	}
	return c.checkRotations(t, rotations)
}

// noteSeal collects a seal entry while the log is verified (sealed: the
// first seal entry of each record; firstDigest: the first that names a
// header digest), and reports one that a tvault of this format never
// writes.
func (c *checker) noteSeal(e *audit.Entry, sealed map[string]int64, firstDigest *int64) {
	if e.Action != "seal" || e.Outcome != audit.OutcomeOK || e.Record == "" {
		return
	}
	switch {
	case e.Digest != "" && *firstDigest < 0:
		*firstDigest = e.Seq
	case e.Digest == "" && (*firstDigest >= 0 || e.Seq >= c.v.origin.digestsFrom):
		// A tvault that names digests never writes a seal entry without
		// one again: this one was made to leave its header rewritable.
		c.errorf("audit log", "entry %d seals record %s without naming its header, after seal entries began to: it was forged", e.Seq, e.Record)
	}
	if first, ok := sealed[e.Record]; ok {
		// Reported on the log: the header is bound to the second entry,
		// and read-data still checks the record itself.
		c.errorf("audit log", "record %s was sealed twice, in entries %d and %d: the second was forged", e.Record, first, e.Seq)
		return
	}
	sealed[e.Record] = e.Seq
}

// reportMissing reports every record the log says was sealed whose header
// is gone, unless a receipt (purged) or an erasure accounts for it.
func (c *checker) reportMissing(sealed map[string]int64, purged map[string]bool) {
	ids := make([]string, 0, len(sealed))
	for id := range sealed {
		if !c.present[id] && !purged[id] && !c.wholeErased[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		c.errorf("record "+id, "was sealed in audit entry %d, but its header is missing", sealed[id])
	}
}

// findOrphans lists the blobs no record names. A blob whose record has a
// header is never an orphan, even when that header failed to verify:
// repair must not destroy the ciphertext of a record whose header can
// still be restored.
func (c *checker) findOrphans() {
	for id := range c.blobs {
		// The blobs of an erasure not yet scrubbed are reported with it,
		// and removed by its scrub.
		if rec := record.BlobRecord(id); !c.referenced[id] && !c.present[rec] && !c.pendingScrubs[rec] {
			c.rep.Orphans = append(c.rep.Orphans, id)
		}
	}
	sort.Strings(c.rep.Orphans)
	if n := c.rep.Leftovers(); n > 0 {
		c.notef("blobs", "%d blobs are not part of any record (left by an interrupted seal); 'tvault check --repair' removes them", n)
	}
}

// readData reads every blob of every verified record (readRecordData).
// A record the structural checks found fault with is only hashed: its
// key or header is reported already.
func (c *checker) readData() error {
	flagged := map[string]bool{}
	for _, f := range c.rep.Findings {
		flagged[f.Subject] = true
	}
	for _, id := range c.verified {
		h, err := c.v.verifiedHeaders([]string{id})
		if err != nil {
			return err
		}
		if err := c.readRecordData(h[0], flagged["record "+id]); err != nil {
			return err
		}
	}
	return nil
}
