package vault

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tvault/tvault/vault/internal/record"
)

// checkPurpose applies consent: where the policy lists purposes, an opening
// must name one (else *InputError, exit 2), and it must be among those the
// interviewee consented to in the record's public consent field (else a
// recorded denial).
func (a *Actor) checkPurpose(op string, h *record.Header, class, purpose string) error {
	purposes := a.v.pol.Purposes
	if len(purposes) == 0 {
		return nil
	}
	if purpose == "" {
		return &InputError{Msg: fmt.Sprintf("this vault's policy lists purposes (%s): say which one with --purpose", strings.Join(purposes, ", "))}
	}
	if !slices.Contains(purposes, purpose) {
		return &InputError{Msg: fmt.Sprintf("%q is not a purpose of this vault's policy (%s)", purpose, strings.Join(purposes, ", "))}
	}
	if slices.Contains(indexValues(h.Public["consent"]), purpose) {
		return nil
	}
	return a.deny(op, h.ID, class, fmt.Sprintf("the interviewee did not consent to the purpose %q", purpose))
}

func purposeDetail(p string) string {
	if p == "" {
		return ""
	}
	return "purpose: " + p
}
