package vault

import (
	"context"
	"errors"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// RecordInfo is what show tells about one record.
type RecordInfo struct {
	Listing
	PolicyVersion int64  `json:"policy_version"`
	Signature     string `json:"signature"` // "valid": the header verified and its sealer was entitled
	// SealEntry is the audit entry that sealed the record; HeaderDigest
	// the digest of the header it names ("" for a record sealed before
	// format 3, bound to its entry by sealer and time only).
	SealEntry    int64  `json:"seal_entry"`
	HeaderDigest string `json:"header_digest,omitempty"`
	// ImportEntry is, for a record a bundle brought in from a field vault
	// (which has no seal entry here), the bundle-import entry that brought
	// it, and Bundle the digest of the bundle's manifest, which lists the
	// header; SealEntry is then 0 and HeaderDigest the header's digest.
	ImportEntry int64      `json:"import_entry,omitempty"`
	Bundle      string     `json:"bundle,omitempty"`
	Parts       []PartInfo `json:"parts"`
	// Consent is the record's consent and its withdrawals (withdraw.go);
	// nil where neither the policy nor the record names purposes.
	Consent *ConsentInfo `json:"consent,omitempty"`
	// HeldIn is the hold entry of the legal hold on the record, if it is
	// held: erase and retention refuse it.
	HeldIn int64 `json:"held_in,omitempty"`
}

// PartInfo describes one part of a record without decrypting it.
type PartInfo struct {
	Class       string `json:"class"`
	Epoch       int    `json:"epoch"`
	Threshold   int    `json:"threshold"`
	Attachments int    `json:"attachments"`
	Bytes       int64  `json:"ciphertext_bytes"`
	// ErasedIn is the erase entry that erased this class, if one did: its
	// keys and attachments are gone.
	ErasedIn int64 `json:"erased_in,omitempty"`
}

// Show returns one record's public metadata after verifying its header's
// signature, that the sealer was allowed to seal, and that the header is
// the one its seal entry names.
func (a *Actor) Show(ctx context.Context, id string) (*RecordInfo, error) {
	if err := a.authorize("show", ""); err != nil {
		return nil, err
	}
	var info *RecordInfo
	err := a.v.view(func(t *store.Txn) error {
		h, e, err := a.v.sealedHeader(t, id)
		if err != nil {
			return err
		}
		info = &RecordInfo{Listing: listing(h), PolicyVersion: h.PolicyVersion, Signature: "valid", SealEntry: e.Seq, HeaderDigest: e.Digest}
		if info.Consent, err = a.v.showConsent(t, h); err != nil {
			return err
		}
		if e.Action == actionBundleImport {
			raw, err := t.Header(id)
			if err != nil {
				return err
			}
			info.SealEntry, info.ImportEntry, info.Bundle, info.HeaderDigest = 0, e.Seq, e.Digest, audit.Digest(raw)
		}
		if info.HeldIn, err = t.Hold(id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		marks, err := t.Erased(id)
		if err != nil {
			return err
		}
		for _, p := range h.Parts {
			pi := PartInfo{Class: p.Class, Epoch: p.Epoch, Threshold: p.Threshold, Attachments: len(p.Blobs), Bytes: p.Manifest.Size,
				ErasedIn: marks[p.Class]}
			for _, b := range p.Blobs {
				pi.Bytes += b.Size
			}
			info.Parts = append(info.Parts, pi)
		}
		return nil
	})
	if err != nil {
		return nil, a.failed("show", id, err)
	}
	if err := a.recordOK("show", id, "", ""); err != nil {
		return nil, err
	}
	return info, nil
}
