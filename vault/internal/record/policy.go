package record

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/fault"
)

// PolicyVersion is one signed version of a vault's policy. Versions form a
// chain: each after the first names the hash of the stored value before it.
type PolicyVersion struct {
	Version   int64     `json:"version"`
	Policy    []byte    `json:"policy"`
	SignedBy  string    `json:"signed_by"`
	SignerKey string    `json:"signer_key"`
	SignedAt  time.Time `json:"signed_at"`
	Prev      string    `json:"prev,omitempty"`  // hex SHA-256 of the previous version's stored value
	Nonce     string    `json:"nonce,omitempty"` // version 1: random, so that every vault's id is new

	// Parsed is Policy, parsed; Raw is the stored value it came from.
	Parsed *policy.Policy `json:"-"`
	Raw    []byte         `json:"-"`
}

func (pv *PolicyVersion) signerKey() string { return pv.SignerKey }

// SignPolicy signs version of the policy toml as member. prev is the stored
// value of the version before, nil for version 1 (which gets a random nonce
// instead, so that every vault's id is new).
func SignPolicy(id *tcrypto.Identity, member string, version int64, toml, prev []byte, now time.Time) ([]byte, error) {
	pv := PolicyVersion{Version: version, Policy: toml, SignedBy: member,
		SignerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), SignedAt: now}
	if prev != nil {
		pv.Prev = HashValue(prev)
	} else {
		pv.Nonce = NewID()
	}
	return signJSON(id, pv)
}

// HashValue is the hex SHA-256 by which a policy version names the stored
// value before it.
func HashValue(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}

// DecodePolicyVersion verifies a stored policy version's signature and
// parses its policy. Whether the signer was entitled, and whether it
// follows the version before, is the caller's question. The policy is
// parsed with policy.ParseStored: a version an older tvault accepted stays
// readable even where today's text rule would refuse it.
func DecodePolicyVersion(raw []byte) (*PolicyVersion, error) {
	pv, err := decode[PolicyVersion](raw, "policy version")
	if err != nil {
		return nil, err
	}
	p, err := policy.ParseStored(pv.Policy)
	if err != nil {
		return nil, fault.Integrityf("policy version %d does not parse", pv.Version)
	}
	pv.Parsed, pv.Raw = p, raw
	return pv, nil
}
