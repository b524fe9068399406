package vault

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// unmaskRequest reads request id and checks it: its signature, its
// unmask-request entry (boundEntry), that the entry names its record and
// class, and that its signer held the class under the policy in force
// when the entry was written. It returns the request and its entry.
func (v *Vault) unmaskRequest(t *store.Txn, id string) (*record.UnmaskRequest, audit.Entry, error) {
	raw, err := t.UnmaskRequest(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, audit.Entry{}, fmt.Errorf("unmask request %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, audit.Entry{}, err
	}
	r, err := record.DecodeUnmaskRequest(raw, id)
	if err != nil {
		return nil, audit.Entry{}, err
	}
	subject := "unmask request " + id
	seq, err := t.UnmaskRequestEntry(id)
	e, err := boundEntry(t, seq, err, "unmask-request", r.SignedBy, r.SignerKey, raw, subject)
	if err != nil {
		return nil, e, err
	}
	if e.Record != r.Record || e.Class != r.Class {
		return nil, e, integrityErrorf("%s names record %s class %s, but its audit entry %d another: it was moved", subject, r.Record, r.Class, e.Seq)
	}
	if err := v.heldAt(e.Seq, r.SignedBy, r.SignerKey, r.Class, subject); err != nil {
		return nil, e, err
	}
	return r, e, nil
}

// boundEntry reads the audit entry seq (seqErr: the error of reading the
// pointer to it) that a signed value raw, signed by signer with key, must
// be bound to, and checks that it is that entry: a successful action by
// that signer with that key, naming the digest of exactly raw, its
// signature valid.
func boundEntry(t *store.Txn, seq int64, seqErr error, action, signer, key string, raw []byte, subject string) (audit.Entry, error) {
	if errors.Is(seqErr, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("%s has no %s entry in the audit log: it was not made by tvault", subject, action)
	}
	if seqErr != nil {
		return audit.Entry{}, seqErr
	}
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("%s: its %s entry %d is missing from the audit log", subject, action, seq)
	}
	if err != nil {
		return audit.Entry{}, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return audit.Entry{}, integrityErrorf("%s: its %s entry %d is malformed", subject, action, seq)
	}
	if e.Action != action || e.Outcome != audit.OutcomeOK || e.Seq != seq || e.Actor != signer || e.ActorKey != key {
		return e, integrityErrorf("%s: audit entry %d is not the %s entry that made it", subject, seq, action)
	}
	if e.Digest != audit.Digest(raw) {
		return e, integrityErrorf("%s is not the one its %s entry %d names: it was rewritten or moved", subject, action, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return e, integrityErrorf("%s: its %s entry %d: %v", subject, action, seq, err)
	}
	return e, nil
}

// heldAt checks that member, with signing key key, held class under the
// policy version in force at audit entry seq.
func (v *Vault) heldAt(seq int64, member, key, class, subject string) error {
	pol, err := v.policyAt(v.versionInForce(seq))
	if err != nil {
		return err
	}
	m, ok := pol.Member(member)
	if !ok || !bytes.Equal(m.SigningPublicKey, record.SignerKey(key)) || !slices.Contains(pol.Decryptable(member), class) {
		return integrityErrorf("%s was made by %q, who did not hold class %s when it was made (audit entry %d)", subject, member, class, seq)
	}
	return nil
}

// unmaskGrants reads and checks every grant of req: each bound to its
// unmask-approve entry, naming exactly req (its id and the hash of its
// bytes, its record, class, epoch and requester), signed by a holder of
// the class other than the requester who holds slot X of e (the request's
// epoch), each from a distinct slot.
func (v *Vault) unmaskGrants(t *store.Txn, req *record.UnmaskRequest, e *keys.Epoch) ([]*record.UnmaskGrant, error) {
	var out []*record.UnmaskGrant
	seen := map[byte]bool{req.X: true}
	err := t.EachUnmaskGrant(req.ID, func(member string, raw []byte) error {
		g, err := record.DecodeUnmaskGrant(raw, req.ID, member)
		if err != nil {
			return err
		}
		subject := fmt.Sprintf("the approval of unmask request %s by %s", req.ID, member)
		seq, err := t.UnmaskGrantEntry(req.ID, member)
		entry, err := boundEntry(t, seq, err, "unmask-approve", g.SignedBy, g.SignerKey, raw, subject)
		if err != nil {
			return err
		}
		if entry.Record != req.Record || entry.Class != req.Class || g.RequestHash != record.HashValue(req.Raw) ||
			g.Record != req.Record || g.Class != req.Class || g.Epoch != req.Epoch || g.Requester != req.SignedBy {
			return integrityErrorf("%s answers another request, record or requester: it was moved", subject)
		}
		if err := v.heldAt(entry.Seq, g.SignedBy, g.SignerKey, g.Class, subject); err != nil {
			return err
		}
		if x, ok := e.SlotOf(g.SignedBy); !ok || x != g.X || seen[g.X] {
			return integrityErrorf("%s names slot %d of %s, which is not theirs", subject, g.X, e)
		}
		seen[g.X] = true
		out = append(out, g)
		return nil
	})
	return out, err
}

// unmasked is access's answer for a part pa of a threshold class the actor
// holds a slot of but cannot open alone: the DEK, when their own share and
// the verified grants of their requests for this record, class and epoch
// reach the threshold (pa.via then names the requests and approvers, for
// the audit entry); else nil, and pa.reason names what is missing.
func (a *Actor) unmasked(t *store.Txn, id string, pa *partAccess, w *record.DEKWrap, e *keys.Epoch) ([]byte, error) {
	class := pa.part.Class
	own, err := e.ShareOf(w, a.id)
	if err != nil {
		return nil, err
	}
	shares := [][]byte{own}
	defer func() {
		for _, s := range shares {
			clear(s)
		}
	}()
	have := map[byte]bool{own[len(own)-1]: true}
	best, bestN := "", 0
	var used []string // per request whose grants count: "request R approved by A, B"
	err = a.eachOwnRequest(t, id, class, w.Epoch, func(req *record.UnmaskRequest) error {
		grants, err := a.v.unmaskGrants(t, req, e)
		if err != nil {
			return err
		}
		if best == "" || len(grants) > bestN {
			best, bestN = req.ID, len(grants)
		}
		var by []string
		for _, g := range grants {
			s, err := tcrypto.Unwrap(g.Share, a.id.AgeIdentity())
			if err != nil || len(s) != tcrypto.DEKSize+1 || s[len(s)-1] != g.X {
				return integrityErrorf("the approval of unmask request %s by %s does not decrypt to a share of slot %d", req.ID, g.SignedBy, g.X)
			}
			if !have[g.X] && len(shares) < e.Threshold {
				have[g.X] = true
				shares = append(shares, s)
				by = append(by, g.SignedBy)
			} else {
				clear(s)
			}
		}
		if len(by) > 0 {
			used = append(used, fmt.Sprintf("request %s approved by %s", req.ID, strings.Join(by, ", ")))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(shares) >= e.Threshold {
		pa.via = "unmasked: " + strings.Join(used, "; ")
		return e.Combine(shares)
	}
	if best == "" {
		pa.reason = fmt.Sprintf("class %s needs %d holders to unmask a record: ask with 'tvault unmask request %s --reason TEXT', then %d other holder%s must run 'tvault unmask approve REQUEST'",
			class, e.Threshold, id, e.Threshold-1, plural(e.Threshold-1))
		return nil, nil
	}
	more := e.Threshold - len(shares)
	pa.reason = fmt.Sprintf("their unmask request %s has %d of the %d shares class %s needs (their own counts): %d more approval%s needed ('tvault unmask approve %s' by another holder)",
		best, len(shares), e.Threshold, class, more, plural(more), best)
	return nil, nil
}

// eachOwnRequest calls fn with every verified request the actor made for
// record id's part of class at epoch. Requests of others, or for other
// records, are not read further (unmask list checks them all).
func (a *Actor) eachOwnRequest(t *store.Txn, id, class string, epoch int, fn func(*record.UnmaskRequest) error) error {
	key := tcrypto.FormatSigningKey(a.id.SigningPublicKey())
	return t.EachUnmaskRequest(func(reqID string, raw []byte) error {
		r, err := record.DecodeUnmaskRequest(raw, reqID)
		if err != nil || r.Record != id || r.Class != class || r.SignedBy != a.member.Name || r.SignerKey != key || r.Epoch != epoch {
			return nil
		}
		if r, _, err = a.v.unmaskRequest(t, reqID); err != nil {
			return err
		}
		return fn(r)
	})
}

// maxEntryDetail is the audit log's bound on an entry's detail (package
// audit refuses a longer one).
const maxEntryDetail = 1024

// withVia appends the note of how approvals opened a part to the detail of
// its open or cat entry, cutting the detail (a purpose can be 960 bytes)
// and, past 256 bytes, the note, so that the entry always fits.
func withVia(detail, via string) string {
	if via == "" {
		return detail
	}
	via = clip(via, 256)
	if detail == "" {
		return via
	}
	return clip(detail, maxEntryDetail-len(via)-2) + "; " + via
}

// clip cuts s to at most n bytes, at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
