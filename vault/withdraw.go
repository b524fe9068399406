package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// Withdrawing consent narrows, from then on, the purposes a record may be
// opened for. The signed header, which holds the consent given at sealing,
// is never rewritten (binding.go): each withdrawal is a small value of its
// own, stored under the record (store's consent/<id>/<seq>) and bound to
// the consent-withdraw entry seq exactly as a header is bound to its seal
// entry: the entry, signed by a member who held the erase action, names
// the record and the digest of the value. Someone with the vault folder
// and a key of their own can therefore neither plant a withdrawal nor
// move or rewrite one unnoticed by open, cat and show; deleting one (to
// open the record for that purpose again) leaves its entry in the log
// without its value, which check reports (checkconsent.go).

const actionConsentWithdraw = "consent-withdraw"

// maxWithdrawal bounds a stored withdrawal: its record id, a purpose of at
// most maxPurpose bytes and a reason of at most maxReason, JSON-escaped.
const maxWithdrawal = 16 << 10

// withdrawalValue is the stored value of one withdrawal: what its
// consent-withdraw entry names the digest of.
type withdrawalValue struct {
	Format  int    `json:"format"` // 1
	Record  string `json:"record"`
	Purpose string `json:"purpose"`
	Reason  string `json:"reason"`
}

func encodeWithdrawal(w *withdrawalValue) []byte { return mustJSON(w) }

// decodeWithdrawal decodes the stored withdrawal raw of record id. Only
// the exact bytes encodeWithdrawal writes are accepted: one encoding per
// withdrawal, of a known format, for this record, its purpose and reason
// each one line of plain text within their bounds.
func decodeWithdrawal(raw []byte, id string) (*withdrawalValue, error) {
	bad := func(why string) error {
		return integrityErrorf("record %s: a stored consent withdrawal %s", id, why)
	}
	if len(raw) > maxWithdrawal {
		return nil, bad(fmt.Sprintf("is %d bytes long, more than the %d allowed", len(raw), maxWithdrawal))
	}
	var w withdrawalValue
	if err := json.Unmarshal(raw, &w); err != nil || !bytes.Equal(encodeWithdrawal(&w), raw) {
		return nil, bad("is malformed")
	}
	switch {
	case w.Format != 1:
		return nil, bad(fmt.Sprintf("has format %d, which this tvault does not know: upgrade tvault", w.Format))
	case w.Record != id:
		return nil, bad("names another record: it was moved")
	case checkPurposeText(w.Purpose) != nil || w.Purpose == "":
		return nil, bad("has a malformed purpose")
	case checkReason(w.Reason, "") != nil:
		return nil, bad("has a malformed reason")
	}
	return &w, nil
}

// withdrawalDetail is the detail of a consent-withdraw entry.
func withdrawalDetail(purpose, reason string) string {
	return "purpose: " + purpose + "; reason: " + reason
}

