package vault

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault/internal/record"
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
		return nil
	}
	if err := a.v.policyPurpose(purpose); err != nil {
		return err
	}
	if slices.Contains(consented(h), purpose) {
		return a.checkWithdrawn(op, h.ID, class, purpose)
	}
	return a.deny(op, h.ID, class, fmt.Sprintf("the interviewee did not consent to the purpose %q", purpose))
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
