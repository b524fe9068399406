package record

import (
	"encoding/json"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Header is a record's signed header: what anyone with access to the vault
// may see. It carries no plaintext hash and no file name: those would let
// someone holding a known recording confirm who spoke. The sealer signs the
// exact stored bytes.
type Header struct {
	Format        int            `json:"format"`
	ID            string         `json:"id"`
	Vault         string         `json:"vault"`
	SealedAt      time.Time      `json:"sealed_at"`
	SealedBy      string         `json:"sealed_by"`
	SealerKey     string         `json:"sealer_key"`
	PolicyVersion int64          `json:"policy_version"`
	Public        map[string]any `json:"public"`
	Parts         []Part         `json:"classes"`
}

func (h *Header) signerKey() string { return h.SealerKey }

// Part is one encrypted class of a record: its class manifest and its
// attachments, each an age file stored as a blob. "Part" is the one word
// for a class of a record throughout the vault.
type Part struct {
	Class     string    `json:"class"`
	Epoch     int       `json:"epoch"`
	Threshold int       `json:"threshold"`
	Manifest  BlobRef   `json:"manifest"`
	Blobs     []BlobRef `json:"blobs"`
}

// Refs returns the part's blob references, manifest first.
func (p Part) Refs() []BlobRef { return append([]BlobRef{p.Manifest}, p.Blobs...) }

// BlobRef names one stored age file and pins its ciphertext.
type BlobRef struct {
	ID     string `json:"id"`
	Size   int64  `json:"size"`
	BLAKE3 string `json:"blake3"` // hex BLAKE3-256 of the whole age file
}

// Part returns the record's part of class, if it has one.
func (h *Header) Part(class string) (Part, bool) {
	for _, p := range h.Parts {
		if p.Class == class {
			return p, true
		}
	}
	return Part{}, false
}

// Classes lists the classes of the record's parts in header order.
func (h *Header) Classes() []string {
	out := make([]string, len(h.Parts))
	for i, p := range h.Parts {
		out[i] = p.Class
	}
	return out
}

// SignHeader signs h as the identity id.
func SignHeader(id *tcrypto.Identity, h *Header) ([]byte, error) { return signJSON(id, h) }

// DecodeHeader checks a stored header's signature against its sealer key,
// parses it and checks that it is the header of record id. Whether the
// sealer was entitled is the caller's question, answered against the policy
// version the header names.
func DecodeHeader(id string, raw []byte) (*Header, error) {
	h, err := decode[Header](raw, "record "+id+": header")
	if err != nil {
		return nil, err
	}
	if h.ID != id {
		return nil, fault.Integrityf("record %s: header belongs to record %s", id, h.ID)
	}
	if !knownFormat(h.Format) {
		return nil, fault.Integrityf("record %s: header format %d is not one this tvault reads (it reads %d and %d); a newer tvault may",
			id, h.Format, FormatUnpadded, FormatPadded)
	}
	return h, nil
}

// listingHeader is the part of a header that a listing shows: decoding only
// it skips the blob references, most of a header's bytes.
type listingHeader struct {
	ID            string         `json:"id"`
	Vault         string         `json:"vault"`
	SealedAt      time.Time      `json:"sealed_at"`
	SealedBy      string         `json:"sealed_by"`
	SealerKey     string         `json:"sealer_key"`
	PolicyVersion int64          `json:"policy_version"`
	Public        map[string]any `json:"public"`
	Parts         []struct {
		Class string `json:"class"`
	} `json:"classes"`
}

// ParseListing parses the listed fields of a stored header (id, vault,
// time, sealer and key, policy version, public metadata, classes) WITHOUT
// checking its signature: for listing many records fast, where the
// caller binds the header to its seal entry instead (vault/binding.go).
func ParseListing(id string, raw []byte) (*Header, error) {
	_, body, err := Split(raw)
	if err != nil {
		return nil, fault.Integrityf("record %s: header %v", id, err)
	}
	var lh listingHeader
	if err := json.Unmarshal(body, &lh); err != nil {
		return nil, fault.Integrityf("record %s: header %v", id, errUnreadable)
	}
	if lh.ID != id {
		return nil, fault.Integrityf("record %s: header belongs to record %s", id, lh.ID)
	}
	h := &Header{ID: lh.ID, Vault: lh.Vault, SealedAt: lh.SealedAt, SealedBy: lh.SealedBy, SealerKey: lh.SealerKey,
		PolicyVersion: lh.PolicyVersion, Public: lh.Public}
	for _, p := range lh.Parts {
		h.Parts = append(h.Parts, Part{Class: p.Class})
	}
	return h, nil
}
