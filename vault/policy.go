package vault

import (
	"errors"
	"fmt"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
	"github.com/tvault/tvault/vault/internal/trust"
)

// policyVersion is a verified policy version and the audit entry that put
// it in force (see trust.Version).
type policyVersion = trust.Version

// loadPolicies returns every policy version in order, each verified by
// trust (DecodeVersion): its signature, its link to the previous version,
// that its signer held the policy action in the version before it (version
// 1: in itself), and, for every version after 1, that the audit log holds
// its policy-apply entry (applyEntry, trust.Applied). A version
// written into the store without one, by someone with the vault folder and
// a key of their own, is refused.
func loadPolicies(t *store.Txn) ([]policyVersion, error) {
	versions, err := t.PolicyVersions()
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, integrityErrorf("the vault has no policy")
	}
	var out []policyVersion
	for i, ver := range versions {
		if ver != int64(i+1) {
			return nil, integrityErrorf("policy version %d is missing", i+1)
		}
		raw, err := t.Policy(ver)
		if err != nil {
			return nil, err
		}
		var prev *policyVersion
		if i > 0 {
			prev = &out[i-1]
		}
		pv, err := trust.DecodeVersion(prev, ver, raw)
		if err != nil {
			return nil, err
		}
		cur := policyVersion{PolicyVersion: pv}
		if i > 0 {
			seq, leaf, err := applyEntry(t, pv)
			if err != nil {
				return nil, err
			}
			if cur, err = trust.Applied(prev, pv, seq, leaf); err != nil {
				return nil, err
			}
		}
		out = append(out, cur)
	}
	return out, nil
}

// applyEntry finds the audit entry that applied policy version pv (after
// 1) through store's log/policy/<version> pointer, and returns its seq and
// leaf for trust.Applied to check.
func applyEntry(t *store.Txn, pv *record.PolicyVersion) (int64, []byte, error) {
	seq, err := t.PolicyEntry(pv.Version)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, integrityErrorf("policy version %d has no policy-apply entry in the audit log: it was not applied by 'tvault policy apply'", pv.Version)
	}
	if err != nil {
		return 0, nil, err
	}
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, integrityErrorf("policy version %d: its policy-apply entry %d is missing from the audit log", pv.Version, seq)
	}
	if err != nil {
		return 0, nil, err
	}
	return seq, leaf, nil
}

// policyAt returns the policy of the given version, as Open verified it.
func (v *Vault) policyAt(version int64) (*policy.Policy, error) {
	if v.field != nil {
		if version != v.polVer {
			return nil, integrityErrorf("policy version %d is not the seal kit's (%d)", version, v.polVer)
		}
		return v.pol, nil
	}
	if version < 1 || version > int64(len(v.pols)) {
		return nil, integrityErrorf("policy version %d does not exist", version)
	}
	return v.pols[version-1].Parsed, nil
}

// versionInForce returns the policy version in force when the audit entry
// seq was appended: the newest whose init or policy-apply entry came
// before it.
func (v *Vault) versionInForce(seq int64) int64 {
	if v.field != nil {
		return v.polVer
	}
	return trust.InForce(v.pols, seq)
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
