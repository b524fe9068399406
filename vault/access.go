package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// partAccess is what a member can do with one part of a record: its DEK
// and decrypted manifest, or why they cannot decrypt it.
type partAccess struct {
	part   record.Part
	padded bool // the record's blobs are padded (its header's format)
	dek    []byte
	man    *record.Manifest
	reason string // why the member cannot decrypt it, when dek is nil
	via    string // how approvals opened it, for the audit entry ("unmasked with request …"); "" when their own keys did
}

// access works out whether the actor can decrypt one part of a record, and
// if so unwraps its DEK and decrypts its manifest. A missing wrap is the
// cryptographic boundary; the policy check before it only turns that
// boundary into a clear reason (and denies a member whose role was
// withdrawn but whose old wrap is still there until rotation).
func (a *Actor) access(ctx context.Context, t *store.Txn, h *record.Header, part record.Part) (*partAccess, error) {
	pa := &partAccess{part: part, padded: h.Padded()}
	if a.v.field != nil {
		pa.reason = errFieldWriteOnly
		return pa, nil
	}
	if !slices.Contains(a.v.pol.Decryptable(a.member.Name), part.Class) {
		pa.reason = fmt.Sprintf("no role of theirs may decrypt class %s", part.Class)
		return pa, nil
	}
	raw, err := t.DEK(h.ID, part.Class)
	if errors.Is(err, store.ErrNotFound) {
		return nil, missingWrap(t, h.ID, part.Class)
	}
	if err != nil {
		return nil, err
	}
	w, err := record.DecodeDEKWrap(raw, h.ID, part.Class)
	if err != nil {
		return nil, err
	}
	e, err := a.v.loadEpoch(t, part.Class, w.Epoch)
	if err != nil {
		return nil, err
	}
	dek, err := e.OpenDEK(w, a.id)
	var te *keys.ThresholdError
	switch {
	case errors.Is(err, keys.ErrNoSlot) && e.Threshold > 1:
		pa.reason = noSlotReason(part.Class, e.Number)
		return pa, nil
	case errors.Is(err, keys.ErrNoSlot):
		pa.reason = fmt.Sprintf("their key holds no slot of class %s epoch %d (a holder must give them its keys with 'tvault keys sync'; a record on an older epoch opens for them once a holder has run 'tvault keys rewrap --class %s')", part.Class, e.Number, part.Class)
		return pa, nil
	case errors.As(err, &te):
		// Alone they are short of the threshold: their unmask requests'
		// approvals may make up the rest (unmaskread.go).
		if dek, err = a.unmasked(t, h.ID, pa, w, e); err != nil {
			return nil, fmt.Errorf("record %s: %w", h.ID, err)
		}
		if dek == nil {
			return pa, nil // pa.reason says what is missing
		}
	case err != nil:
		return nil, fmt.Errorf("record %s: %w", h.ID, err)
	}
	pa.dek = dek
	if pa.man, err = a.v.readManifest(ctx, h, part, dek); err != nil {
		clear(dek)
		pa.dek = nil
		return nil, err
	}
	return pa, nil
}

// readManifest decrypts and checks one part's manifest, and its padding.
func (v *Vault) readManifest(ctx context.Context, h *record.Header, part record.Part, dek []byte) (*record.Manifest, error) {
	var buf bytes.Buffer
	limit := int64(record.MaxManifestJSON)
	if h.Padded() {
		limit = record.MaxManifestPlaintext
	}
	if err := v.decryptBlob(ctx, dek, part.Manifest, &buf, limit); err != nil {
		return nil, err
	}
	b, err := record.UnpadManifest(buf.Bytes(), h.ID, part.Class, h.Padded())
	if err != nil {
		return nil, err
	}
	return record.DecodeManifest(b, h.ID, part)
}

// accessAll works out access to the named classes of record id (every
// class when none is named), in one read transaction.
func (a *Actor) accessAll(ctx context.Context, id string, classes []string) (*record.Header, []*partAccess, error) {
	var h *record.Header
	var access []*partAccess
	err := a.v.view(func(t *store.Txn) error {
		var err error
		if h, err = a.v.header(t, id); err != nil {
			return err
		}
		marks, err := t.Erased(id)
		if err != nil {
			return err
		}
		want := slices.DeleteFunc(h.Classes(), func(c string) bool { _, gone := marks[c]; return gone })
		if len(classes) > 0 {
			want = nil
			for _, c := range classes {
				if !slices.Contains(want, c) {
					want = append(want, c)
				}
			}
		}
		for _, c := range want {
			part, err := partOf(h, c)
			if err != nil {
				return err
			}
			if seq, gone := marks[c]; gone {
				return erasedError(EraseTarget{ID: id, Class: c}, seq)
			}
			pa, err := a.access(ctx, t, h, part)
			if err != nil {
				return err
			}
			access = append(access, pa)
		}
		return nil
	})
	if err != nil {
		forget(access)
		return nil, nil, err
	}
	return h, access, nil
}

// forget clears the DEKs of access.
func forget(access []*partAccess) {
	for _, pa := range access {
		if pa != nil {
			clear(pa.dek)
		}
	}
}
