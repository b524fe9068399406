package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
)

// signedValue is the envelope of every signed value the vault stores:
// a magic, the 64-byte Ed25519 signature, then the exact bytes signed.
// Signatures are checked over the stored bytes, never over a re-encoding.
const signedMagic = "tvs1"

func sealValue(sig, body []byte) []byte {
	out := make([]byte, 0, len(signedMagic)+len(sig)+len(body))
	out = append(out, signedMagic...)
	out = append(out, sig...)
	return append(out, body...)
}

func openValue(v []byte) (sig, body []byte, err error) {
	if len(v) < len(signedMagic)+ed25519.SignatureSize || string(v[:len(signedMagic)]) != signedMagic {
		return nil, nil, errors.New("not a signed value")
	}
	return v[len(signedMagic) : len(signedMagic)+ed25519.SignatureSize], v[len(signedMagic)+ed25519.SignatureSize:], nil
}

// policyVersion is one signed version of the policy.
type policyVersion struct {
	Version   int64     `json:"version"`
	Policy    []byte    `json:"policy"`
	SignedBy  string    `json:"signed_by"`
	SignerKey string    `json:"signer_key"`
	SignedAt  time.Time `json:"signed_at"`
	Prev      string    `json:"prev,omitempty"`  // hex SHA-256 of the previous version's stored value
	Nonce     string    `json:"nonce,omitempty"` // version 1: random, so that every vault's id is new

	policy *policy.Policy
	raw    []byte
}

func signPolicy(id *tcrypto.Identity, member string, version int64, toml []byte, prev []byte, now time.Time) ([]byte, error) {
	pv := policyVersion{Version: version, Policy: toml, SignedBy: member,
		SignerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), SignedAt: now}
	if prev != nil {
		h := sha256.Sum256(prev)
		pv.Prev = hex.EncodeToString(h[:])
	} else {
		pv.Nonce = newID()
	}
	body, err := json.Marshal(pv)
	if err != nil {
		return nil, err
	}
	return sealValue(signBytes(id, body), body), nil
}

// decodePolicyVersion verifies a stored policy version's signature and
// parses it. It does not decide whether the signer was entitled.
func decodePolicyVersion(v []byte) (*policyVersion, error) {
	sig, body, err := openValue(v)
	if err != nil {
		return nil, integrityErrorf("policy version: %v", err)
	}
	var pv policyVersion
	if err := json.Unmarshal(body, &pv); err != nil {
		return nil, integrityErrorf("policy version is unreadable")
	}
	key, err := tcrypto.ParseSigningKey(pv.SignerKey)
	if err != nil || !ed25519.Verify(key, body, sig) {
		return nil, integrityErrorf("policy version %d: signature does not verify", pv.Version)
	}
	p, err := policy.Parse(pv.Policy)
	if err != nil {
		return nil, integrityErrorf("policy version %d does not parse", pv.Version)
	}
	pv.policy, pv.raw = p, v
	return &pv, nil
}

// loadPolicies returns every policy version in order, each verified: its
// signature, its link to the previous version, and that its signer held the
// policy action in the version before it (version 1: in itself).
func loadPolicies(t *store.Txn) ([]*policyVersion, error) {
	versions, err := t.PolicyVersions()
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, integrityErrorf("the vault has no policy")
	}
	var out []*policyVersion
	for i, ver := range versions {
		if ver != int64(i+1) {
			return nil, integrityErrorf("policy version %d is missing", i+1)
		}
		raw, err := t.Policy(ver)
		if err != nil {
			return nil, err
		}
		pv, err := decodePolicyVersion(raw)
		if err != nil {
			return nil, err
		}
		if pv.Version != ver {
			return nil, integrityErrorf("policy version %d is stored as version %d", pv.Version, ver)
		}
		authority := pv.policy
		if i > 0 {
			prev := out[i-1]
			h := sha256.Sum256(prev.raw)
			if pv.Prev != hex.EncodeToString(h[:]) {
				return nil, integrityErrorf("policy version %d does not follow version %d", ver, ver-1)
			}
			authority = prev.policy
		}
		m, ok := authority.Member(pv.SignedBy)
		key, _ := tcrypto.ParseSigningKey(pv.SignerKey)
		if !ok || !bytes.Equal(m.SigningPublicKey, key) || !authority.May(m.Name, policy.ActionPolicy) {
			return nil, integrityErrorf("policy version %d was signed by %q, who may not change the policy", ver, pv.SignedBy)
		}
		out = append(out, pv)
	}
	return out, nil
}

func (v *Vault) policyAt(t *store.Txn, version int64) (*policy.Policy, error) {
	if version == v.polVer {
		return v.pol, nil
	}
	raw, err := t.Policy(version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, integrityErrorf("policy version %d is missing", version)
	}
	if err != nil {
		return nil, err
	}
	pv, err := decodePolicyVersion(raw)
	if err != nil {
		return nil, err
	}
	return pv.policy, nil
}

// ShowPolicy returns the policy in force and its version, and records that
// it was read.
func (v *Vault) ShowPolicy() ([]byte, int64, error) {
	if _, ok := v.actor(); !ok {
		return nil, 0, v.deny("policy-show", "", "", "not a member of the vault's policy")
	}
	if err := v.audit(audit.Entry{Action: "policy-show", Outcome: "ok", Detail: fmt.Sprintf("version %d", v.polVer)}); err != nil {
		return nil, 0, err
	}
	return v.pol.Bytes(), v.polVer, nil
}
