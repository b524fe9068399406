package vault

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/store"
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
	Classes       []ClassPart    `json:"classes"`
}

// ClassPart is one encrypted class of a record: its class manifest and its
// attachments, each an age file stored as a blob.
type ClassPart struct {
	Class     string    `json:"class"`
	Epoch     int       `json:"epoch"`
	Threshold int       `json:"threshold"`
	Manifest  BlobRef   `json:"manifest"`
	Blobs     []BlobRef `json:"blobs"`
}

// BlobRef names one stored age file and pins its ciphertext.
type BlobRef struct {
	ID     string `json:"id"`
	Size   int64  `json:"size"`
	BLAKE3 string `json:"blake3"` // hex BLAKE3-256 of the whole age file
}

// Manifest is a class's encrypted table of contents: its fields and, for
// each attachment, the name, media type, size and plaintext hash.
type Manifest struct {
	Record      string         `json:"record"`
	Class       string         `json:"class"`
	Fields      map[string]any `json:"fields"`
	Attachments []Attachment   `json:"attachments"`
}

// Attachment describes one file of a class.
type Attachment struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // hex SHA-256 of the plaintext
	Blob      string `json:"blob"`
}

// Class returns the part for class, if the record has it.
func (h *Header) Class(class string) (ClassPart, bool) {
	for _, c := range h.Classes {
		if c.Class == class {
			return c, true
		}
	}
	return ClassPart{}, false
}

// ClassNames lists the record's classes in header order.
func (h *Header) ClassNames() []string {
	out := make([]string, len(h.Classes))
	for i, c := range h.Classes {
		out[i] = c.Class
	}
	return out
}

func signHeader(id *tcrypto.Identity, h *Header) ([]byte, error) {
	body, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return sealValue(signBytes(id, body), body), nil
}

// decodeHeader checks a stored header's signature against its sealer key and
// parses it. Whether the sealer was entitled is checked by callers that
// need it (show, check), against the policy version the header names.
func decodeHeader(id string, raw []byte) (*Header, error) {
	sig, body, err := openValue(raw)
	if err != nil {
		return nil, integrityErrorf("record %s: header is damaged", id)
	}
	var h Header
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, integrityErrorf("record %s: header is unreadable", id)
	}
	key, err := tcrypto.ParseSigningKey(h.SealerKey)
	if err != nil || !ed25519.Verify(key, body, sig) {
		return nil, integrityErrorf("record %s: header signature does not verify", id)
	}
	if h.ID != id {
		return nil, integrityErrorf("record %s: header belongs to record %s", id, h.ID)
	}
	return &h, nil
}

func (v *Vault) header(t *store.Txn, id string) (*Header, error) {
	if !ValidID(id) {
		return nil, &InputError{Msg: fmt.Sprintf("%q is not a record id (20 characters a-z and 2-7, as printed by seal or list)", id)}
	}
	raw, err := t.Header(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	h, err := decodeHeader(id, raw)
	if err != nil {
		return nil, err
	}
	if h.Vault != v.meta.ID {
		return nil, integrityErrorf("record %s belongs to another vault", id)
	}
	// The signature only proves the header is whole; that its signer was a
	// member allowed to seal is what makes it a record. Slot recipients are
	// public, so without this anyone who can write to the vault directory
	// could forge one.
	if err := v.verifySealer(t, h); err != nil {
		return nil, err
	}
	return h, nil
}

// verifySealer checks that the header's sealer was a member allowed to seal
// under the policy version the header names, with the key it signed with.
func (v *Vault) verifySealer(t *store.Txn, h *Header) error {
	if h.PolicyVersion < 1 || h.PolicyVersion > v.polVer {
		return integrityErrorf("record %s names policy version %d, which does not exist", h.ID, h.PolicyVersion)
	}
	pol, err := v.policyAt(t, h.PolicyVersion)
	if err != nil {
		return err
	}
	m, ok := pol.Member(h.SealedBy)
	key, _ := tcrypto.ParseSigningKey(h.SealerKey)
	if !ok || !ed25519.PublicKey(m.SigningPublicKey).Equal(key) || !pol.May(m.Name, "seal") {
		return integrityErrorf("record %s was signed by %q, who was not allowed to seal under policy version %d", h.ID, h.SealedBy, h.PolicyVersion)
	}
	return nil
}

// dekWrap holds one class's DEK shares of one record, each age-encrypted to
// one slot of the class's epoch. It is not signed: it changes on rewrap,
// and a forged wrap can only yield a key that fails to open the signed blobs.
type dekWrap struct {
	Epoch     int      `json:"epoch"`
	Threshold int      `json:"threshold"`
	Shares    [][]byte `json:"shares"`
}
