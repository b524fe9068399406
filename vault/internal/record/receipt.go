package record

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Receipt is what a vault gives back for a bundle it imported: which
// records of which field vault it now holds, each with the digest of its
// header. It is signed with the receipt key of the bundle's kit, which
// every member who may import can derive (ReceiptKey) and the field vault
// knows from its kit: so a field vault can check a receipt before it
// purges what the receipt lists, and only a member can make one.
type Receipt struct {
	Vault    string         `json:"vault"`
	Field    string         `json:"field"`
	Bundle   string         `json:"bundle"` // the digest of the bundle's manifest
	Records  []BundleRecord `json:"records"`
	Imported time.Time      `json:"imported"`
}

// receiptKeyInfo is the HKDF info that derives a kit's receipt key from
// its intake secret.
const receiptKeyInfo = "tvault receipt key v1"

// ReceiptKey derives a kit's receipt signing key from its intake secret
// (an age identity's string form).
func ReceiptKey(intakeSecret string) (ed25519.PrivateKey, error) {
	seed, err := hkdf.Key(sha256.New, []byte(intakeSecret), nil, receiptKeyInfo, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// SignReceipt signs r with a kit's receipt key.
func SignReceipt(key ed25519.PrivateKey, r *Receipt) ([]byte, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return Sign(key, body), nil
}

// DecodeReceipt verifies a receipt's signature with the receipt key a kit
// names (in FormatSigningKey's form) and its shape.
func DecodeReceipt(raw []byte, receiptKey string) (*Receipt, error) {
	const subject = "the receipt"
	key, err := tcrypto.ParseSigningKey(receiptKey)
	if err != nil {
		return nil, fault.Integrityf("the seal kit's receipt key is malformed")
	}
	sig, body, err := Split(raw)
	if err != nil {
		return nil, fault.Integrityf("%s %v", subject, err)
	}
	if !ed25519.Verify(key, body, sig) {
		return nil, fault.Integrityf("%s was not signed by the vault the seal kit belongs to", subject)
	}
	var r Receipt
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fault.Integrityf("%s %v", subject, errUnreadable)
	}
	if !ValidID(r.Vault) || !ValidID(r.Field) || r.Bundle == "" || r.Imported.IsZero() {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	for _, br := range r.Records {
		if !ValidID(br.ID) || br.Header == "" {
			return nil, fault.Integrityf("%s is inconsistent", subject)
		}
	}
	return &r, nil
}
