package vault

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// maxPurpose is the longest purpose an opening may give, in bytes: the
// audit entry's detail ("purpose: P", and for cat "; range N+N") holds at
// most 1024.
const maxPurpose = 960

// checkPurpose applies consent: where the policy lists purposes, an opening
// must name one (else *InputError, exit 2), and it must be among those the
// interviewee consented to in the record's public consent field (else a
// recorded denial), and not withdrawn since (withdraw.go; else a recorded
// denial too). A purpose is one line of plain text, whether or not the
// policy lists purposes: it goes into the audit log, and a newline or a
// terminal escape there would forge or paint what an auditor reads.
func (a *Actor) checkPurpose(op string, h *record.Header, class, purpose string) error {
	if err := checkPurposeText(purpose); err != nil {
		return err
	}
	if len(a.v.pol.Purposes) == 0 {
		return a.checkAllWithdrawn(op, h, class)
	}
	if err := a.v.policyPurpose(purpose); err != nil {
		return err
	}
	if slices.Contains(consented(h), purpose) {
		return a.checkWithdrawn(op, h.ID, class, purpose)
	}
	return a.deny(op, h.ID, class, fmt.Sprintf("the interviewee did not consent to the purpose %q", purpose))
}

// checkAllWithdrawn denies op on a record whose interviewee withdrew
// consent to every purpose they gave, under a policy that lists no
// purposes (one applied after the withdrawals dropped them): a policy
// change does not give back what the interviewee took back.
func (a *Actor) checkAllWithdrawn(op string, h *record.Header, class string) error {
	given := consented(h)
	if len(given) == 0 {
		return nil
	}
	var ws []Withdrawal
	err := a.v.view(func(t *store.Txn) error {
		var err error
		ws, err = a.v.withdrawals(t, h.ID)
		return err
	})
	if err != nil {
		return a.failed(op, h.ID, err)
	}
	c := ConsentInfo{Withdrawals: ws}
	for _, p := range given {
		if c.withdrawn(p) == nil {
			return nil
		}
	}
	return a.deny(op, h.ID, class, "the interviewee withdrew consent to every purpose they gave: the record can no longer be opened")
}

// checkPurposeText refuses a purpose that is not one line of plain text of
// at most maxPurpose bytes.
func checkPurposeText(purpose string) error {
	if err := text.Line(purpose); err != nil {
		return &InputError{Msg: fmt.Sprintf("the purpose %v: give it as one line of plain text", err)}
	}
	if len(purpose) > maxPurpose {
		return &InputError{Msg: fmt.Sprintf("the purpose is %d bytes long, more than the %d allowed", len(purpose), maxPurpose)}
	}
	return nil
}

// policyPurpose refuses, where the policy lists purposes, a purpose that
// is empty or not one of them.
func (v *Vault) policyPurpose(purpose string) error {
	purposes := v.pol.Purposes
	if purpose == "" {
		return &InputError{Msg: fmt.Sprintf("this vault's policy lists purposes (%s): say which one with --purpose", strings.Join(purposes, ", "))}
	}
	if !slices.Contains(purposes, purpose) {
		return &InputError{Msg: fmt.Sprintf("%q is not a purpose of this vault's policy (%s)", purpose, strings.Join(purposes, ", "))}
	}
	return nil
}

// consented is the purposes the interviewee agreed to at sealing: the
// header's public consent field.
func consented(h *record.Header) []string {
	v, ok := h.Public["consent"]
	if !ok {
		return nil
	}
	return indexValues(v)
}

func purposeDetail(p string) string {
	if p == "" {
		return ""
	}
	return "purpose: " + p
}