// Withdrawal is one withdrawal of consent to a purpose.
type Withdrawal struct {
	Purpose string    `json:"purpose"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Entry   int64     `json:"entry"` // the consent-withdraw entry
}

// ConsentInfo is a record's consent: what the interviewee agreed to at
// sealing, what is left of it, and each withdrawal since.
type ConsentInfo struct {
	// Given is the record's public consent field, as sealed.
	Given []string `json:"given"`
	// InForce is what the record may still be opened for: the purposes
	// given that the policy in force lists and that were not withdrawn.
	// Empty, the record can no longer be opened.
	InForce     []string     `json:"in_force"`
	Withdrawals []Withdrawal `json:"withdrawals"`
}

// withdrawn returns the withdrawal of purpose, or nil.
func (c *ConsentInfo) withdrawn(purpose string) *Withdrawal {
	for i := range c.Withdrawals {
		if c.Withdrawals[i].Purpose == purpose {
			return &c.Withdrawals[i]
		}
	}
	return nil
}

// WithdrawResult is what WithdrawConsent did.
type WithdrawResult struct {
	Record string `json:"record"`
	Withdrawal
	// Already is true when the purpose had been withdrawn before (the
	// Withdrawal is that one): nothing was changed or recorded.
	Already bool     `json:"already_withdrawn"`
	InForce []string `json:"in_force"`
}

// WithdrawConsent withdraws the consent given to purpose for record id,
// from then on: open and cat refuse that purpose (a recorded denial). It
// needs the erase action. purpose must be one the policy lists and still
// in force for the record, and reason one line of plain text; both are
// kept in the audit log. A purpose withdrawn before is no error: the
// result says so and nothing is written, so that a rerun after an
// interruption finishes quietly.
func (a *Actor) WithdrawConsent(ctx context.Context, id, purpose, reason string) (*WithdrawResult, error) {
	const op = actionConsentWithdraw
	if !record.ValidID(id) {
		return nil, &InputError{Msg: fmt.Sprintf("%q is not a record id (20 characters a-z and 2-7, as printed by seal or list)", id)}
	}
	if err := a.authorizeOn(op, policy.ActionErase, id, ""); err != nil {
		return nil, err
	}
	if a.v.field != nil {
		return nil, a.deny(op, id, "", "this is a field vault: consent is withdrawn in the vault the record was sealed for, once a bundle has carried it there")
	}
	if err := a.withdrawInput(purpose, reason); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var res *WithdrawResult
	err := a.v.update(func(t *store.Txn) error {
		h, err := a.v.header(t, id)
		if err != nil {
			return err
		}
		c, err := a.v.consentOf(t, h)
		if err != nil {
			return err
		}
		if w := c.withdrawn(purpose); w != nil {
			res = &WithdrawResult{Record: id, Withdrawal: *w, Already: true, InForce: c.InForce}
			return nil
		}
		if !slices.Contains(c.Given, purpose) {
			return &InputError{Msg: fmt.Sprintf("the interviewee of record %s never consented to the purpose %q (%s): there is nothing to withdraw", id, purpose, givenText(c.Given))}
		}
		res, err = a.storeWithdrawal(t, id, purpose, reason)
		if res != nil {
			res.InForce = slices.DeleteFunc(slices.Clone(c.InForce), func(p string) bool { return p == purpose })
		}
		return err
	})
	if err != nil {
		return nil, a.failed(op, id, err)
	}
	return res, nil
}

func givenText(given []string) string {
	if len(given) == 0 {
		return "it has no consent field"
	}
	return "it consented to " + strings.Join(given, ", ")
}

// withdrawInput checks a withdrawal's purpose and reason.
func (a *Actor) withdrawInput(purpose, reason string) error {
	if err := checkPurposeText(purpose); err != nil {
		return err
	}
	if len(a.v.pol.Purposes) == 0 {
		return &InputError{Msg: "this vault's policy lists no purposes: no record's opening depends on consent, so there is none to withdraw"}
	}
	if err := a.v.policyPurpose(purpose); err != nil {
		return err
	}
	if err := checkReason(reason, "withdrawing consent"); err != nil {
		return err
	}
	if d := withdrawalDetail(purpose, reason); len(d) > maxEntryDetail {
		return &InputError{Msg: fmt.Sprintf("the purpose and the reason are %d bytes together, more than the audit log keeps: shorten the reason to at most %d bytes",
			len(purpose)+len(reason), maxEntryDetail-len(d)+len(reason))}
	}
	return nil
}

// storeWithdrawal appends the consent-withdraw entry and stores the value
// it names, in one transaction.
func (a *Actor) storeWithdrawal(t *store.Txn, id, purpose, reason string) (*WithdrawResult, error) {
	raw := encodeWithdrawal(&withdrawalValue{Format: 1, Record: id, Purpose: purpose, Reason: reason})
	e, err := a.appendEntry(t, audit.Entry{Action: actionConsentWithdraw, Record: id, Outcome: audit.OutcomeOK,
		Detail: withdrawalDetail(purpose, reason), Digest: audit.Digest(raw)})
	if err != nil {
		return nil, err
	}
	if err := t.PutConsentWithdrawal(id, e.Seq, raw); err != nil {
		return nil, err
	}
	return &WithdrawResult{Record: id, Withdrawal: Withdrawal{Purpose: purpose, Reason: reason, At: e.Time, By: e.Actor, Entry: e.Seq}}, nil
}

// consentOf reads record h's consent: given, withdrawn (each withdrawal
// verified) and what is left in force.
func (v *Vault) consentOf(t *store.Txn, h *record.Header) (*ConsentInfo, error) {
	ws, err := v.withdrawals(t, h.ID)
	if err != nil {
		return nil, err
	}
	c := &ConsentInfo{Given: consented(h), InForce: []string{}, Withdrawals: ws}
	if c.Given == nil {
		c.Given = []string{}
	}
	for _, p := range c.Given {
		if slices.Contains(v.pol.Purposes, p) && c.withdrawn(p) == nil && !slices.Contains(c.InForce, p) {
			c.InForce = append(c.InForce, p)
		}
	}
	return c, nil
}

// showConsent is consentOf for show: nil for a record whose consent
// does not matter, in a vault whose policy lists no purposes.
func (v *Vault) showConsent(t *store.Txn, h *record.Header) (*ConsentInfo, error) {
	c, err := v.consentOf(t, h)
	if err != nil || (len(v.pol.Purposes) == 0 && len(c.Given) == 0 && len(c.Withdrawals) == 0) {
		return nil, err
	}
	return c, nil
}

// withdrawals reads and verifies every withdrawal stored for record id, in
// entry order.
func (v *Vault) withdrawals(t *store.Txn, id string) ([]Withdrawal, error) {
	ws := []Withdrawal{}
	err := t.EachConsentWithdrawal(id, func(seq int64, raw []byte) error {
		e, w, err := v.withdrawalEntry(t, id, seq, raw)
		if err != nil {
			return err
		}
		ws = append(ws, Withdrawal{Purpose: w.Purpose, Reason: w.Reason, At: e.Time, By: e.Actor, Entry: e.Seq})
		return nil
	})
	return ws, err
}

// withdrawalEntry decodes the withdrawal raw stored for record id under
// seq and checks that audit entry seq made it: a successful
// consent-withdraw of that record naming the digest of exactly raw, its
// signature valid, by a member who held the erase action with that key
// under the policy in force then.
func (v *Vault) withdrawalEntry(t *store.Txn, id string, seq int64, raw []byte) (audit.Entry, *withdrawalValue, error) {
	w, err := decodeWithdrawal(raw, id)
	if err != nil {
		return audit.Entry{}, nil, err
	}
	subject := fmt.Sprintf("record %s: the withdrawal of consent to %q", id, w.Purpose)
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, nil, integrityErrorf("%s names audit entry %d, which is not in the log: it was planted", subject, seq)
	}
	if err != nil {
		return audit.Entry{}, nil, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return audit.Entry{}, nil, integrityErrorf("%s: its audit entry %d is malformed", subject, seq)
	}
	if e.Action != actionConsentWithdraw || e.Outcome != audit.OutcomeOK || e.Seq != seq || e.Record != id {
		return e, nil, integrityErrorf("%s: audit entry %d is not the consent-withdraw entry of this record: it was planted or moved", subject, seq)
	}
	if e.Digest != audit.Digest(raw) {
		return e, nil, integrityErrorf("%s is not the one its audit entry %d names: it was rewritten", subject, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return e, nil, integrityErrorf("%s: its audit entry %d: %v", subject, seq, err)
	}
	pol, err := v.policyAt(v.versionInForce(seq))
	if err != nil {
		return e, nil, err
	}
	m, ok := pol.Member(e.Actor)
	if !ok || !bytes.Equal(m.SigningPublicKey, record.SignerKey(e.ActorKey)) || !pol.May(e.Actor, policy.ActionErase) {
		return e, nil, integrityErrorf("%s was made by %q, who did not hold the erase action when it was made (audit entry %d)", subject, e.Actor, seq)
	}
	return e, w, nil
}

// checkWithdrawn denies op on record id for a purpose whose consent was
// withdrawn, recording the denial with the purpose asked.
func (a *Actor) checkWithdrawn(op, id, class, purpose string) error {
	var ws []Withdrawal
	err := a.v.view(func(t *store.Txn) error {
		var err error
		ws, err = a.v.withdrawals(t, id)
		return err
	})
	if err != nil {
		return a.failed(op, id, err)
	}
	c := ConsentInfo{Withdrawals: ws}
	if w := c.withdrawn(purpose); w != nil {
		return a.deny(op, id, class, fmt.Sprintf("the interviewee withdrew consent to the purpose %q (audit entry %d)", purpose, w.Entry))
	}
	return nil
}
