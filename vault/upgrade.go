package vault

import (
	"fmt"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// formatBeforeDigests is the format of vaults whose seal entries do not
// name their headers' digests. Open upgrades such a vault to FormatVersion
// in one transaction: it records, for each record, the entry that sealed
// it (store's log/seal/<id>), and the log's size from which every seal
// entry must name a digest (meta.DigestsFrom). Records sealed before stay
// bound to their entries by sealer and time only; show says which entry
// sealed a record, and SECURITY.md says what that means.
const formatBeforeDigests = 2

// upgrade brings a format 2 vault to the current format. It changes no
// record and appends no audit entry: the pointers it writes are checked
// against the signed entries they point to at every read.
func (v *Vault) upgrade() error {
	if v.meta.Format == FormatVersion {
		return nil
	}
	if !v.origin.legacy {
		return integrityErrorf("the vault's metadata says format %d, but its signed init entry shows a vault created at format %d or later: the metadata was altered; restore the vault folder from a backup", v.meta.Format, FormatVersion)
	}
	return v.update(func(t *store.Txn) error {
		n, err := t.Size()
		if err != nil {
			return err
		}
		for seq := int64(0); seq < n; seq++ {
			leaf, err := t.ReadEntry(seq)
			if err != nil {
				return err
			}
			e, err := audit.ParseLeaf(leaf)
			if err != nil {
				return integrityErrorf("cannot upgrade the vault: audit entry %d is malformed; run 'tvault check' with the tvault that wrote it", seq)
			}
			if e.Action != "seal" || e.Outcome != audit.OutcomeOK || e.Record == "" {
				continue
			}
			if _, err := t.SealEntry(e.Record); err == nil {
				return integrityErrorf("the vault's metadata says format 2, but it already has format 3 records (record %s): the metadata was altered; restore the vault folder from a backup", e.Record)
			}
			if err := t.PutSealEntry(e.Record, seq); err != nil {
				return err
			}
		}
		m := v.meta
		m.Format, m.DigestsFrom = FormatVersion, n
		if err := t.SetMeta(mustJSON(m)); err != nil {
			return fmt.Errorf("cannot upgrade the vault: %w", err)
		}
		v.meta, v.origin.digestsFrom = m, n
		return nil
	})
}
