package vault

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// loadPolicies returns every policy version in order, each verified: its
// signature, its link to the previous version, and that its signer held the
// policy action in the version before it (version 1: in itself).
func loadPolicies(t *store.Txn) ([]*record.PolicyVersion, error) {
	versions, err := t.PolicyVersions()
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, integrityErrorf("the vault has no policy")
	}
	var out []*record.PolicyVersion
	for i, ver := range versions {
		if ver != int64(i+1) {
			return nil, integrityErrorf("policy version %d is missing", i+1)
		}
		raw, err := t.Policy(ver)
		if err != nil {
			return nil, err
		}
		pv, err := record.DecodePolicyVersion(raw)
		if err != nil {
			return nil, err
		}
		if pv.Version != ver {
			return nil, integrityErrorf("policy version %d is stored as version %d", pv.Version, ver)
		}
		authority := pv.Parsed
		if i > 0 {
			if pv.Prev != record.HashValue(out[i-1].Raw) {
				return nil, integrityErrorf("policy version %d does not follow version %d", ver, ver-1)
			}
			authority = out[i-1].Parsed
		}
		m, ok := authority.Member(pv.SignedBy)
		if !ok || !bytes.Equal(m.SigningPublicKey, record.SignerKey(pv.SignerKey)) || !authority.May(m.Name, policy.ActionPolicy) {
			return nil, integrityErrorf("policy version %d was signed by %q, who may not change the policy", ver, pv.SignedBy)
		}
		out = append(out, pv)
	}
	return out, nil
}

// policyAt returns the policy of the given version.
func (v *Vault) policyAt(t *store.Txn, version int64) (*policy.Policy, error) {
	if version == v.polVer {
		return v.pol, nil
	}
	if version < 1 || version > v.polVer {
		return nil, integrityErrorf("policy version %d does not exist", version)
	}
	raw, err := t.Policy(version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, integrityErrorf("policy version %d is missing", version)
	}
	if err != nil {
		return nil, err
	}
	pv, err := record.DecodePolicyVersion(raw)
	if err != nil {
		return nil, err
	}
	return pv.Parsed, nil
}

// ShowPolicy returns the policy in force and its version, and records that
// it was read.
func (a *Actor) ShowPolicy() ([]byte, int64, error) {
	if err := a.authorize("policy-show", ""); err != nil {
		return nil, 0, err
	}
	pol, ver := a.v.pol, a.v.polVer
	if err := a.recordOK("policy-show", "", "", fmt.Sprintf("version %d", ver)); err != nil {
		return nil, 0, err
	}
	return pol.Bytes(), ver, nil
}
