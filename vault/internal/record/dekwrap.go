package record

import (
	"encoding/json"

	"github.com/tvault/tvault/vault/internal/fault"
)

// DEKWrap holds one part's DEK shares, each age-encrypted to one slot of
// the class's epoch. It is not signed: it changes on rewrap, and a forged
// wrap can only yield a key that fails to open the signed blobs.
//
// A wrap comes in one of two forms. Split (Shares): share i of the DEK,
// age-encrypted to slot i. Reshared (From and Parts, Shares empty), made by
// share redistribution when a threshold class's records move to a new
// epoch without their DEK ever being whole in one place: From lists the x
// coordinates of the old holders who contributed, and Parts[j][m] is
// f_{From[m]}(j+1), the contributor's fresh polynomial at slot j's x,
// age-encrypted to slot j; slot j's share is Σ_m λ_m·Parts[j][m] with λ the
// Lagrange coefficients at 0 over From.
type DEKWrap struct {
	Epoch     int        `json:"epoch"`
	Threshold int        `json:"threshold"`
	Shares    [][]byte   `json:"shares"`
	From      []byte     `json:"from,omitempty"`
	Parts     [][][]byte `json:"parts,omitempty"`
}

// Reshared reports whether w is in the reshared form.
func (w *DEKWrap) Reshared() bool { return len(w.Parts) > 0 }

// Slots is the number of slots w is wrapped to.
func (w *DEKWrap) Slots() int {
	if w.Reshared() {
		return len(w.Parts)
	}
	return len(w.Shares)
}

// Encode returns the stored form of w.
func (w *DEKWrap) Encode() ([]byte, error) { return json.Marshal(w) }

// DecodeDEKWrap parses a stored DEK wrap of record id's part of class.
func DecodeDEKWrap(raw []byte, id, class string) (*DEKWrap, error) {
	var w DEKWrap
	if err := json.Unmarshal(raw, &w); err != nil || w.Slots() == 0 || w.Epoch < 1 || w.Threshold < 1 || !w.shaped() {
		return nil, fault.Integrityf("record %s: the key of class %s is unreadable", id, class)
	}
	return &w, nil
}

// shaped checks the two forms apart: a split wrap has no reshared fields;
// a reshared one has no shares, distinct non-zero contributors and one
// part per contributor in every slot.
func (w *DEKWrap) shaped() bool {
	if !w.Reshared() {
		return len(w.From) == 0
	}
	if len(w.Shares) != 0 || len(w.From) == 0 {
		return false
	}
	var seen [256]bool
	for _, x := range w.From {
		if x == 0 || seen[x] {
			return false
		}
		seen[x] = true
	}
	for _, p := range w.Parts {
		if len(p) != len(w.From) {
			return false
		}
	}
	return true
}
