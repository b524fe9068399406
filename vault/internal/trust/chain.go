package trust

import (
	"bytes"
	"sort"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// Version is a verified policy version and the audit entry that put it in
// force: the init entry (seq 0, Entry nil) for version 1, its policy-apply
// entry for every later one.
type Version struct {
	*record.PolicyVersion
	Applied int64
	// Entry is the policy-apply entry's leaf, as the log stores it (nil
	// for version 1).
	Entry []byte
}

// DecodeVersion verifies raw as policy version want: its signature, its number,
// its link to prev (nil for version 1: then there is none), and that its
// signer held the policy action, with the key it signed with, in prev (for
// version 1, in itself).
func DecodeVersion(prev *Version, want int64, raw []byte) (*record.PolicyVersion, error) {
	pv, err := record.DecodePolicyVersion(raw)
	if err != nil {
		return nil, err
	}
	if pv.Version != want {
		return nil, fault.Integrityf("policy version %d is stored as version %d", pv.Version, want)
	}
	authority := pv.Parsed
	if prev != nil {
		if pv.Prev != record.HashValue(prev.Raw) {
			return nil, fault.Integrityf("policy version %d does not follow version %d", want, want-1)
		}
		authority = prev.Parsed
	} else if pv.Prev != "" {
		return nil, fault.Integrityf("policy version 1 names a version before it")
	}
	m, ok := authority.Member(pv.SignedBy)
	if !ok || !bytes.Equal(m.SigningPublicKey, record.SignerKey(pv.SignerKey)) || !authority.May(m.Name, policy.ActionPolicy) {
		return nil, fault.Integrityf("policy version %d was signed by %q, who may not change the policy", want, pv.SignedBy)
	}
	return pv, nil
}

// Applied checks that leaf is the audit entry seq that applied pv (a
// version after 1, which DecodeVersion verified, following prev): a successful
// policy-apply, signed by the version's signer with the version's key,
// naming the digest of exactly pv's signed bytes, after prev's entry.
func Applied(prev *Version, pv *record.PolicyVersion, seq int64, leaf []byte) (Version, error) {
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return Version{}, fault.Integrityf("policy version %d: its policy-apply entry %d is malformed", pv.Version, seq)
	}
	if e.Action != "policy-apply" || e.Outcome != audit.OutcomeOK || e.Seq != seq ||
		e.Actor != pv.SignedBy || e.ActorKey != pv.SignerKey {
		return Version{}, fault.Integrityf("policy version %d: audit entry %d is not the entry that applied it", pv.Version, seq)
	}
	if e.Digest != audit.Digest(pv.Raw) {
		return Version{}, fault.Integrityf("policy version %d is not the one its policy-apply entry %d names: it was rewritten", pv.Version, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return Version{}, fault.Integrityf("policy version %d: its policy-apply entry %d: %v", pv.Version, seq, err)
	}
	if seq <= prev.Applied {
		return Version{}, fault.Integrityf("policy version %d: its policy-apply entry %d comes before version %d's", pv.Version, seq, pv.Version-1)
	}
	return Version{PolicyVersion: pv, Applied: seq, Entry: bytes.Clone(leaf)}, nil
}

// Keys lists every member signing key of every version, under the member's
// name, with the versions that list it, sorted by name: the verification
// material of the vault's audit log.
func Keys(versions []Version) []audit.KeyInfo {
	type nk struct{ name, key string }
	idx := map[nk]int{}
	var out []audit.KeyInfo
	for _, pv := range versions {
		for _, m := range pv.Parsed.Members {
			k := nk{m.Name, tcrypto.FormatSigningKey(m.SigningPublicKey)}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, audit.KeyInfo{Name: k.name, Key: k.key, Member: true})
			}
			out[i].PolicyVersions = append(out[i].PolicyVersions, pv.Version)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// InForce returns the number of the version in force when the audit entry
// seq was appended: the newest whose policy-apply entry came before it
// (version 1 from the init entry, seq 0, on).
func InForce(versions []Version, seq int64) int64 {
	ver := int64(1)
	for _, pv := range versions[1:] {
		if pv.Applied < seq {
			ver = pv.Version
		}
	}
	return ver
}

// origin returns the audit log origin of the vault whose signed version 1
// is raw.
func origin(raw []byte) string { return "tvault/" + record.VaultID(raw) }
