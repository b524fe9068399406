package vault

import (
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// RetentionChange is a class whose retention a policy version sets where
// there was none, or shortens (policy.MayShorten): its records already
// sealed expire sooner than they did, which policy apply must say.
type RetentionChange struct {
	Class string `json:"class"`
	// From and To are the retentions ("10y"; "" for kept for ever).
	From string `json:"from"`
	To   string `json:"to"`
	// Expired counts the records of the class already past the new
	// retention when it was applied: the next retention run erases them
	// (those not held).
	Expired int `json:"expired"`
}

// retentionChanges returns the retention changes among changes (from cur
// to next) that can make records expire sooner, each with how many records
// the new rule has expired at now. The count reads every header without
// verifying it (it only informs; retention run verifies what it erases).
func (v *Vault) retentionChanges(cur, next *policy.Policy, changes []policy.Change, now time.Time) ([]RetentionChange, error) {
	var out []RetentionChange
	for _, c := range changes {
		if c.Kind == "class-retention" && c.Shortens {
			out = append(out, RetentionChange{Class: c.Subject, From: cur.Retention(c.Subject).String(), To: next.Retention(c.Subject).String()})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	err := v.view(func(t *store.Txn) error {
		return t.EachHeader(func(id string, raw []byte) error {
			h, err := record.ParseListing(id, raw)
			if err != nil {
				return nil // damaged: check's to report, retention run's to leave alone
			}
			for i, rc := range out {
				if _, ok := h.Part(rc.Class); !ok || !next.Retention(rc.Class).Expired(h.SealedAt, now) {
					continue
				}
				marks, err := t.Erased(id)
				if err != nil {
					return err
				}
				if _, gone := erasedAs(marks, rc.Class); !gone {
					out[i].Expired++
				}
			}
			return nil
		})
	})
	return out, err
}
