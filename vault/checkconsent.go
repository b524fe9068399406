package vault

import (
	"slices"
	"strings"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// noteWithdrawal keeps, in check's pass over the audit log, every
// successful consent-withdraw entry for checkConsent.
func (c *checker) noteWithdrawal(e *audit.Entry) {
	if e.Action != actionConsentWithdraw || e.Outcome != audit.OutcomeOK {
		return
	}
	if c.withdrawn == nil {
		c.withdrawn = map[int64]audit.Entry{}
	}
	c.withdrawn[e.Seq] = *e
}

// checkConsent checks the withdrawals of consent both ways: every stored
// withdrawal was made by its consent-withdraw entry (withdrawalEntry),
// and every such entry of the log still has its withdrawal stored. Open
// and cat read only what is stored, so someone with the vault folder who
// deleted a withdrawal would have the record open for that purpose again:
// only the log, which they cannot rewrite, still says otherwise. A record
// whose header is gone is left out: it was erased, which removes its
// withdrawals with it, or its missing header is reported already.
func (c *checker) checkConsent(t *store.Txn) error {
	type key struct {
		id  string
		seq int64
	}
	stored := map[key]bool{}
	err := t.EachConsent(func(id string, seq int64, raw []byte) error {
		if seq < 0 || !record.ValidID(id) {
			c.errorf("consent", "a value is stored under a key that no withdrawal of consent has: it was not made by tvault")
			return nil
		}
		stored[key{id, seq}] = true
		_, _, err := c.v.withdrawalEntry(t, id, seq, raw)
		return c.finding("record "+id, err)
	})
	if err := c.finding("consent", err); err != nil {
		return err
	}
	seqs := make([]int64, 0, len(c.withdrawn))
	for seq := range c.withdrawn {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		e := c.withdrawn[seq]
		if stored[key{e.Record, seq}] || !c.present[e.Record] {
			continue
		}
		purpose, _, _ := strings.Cut(strings.TrimPrefix(e.Detail, "purpose: "), "; reason: ")
		c.errorf("record "+e.Record, "audit entry %d withdrew consent to the purpose %q, but that withdrawal is no longer stored: it was deleted, and the record would open for that purpose again",
			seq, purpose)
	}
	return nil
}
