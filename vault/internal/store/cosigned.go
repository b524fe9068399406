package store

// prefixCosigned holds, per witness, the latest checkpoint that witness
// cosigned: the member-signed note with the witness's cosignature lines
// appended, keyed by the witness's key name and key hash,
// log/cosigned/<name>+<key hash as 8 hex digits>. Names cannot contain
// '+' (signed-note), so the key is unambiguous.
var prefixCosigned = []byte("log/cosigned/")

// Cosigned returns the checkpoint kept for a witness, or nil if none. It is
// a copy of what a witness returned: the caller verifies it.
func (t *Txn) Cosigned(witness string) ([]byte, error) {
	v, err := t.get(cat(prefixCosigned, []byte(witness)))
	if err == ErrNotFound {
		return nil, nil
	}
	return v, err
}

// PutCosigned replaces the checkpoint kept for a witness.
func (t *Txn) PutCosigned(witness string, note []byte) error {
	return t.set(cat(prefixCosigned, []byte(witness)), note)
}

// EachCosigned calls fn for every kept cosigned checkpoint, in witness
// order.
func (t *Txn) EachCosigned(fn func(witness string, note []byte) error) error {
	return t.each(prefixCosigned, true, func(s, v []byte) error { return fn(string(s), v) })
}
