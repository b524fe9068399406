package store

import (
	"encoding/binary"
	"fmt"
)

// Consent withdrawals (vault/withdraw.go): each is a small value of its
// own, keyed by its record and the seq of the consent-withdraw entry that
// names its digest, so that the key is also the pointer to that entry.
// An erase of the whole record drops the prefix consent/<id>/
// (consentPrefix) with the rest of the record.
//
//	consent/<id>/<seq:8 BE>    one withdrawal of consent to a purpose
//
// (prefixConsent is declared with the erasure keys, erase.go.)

func consentPrefix(id string) []byte { return cat(prefixConsent, []byte(id), []byte("/")) }

// PutConsentWithdrawal stores a withdrawal of record id's consent, named by
// the digest of the audit entry seq.
func (t *Txn) PutConsentWithdrawal(id string, seq int64, v []byte) error {
	return t.set(cat(consentPrefix(id), u64(uint64(seq))), v)
}

// EachConsentWithdrawal calls fn with every withdrawal stored for record
// id, in entry order.
func (t *Txn) EachConsentWithdrawal(id string, fn func(seq int64, v []byte) error) error {
	return t.each(consentPrefix(id), true, func(s, v []byte) error {
		if len(s) != 8 {
			return fmt.Errorf("consent withdrawal of record %s: %w", id, ErrCorrupt)
		}
		return fn(int64(binary.BigEndian.Uint64(s)), v)
	})
}

// EachConsent calls fn with every stored withdrawal of any record, in key
// order. A key that is not <id>/<seq:8 BE> comes with seq -1.
func (t *Txn) EachConsent(fn func(id string, seq int64, v []byte) error) error {
	return t.each(prefixConsent, true, func(s, v []byte) error {
		// A record id holds no '/', but a seq's bytes may.
		i := len(s) - 9
		if i < 1 || s[i] != '/' {
			return fn(string(s), -1, v)
		}
		return fn(string(s[:i]), int64(binary.BigEndian.Uint64(s[i+1:])), v)
	})
}

// DeleteConsentWithdrawal removes one stored withdrawal. tvault itself
// never removes one short of erasing the record; the tamper tests use it
// to play someone with the vault folder who deletes a withdrawal to open
// the record for that purpose again.
func (t *Txn) DeleteConsentWithdrawal(id string, seq int64) error {
	return t.del(cat(consentPrefix(id), u64(uint64(seq))))
}
