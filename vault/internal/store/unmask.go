package store

import (
	"encoding/binary"
	"fmt"
)

// Unmask requests and their grants (vault/unmask*.go): each signed value,
// and a pointer to the audit entry that names its digest.
//
//	unm/r/<request>            signed request
//	unm/g/<request>/<member>   signed grant of member
//	log/unmask/r/<request>     seq of the request's unmask-request entry
//	log/unmask/g/<request>/<member>  seq of the grant's unmask-approve entry
var (
	prefixUnmaskR  = []byte("unm/r/")
	prefixUnmaskG  = []byte("unm/g/")
	prefixUnmaskRE = []byte("log/unmask/r/")
	prefixUnmaskGE = []byte("log/unmask/g/")
)

func grantKey(prefix []byte, request, member string) []byte {
	return cat(prefix, []byte(request), []byte("/"), []byte(member))
}

// UnmaskRequest returns the signed unmask request id.
func (t *Txn) UnmaskRequest(id string) ([]byte, error) { return t.get(cat(prefixUnmaskR, []byte(id))) }

// PutUnmaskRequest stores a signed unmask request and the seq of the audit
// entry that names it.
func (t *Txn) PutUnmaskRequest(id string, v []byte, seq int64) error {
	if err := t.set(cat(prefixUnmaskR, []byte(id)), v); err != nil {
		return err
	}
	return t.set(cat(prefixUnmaskRE, []byte(id)), u64(uint64(seq)))
}

// UnmaskRequestEntry returns the seq of the audit entry of unmask request
// id. Like SealEntry it is only a pointer; the caller checks the entry.
func (t *Txn) UnmaskRequestEntry(id string) (int64, error) {
	return t.seqAt(cat(prefixUnmaskRE, []byte(id)), "unmask request "+id)
}

// EachUnmaskRequest calls fn with every stored unmask request, in id order.
func (t *Txn) EachUnmaskRequest(fn func(id string, v []byte) error) error {
	return t.each(prefixUnmaskR, true, func(s, v []byte) error { return fn(string(s), v) })
}

// UnmaskGrant returns member's signed grant of unmask request request.
func (t *Txn) UnmaskGrant(request, member string) ([]byte, error) {
	return t.get(grantKey(prefixUnmaskG, request, member))
}

// PutUnmaskGrant stores member's signed grant of an unmask request and the
// seq of the audit entry that names it.
func (t *Txn) PutUnmaskGrant(request, member string, v []byte, seq int64) error {
	if err := t.set(grantKey(prefixUnmaskG, request, member), v); err != nil {
		return err
	}
	return t.set(grantKey(prefixUnmaskGE, request, member), u64(uint64(seq)))
}

// UnmaskGrantEntry returns the seq of the audit entry of member's grant of
// an unmask request.
func (t *Txn) UnmaskGrantEntry(request, member string) (int64, error) {
	return t.seqAt(grantKey(prefixUnmaskGE, request, member), "the approval of unmask request "+request)
}

// EachUnmaskGrant calls fn with every stored grant of unmask request
// request, in member order.
func (t *Txn) EachUnmaskGrant(request string, fn func(member string, v []byte) error) error {
	return t.each(cat(prefixUnmaskG, []byte(request), []byte("/")), true, func(s, v []byte) error { return fn(string(s), v) })
}

func (t *Txn) seqAt(key []byte, what string) (int64, error) {
	v, err := t.get(key)
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("audit entry of %s: %w", what, ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}
