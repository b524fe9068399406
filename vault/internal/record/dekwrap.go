package record

import (
	"encoding/json"

	"github.com/tvault/tvault/vault/internal/fault"
)

// DEKWrap holds one part's DEK shares, each age-encrypted to one slot of
// the class's epoch. It is not signed: it changes on rewrap, and a forged
// wrap can only yield a key that fails to open the signed blobs.
type DEKWrap struct {
	Epoch     int      `json:"epoch"`
	Threshold int      `json:"threshold"`
	Shares    [][]byte `json:"shares"`
}

// Encode returns the stored form of w.
func (w *DEKWrap) Encode() ([]byte, error) { return json.Marshal(w) }

// DecodeDEKWrap parses a stored DEK wrap of record id's part of class.
func DecodeDEKWrap(raw []byte, id, class string) (*DEKWrap, error) {
	var w DEKWrap
	if err := json.Unmarshal(raw, &w); err != nil || len(w.Shares) == 0 || w.Epoch < 1 || w.Threshold < 1 {
		return nil, fault.Integrityf("record %s: the key of class %s is unreadable", id, class)
	}
	return &w, nil
}
