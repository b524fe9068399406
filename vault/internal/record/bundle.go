package record

import (
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Bundle is the signed manifest of a bundle: which field vault made it,
// with which kit, by whom, and each record it carries with the digest of
// its header. The researcher who sealed the records signs it. It travels
// first in the bundle, and the vault keeps it after import: it binds each
// imported header, with the record's seal entry from the field log, to the
// bundle-import entry that brought it in.
type Bundle struct {
	Vault     string         `json:"vault"`
	Field     string         `json:"field"`
	KitDigest string         `json:"kit_digest"`
	Sealer    string         `json:"sealer"`
	Made      time.Time      `json:"made"`
	Records   []BundleRecord `json:"records"`
	SignerKey string         `json:"signer_key"`
}

// BundleRecord is one record of a bundle: its id and the digest
// ("sha256:" + hex) of its signed header.
type BundleRecord struct {
	ID     string `json:"id"`
	Header string `json:"header"`
}

func (b *Bundle) signerKey() string { return b.SignerKey }

// SignBundle signs b with the researcher's identity, setting SignerKey.
func SignBundle(id *tcrypto.Identity, b *Bundle) ([]byte, error) {
	b.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, b)
}

// DecodeBundle verifies a bundle manifest's signature (by the key it
// names) and shape: vault and field ids, a sealer, at least one record,
// each id valid and listed once.
func DecodeBundle(raw []byte) (*Bundle, error) {
	const subject = "the bundle's manifest"
	b, err := decode[Bundle](raw, subject)
	if err != nil {
		return nil, err
	}
	if !ValidID(b.Vault) || !ValidID(b.Field) || b.KitDigest == "" || b.Sealer == "" || len(b.Records) == 0 || b.Made.IsZero() {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	seen := map[string]bool{}
	for _, r := range b.Records {
		if !ValidID(r.ID) || seen[r.ID] || r.Header == "" {
			return nil, fault.Integrityf("%s lists a record id that is malformed or listed twice", subject)
		}
		seen[r.ID] = true
	}
	return b, nil
}

// Lists returns the header digest the manifest gives for record id.
func (b *Bundle) Lists(id string) (string, bool) {
	for _, r := range b.Records {
		if r.ID == id {
			return r.Header, true
		}
	}
	return "", false
}
