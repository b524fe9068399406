package vault

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// policyVersion is a verified policy version and the seq of the audit
// entry that put it in force: the init entry (0) for version 1, its
// policy-apply entry for every later one.
type policyVersion struct {
	*record.PolicyVersion
	Applied int64
}

// loadPolicies returns every policy version in order, each verified: its
// signature, its link to the previous version, that its signer held the
// policy action in the version before it (version 1: in itself), and, for
// every version after 1, that the audit log holds its policy-apply entry
// (applyEntry). A version written into the store without one, by someone
// with the vault folder and a key of their own, is refused.
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
		cur := policyVersion{PolicyVersion: pv}
		if i > 0 {
			if cur.Applied, err = applyEntry(t, pv); err != nil {
				return nil, err
			}
			if cur.Applied <= out[i-1].Applied {
				return nil, integrityErrorf("policy version %d: its policy-apply entry %d comes before version %d's", ver, cur.Applied, ver-1)
			}
		}
		out = append(out, cur)
	}
	return out, nil
}

// applyEntry finds the audit entry that applied policy version pv (after
// 1) through store's log/policy/<version> pointer and checks that it is
// that entry: a successful policy-apply, signed by the version's signer
// with the version's key, naming the digest of exactly the stored bytes.
// It returns the entry's seq.
func applyEntry(t *store.Txn, pv *record.PolicyVersion) (int64, error) {
	seq, err := t.PolicyEntry(pv.Version)
	if errors.Is(err, store.ErrNotFound) {
		return 0, integrityErrorf("policy version %d has no policy-apply entry in the audit log: it was not applied by 'tvault policy apply'", pv.Version)
	}
	if err != nil {
		return 0, err
	}
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return 0, integrityErrorf("policy version %d: its policy-apply entry %d is missing from the audit log", pv.Version, seq)
	}
	if err != nil {
		return 0, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return 0, integrityErrorf("policy version %d: its policy-apply entry %d is malformed", pv.Version, seq)
	}
	if e.Action != "policy-apply" || e.Outcome != audit.OutcomeOK || e.Seq != seq ||
		e.Actor != pv.SignedBy || e.ActorKey != pv.SignerKey {
		return 0, integrityErrorf("policy version %d: audit entry %d is not the entry that applied it", pv.Version, seq)
	}
	if e.Digest != audit.Digest(pv.Raw) {
		return 0, integrityErrorf("policy version %d is not the one its policy-apply entry %d names: it was rewritten", pv.Version, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return 0, integrityErrorf("policy version %d: its policy-apply entry %d: %v", pv.Version, seq, err)
	}
	return seq, nil
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
	ver := int64(1)
	for _, pv := range v.pols[1:] {
		if pv.Applied < seq {
			ver = pv.Version
		}
	}
	return ver
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
