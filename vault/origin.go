package vault

import (
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// origin is what the vault's signed init entry (audit entry 0, signed by
// its creator) says about it, for the checks that must not rest on the
// unsigned vault metadata: when the vault was created, and from which
// audit entry every seal entry must name its header's digest.
//
// A vault created at format 3 or later has an init entry naming the digest
// of the signed first policy: then every seal entry must name a digest
// (digestsFrom 0), whatever the metadata says. Only a vault created before
// (whose init entry names none) takes the cut-off from the metadata its
// upgrade wrote; check reports any seal entry without a digest after one
// with a digest. An init entry that is missing, malformed or not signed by
// the creator leaves the strictest rule in force (check reports the log).
type origin struct {
	created     time.Time // zero when the init entry did not verify
	legacy      bool      // created before format 3
	digestsFrom int64
}

// loadOrigin reads and verifies the init entry; v.creator and v.meta must
// be loaded.
func (v *Vault) loadOrigin(t *store.Txn) error {
	v.origin = origin{}
	leaf, err := t.ReadEntry(0)
	if err != nil {
		if err == store.ErrNotFound {
			return nil
		}
		return err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil || e.Seq != 0 || e.Action != "init" || e.Outcome != audit.OutcomeOK ||
		e.ActorKey != tcrypto.FormatSigningKey(v.creator.key) || e.VerifySignature() != nil {
		return nil
	}
	v.origin.created = e.Time
	if e.Digest == "" {
		v.origin.legacy, v.origin.digestsFrom = true, v.meta.DigestsFrom
	}
	return nil
}
