package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/tvault/tvault/vault/internal/store"
)

// Verifying a header for list costs a seal entry read and parsed and a
// signature checked, about ten times what reading the header costs. A
// member who has verified a header keeps a mark of it: an HMAC, under a
// key only their identity derives, of the record id and the SHA-256 of the
// exact header bytes verified. A later list by the same member accepts an
// unchanged header on its mark; a header changed in any way has no valid
// mark and is verified again. No one else can make a member's marks
// without their identity. The marks speed up list alone: show, open, cat
// and check verify every time. A seal entry tampered with after a mark
// was made is found by show, check and audit verify.

const listCacheInfo = "tvault list cache v1"

// listCache makes and checks one member's marks.
type listCache struct {
	key    []byte
	member string // the store's name for the member's marks
}

type listMark struct {
	id   string
	mark []byte
}

func (a *Actor) listCache() *listCache {
	seed := a.id.SigningKey().Seed()
	key, err := hkdf.Key(sha256.New, seed, []byte(a.v.meta.ID), listCacheInfo, 32)
	if err != nil {
		return nil // cannot happen for a 32-byte key; list then verifies everything
	}
	return &listCache{key: key, member: listCacheName(a.id.SigningPublicKey())}
}

// listCacheName is the store's name for the marks of the member with
// signing key pub.
func listCacheName(pub []byte) string {
	fp := sha256.Sum256(pub)
	return hex.EncodeToString(fp[:8])
}

// listCacheNames returns the store's names for the marks of every member of
// every policy version: whoever may have listed a record.
func (v *Vault) listCacheNames() []string {
	var out []string
	for _, pv := range v.pols {
		for _, m := range pv.Parsed.Members {
			if n := listCacheName(m.SigningPublicKey); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// mark returns the mark of record id with header raw.
func (c *listCache) mark(id string, raw []byte) []byte {
	digest := sha256.Sum256(raw)
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(listCacheInfo + "\x00" + id + "\x00"))
	m.Write(digest[:])
	return m.Sum(nil)
}

// known reports whether the member verified exactly this header before.
func (c *listCache) known(t *store.Txn, id string, mark []byte) bool {
	if c == nil {
		return false
	}
	stored, err := t.ListCache(c.member, id)
	return err == nil && hmac.Equal(stored, mark)
}

// save stores new marks, a few thousand per transaction. It is a cache:
// failing to store it (a full disk, say) costs the next list time only,
// so errors are ignored.
func (a *Actor) saveListMarks(c *listCache, marks []listMark) {
	const perTxn = 4096
	for len(marks) > 0 && c != nil {
		n := min(len(marks), perTxn)
		chunk := marks[:n]
		marks = marks[n:]
		err := a.v.update(func(t *store.Txn) error {
			for _, m := range chunk {
				if err := t.PutListCache(c.member, m.id, m.mark); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return
		}
	}
}
