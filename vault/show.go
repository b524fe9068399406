package vault

import (
	"context"

	"github.com/tvault/tvault/vault/internal/store"
)

// RecordInfo is what show tells about one record.
type RecordInfo struct {
	Listing
	PolicyVersion int64      `json:"policy_version"`
	Signature     string     `json:"signature"` // "valid": the header verified and its sealer was entitled
	Parts         []PartInfo `json:"parts"`
}

// PartInfo describes one part of a record without decrypting it.
type PartInfo struct {
	Class       string `json:"class"`
	Epoch       int    `json:"epoch"`
	Threshold   int    `json:"threshold"`
	Attachments int    `json:"attachments"`
	Bytes       int64  `json:"ciphertext_bytes"`
}

// Show returns one record's public metadata after verifying its header's
// signature and that the sealer was allowed to seal.
func (a *Actor) Show(ctx context.Context, id string) (*RecordInfo, error) {
	if err := a.authorize("show", ""); err != nil {
		return nil, err
	}
	var info *RecordInfo
	err := a.v.view(func(t *store.Txn) error {
		h, err := a.v.header(t, id)
		if err != nil {
			return err
		}
		info = &RecordInfo{Listing: listing(h), PolicyVersion: h.PolicyVersion, Signature: "valid"}
		for _, p := range h.Parts {
			pi := PartInfo{Class: p.Class, Epoch: p.Epoch, Threshold: p.Threshold, Attachments: len(p.Blobs), Bytes: p.Manifest.Size}
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
