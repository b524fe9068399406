package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionBundlePurge is the audit action of PurgeBundle.
const actionBundlePurge = "bundle-purge"

// PurgeReport says what a purge removed.
type PurgeReport struct {
	// Purged counts the records removed; Kept those the receipt lists
	// that this field vault does not hold (purged before) or holds with
	// another header (kept: the receipt does not vouch for them).
	Purged, Kept int
}

// PurgeBundle removes from a field vault exactly the records a receipt
// from the vault proves it holds: the receipt must be signed with the
// receipt key of this field vault's kit (only a member of the vault can
// make one), name this field vault, and list each record with the digest
// of the very header held here. The headers, wraps, index entries and the
// seal pointers go in one transaction with the bundle-purge entry; then the
// blobs (a crash in between leaves blobs that check reports and check
// --repair removes). The field log keeps its entries.
func (a *Actor) PurgeBundle(ctx context.Context, receipt []byte) (*PurgeReport, error) {
	if a.v.field == nil {
		return nil, &InputError{Msg: "bundle purge works on a field vault, with a receipt from the vault's bundle import"}
	}
	if err := a.authorize(actionBundlePurge, policy.ActionSeal); err != nil {
		return nil, err
	}
	r, err := record.DecodeReceipt(receipt, a.v.field.kit.Receipt)
	if err != nil {
		return nil, a.failed(actionBundlePurge, "", err)
	}
	if r.Vault != a.v.field.kit.Vault || r.Field != a.v.meta.ID {
		return nil, a.failed(actionBundlePurge, "", integrityErrorf("the receipt is for another field vault or vault"))
	}
	rep := &PurgeReport{}
	err = a.v.update(func(t *store.Txn) error {
		*rep = PurgeReport{}
		var purged []*store.Erasure
		for _, br := range r.Records {
			raw, err := t.Header(br.ID)
			if err != nil || audit.Digest(raw) != br.Header {
				rep.Kept++
				continue
			}
			h, err := record.DecodeHeader(br.ID, raw)
			if err != nil {
				return err
			}
			er, err := a.v.erasure(t, h, "", nil)
			if err != nil {
				return err
			}
			er.Unmarked = true
			purged = append(purged, er)
		}
		rep.Purged = len(purged)
		e, err := a.appendEntry(t, audit.Entry{Action: actionBundlePurge, Outcome: audit.OutcomeOK,
			Detail: fmt.Sprintf("%d records the vault holds removed, %d kept", rep.Purged, rep.Kept), Digest: audit.Digest(receipt)})
		if err != nil {
			return err
		}
		for _, er := range purged {
			if err := t.DeleteSealEntry(er.ID); err != nil {
				return err
			}
			if err := t.Erase(er, e.Seq); err != nil {
				return err
			}
		}
		return t.PutReceipt(e.Digest, receipt)
	})
	if err != nil {
		return nil, a.failed(actionBundlePurge, "", err)
	}
	// The records' bytes leave the field vault's files too: a seized
	// laptop then holds nothing of them, public metadata included.
	_, err = a.v.scrub(ctx)
	return rep, err
}

// purgedRecords returns the ids of the records the receipts of a field
// vault's bundle-purge entries (their digests) list: a record its log says
// was sealed and that is gone was purged, not lost, if its receipt (kept,
// and checked against the kit's receipt key) lists it.
func (v *Vault) purgedRecords(t *store.Txn, digests []string) (map[string]bool, error) {
	out := map[string]bool{}
	if v.field == nil {
		return out, nil
	}
	for _, d := range digests {
		raw, err := t.Receipt(d)
		if errors.Is(err, store.ErrNotFound) || err == nil && audit.Digest(raw) != d {
			continue // the records it listed are reported missing
		}
		if err != nil {
			return nil, err
		}
		r, err := record.DecodeReceipt(raw, v.field.kit.Receipt)
		if err != nil {
			continue
		}
		for _, br := range r.Records {
			out[br.ID] = true
		}
	}
	return out, nil
}
