package vault

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// A record whose stored header no longer verifies (a flipped byte: disk
// damage, or someone with the vault folder who wants it kept) must still
// be erasable: otherwise its wraps, attachments, index entries and the
// header itself stay in the folder however the interviewee withdrew
// consent. Its header is then decoded without being trusted, and only for
// what belongs to its record id: every key erased is the record's own (its
// header, dek/<id>/, consent/<id>/, blobs whose ids begin "<id>-", index
// keys ending in its id, found by scanning the index, not taken from the
// damaged values), so a forged header cannot make the erase take another
// record's data.

// damagedHeader parses record id's stored header raw without verifying
// it, for erasing it whole; verr is the verification's error, returned if
// even decoding fails.
func damagedHeader(raw []byte, id string, verr error) (*record.Header, error) {
	// record.DecodeHeader verifies the signature: parse the body alone.
	_, body, err := record.Split(raw)
	var h record.Header
	if err != nil || json.Unmarshal(body, &h) != nil || h.ID != id {
		return nil, verr
	}
	return &h, nil
}

// scopeDamaged narrows er, worked out from a header that did not verify,
// to what is record er.ID's own, and adds its blobs and index entries
// found by their keys.
func (v *Vault) scopeDamaged(ctx context.Context, t *store.Txn, er *store.Erasure) error {
	own := func(b string) bool { return recordBlob(er.ID, b) && blobs.ValidID(b) }
	er.Blobs = slices.DeleteFunc(er.Blobs, func(b string) bool { return !own(b) })
	er.Classes = slices.DeleteFunc(er.Classes, func(c string) bool { return c == "" || strings.ContainsAny(c, "/*") })
	add := func(b string) {
		if own(b) && !slices.Contains(er.Blobs, b) {
			er.Blobs = append(er.Blobs, b)
		}
	}
	if _, err := t.EachBlob(func(id string, _ int64) error { add(id); return nil }); err != nil {
		return err
	}
	err := v.blobs.List(ctx, func(info blobs.Info) error { add(info.ID); return nil })
	if err != nil && !errors.Is(err, blobs.ErrNotExist) {
		return err
	}
	er.Index, err = t.IndexEntriesOf(er.ID)
	return err
}
