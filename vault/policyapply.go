package vault

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// PolicyChange is what ApplyPolicy did: the versions, what changed between
// them in words, and what must follow.
type PolicyChange struct {
	From, To int64
	Changes  []policy.Change
	// Sync lists the classes with new holders: they cannot open anything
	// until a holder runs 'tvault keys sync'.
	Sync []string
	// Rotate lists the classes a holder left, whose threshold changed, or
	// (with a threshold, where each holder has a slot of their own) that
	// gained a holder: they need 'tvault keys rotate --class C' and
	// 'tvault keys rewrap --class C'. A holder who left keeps the old
	// slot keys until then.
	Rotate []string
	// Make lists the classes the new version adds: they have no keys until
	// a holder runs 'tvault keys rotate --class C'.
	Make []string
	// Warnings are the new policy's, as policy check lists them.
	Warnings []policy.Problem
	// Retention lists the classes whose records already sealed expire
	// sooner under the new version (retentionchange.go).
	Retention []RetentionChange
}

// ApplyPolicy signs toml as the next policy version and puts it in force,
// in one transaction with its policy-apply audit entry, which names the
// digest of the signed version (loadPolicies checks every later version
// against it). It needs the policy action, and refuses, as an *InputError,
// a policy that policy check refuses, one that leaves a class without
// enough holders, one that takes the policy action from the member who
// applies it, and one that removes a class (its records would need it).
//
// The new version is in force for this Vault at once (its policy, and the
// actor's membership); it must not run while other operations run on the
// same Vault, which read the policy without a lock (the CLI runs one
// command per process).
func (a *Actor) ApplyPolicy(toml []byte) (*PolicyChange, error) {
	if err := a.v.notInField("policy apply"); err != nil {
		return nil, err
	}
	if err := a.authorize("policy-apply", policy.ActionPolicy); err != nil {
		return nil, err
	}
	next, err := CheckPolicy(toml)
	if err != nil {
		return nil, policyInputError(err)
	}
	cur, from := a.v.pol, a.v.polVer
	if bytes.Equal(cur.Bytes(), next.Bytes()) {
		return nil, &InputError{Msg: fmt.Sprintf("the policy is the same as version %d, the one in force: nothing to apply", from)}
	}
	ch := &PolicyChange{From: from, To: from + 1, Changes: policy.Diff(cur, next), Warnings: next.Warnings()}
	if err := a.refuseChange(cur, next, ch.Changes); err != nil {
		return nil, err
	}
	if ch.Retention, err = a.v.retentionChanges(cur, next, ch.Changes, a.v.now()); err != nil {
		return nil, err
	}
	var applied policyVersion
	err = a.v.update(func(t *store.Txn) error {
		var err error
		applied, err = a.storePolicy(t, toml, from, len(ch.Changes))
		return err
	})
	if err != nil {
		return nil, a.failed("policy-apply", "", err)
	}
	a.v.pols = append(a.v.pols, applied)
	a.v.pol, a.v.polVer = applied.Parsed, applied.Version
	a.member, a.ok = memberOf(a.v.pol, a.id)
	ch.classify(next)
	return ch, nil
}

// classify sorts the classes the changes touch by what must follow.
func (ch *PolicyChange) classify(next *policy.Policy) {
	add := func(list *[]string, class string) {
		if !contains(*list, class) {
			*list = append(*list, class)
		}
	}
	for _, c := range ch.Changes {
		switch {
		case c.Kind == "class-added":
			add(&ch.Make, c.Subject)
		case c.Kind == "class-threshold":
			add(&ch.Rotate, c.Subject)
		case c.Kind == "holder-removed", c.Kind == "holder-added" && next.Threshold(c.Class) > 1:
			add(&ch.Rotate, c.Class)
		case c.Kind == "holder-added":
			add(&ch.Sync, c.Class)
		}
	}
}

// refuseChange applies the rules a new policy version must meet beyond
// policy check's.
func (a *Actor) refuseChange(cur, next *policy.Policy, changes []policy.Change) error {
	for _, c := range changes {
		if c.Kind == "class-removed" {
			return &InputError{Msg: fmt.Sprintf("%s: records sealed to it still need its keys and holders; keep the class in the policy", c.Text)}
		}
	}
	for _, class := range next.ClassNames() {
		if n, k := len(next.Holders(class)), max(next.Threshold(class), 1); n < k {
			return &InputError{Msg: fmt.Sprintf("class %q would have %d holders, fewer than its threshold %d: give a role that decrypts it to enough members", class, n, k)}
		}
	}
	// A class a holder left (or a new one) needs keys rotate, which takes
	// a holder with the keys action: without one it never gets new keys.
	steps := &PolicyChange{Changes: changes}
	steps.classify(next)
	for _, class := range append(steps.Rotate, steps.Make...) {
		if !anyMay(next.Holders(class), next, policy.ActionKeys) {
			return &InputError{Msg: fmt.Sprintf("no holder of class %q would have the keys action, so no one could run 'tvault keys rotate --class %s', which this change needs: give one of its holders a role that can \"keys\"", class, class)}
		}
	}
	m, ok := next.Member(a.member.Name)
	if !ok || !bytes.Equal(m.SigningPublicKey, a.member.SigningPublicKey) || m.Recipient != a.member.Recipient || !next.May(m.Name, policy.ActionPolicy) {
		return &InputError{Msg: fmt.Sprintf("the new policy takes the policy action (or their keys) from %s, who is applying it: keep it, or have another admin apply the policy", a.member.Name)}
	}
	return nil
}

// storePolicy signs and stores version from+1 of the policy in t, with its
// policy-apply entry and the pointer to that entry.
func (a *Actor) storePolicy(t *store.Txn, toml []byte, from int64, changes int) (policyVersion, error) {
	pvs, err := loadPolicies(t)
	if err != nil {
		return policyVersion{}, err
	}
	last := pvs[len(pvs)-1]
	if last.Version != from {
		return policyVersion{}, fmt.Errorf("the policy changed (now version %d) while this was running; nothing was changed: run it again", last.Version)
	}
	now, err := a.stamp(t)
	if err != nil {
		return policyVersion{}, err
	}
	sp, err := record.SignPolicy(a.id, a.member.Name, from+1, toml, last.Raw, now)
	if err != nil {
		return policyVersion{}, err
	}
	pv, err := record.DecodePolicyVersion(sp)
	if err != nil {
		return policyVersion{}, err
	}
	e, err := a.appendEntry(t, audit.Entry{Time: now, Action: "policy-apply", Outcome: audit.OutcomeOK,
		Detail: fmt.Sprintf("version %d after %d: %d changes", from+1, from, changes), Digest: audit.Digest(sp)})
	if err != nil {
		return policyVersion{}, err
	}
	if err := t.PutPolicy(from+1, sp); err != nil {
		return policyVersion{}, err
	}
	if err := t.PutPolicyEntry(from+1, e.Seq); err != nil {
		return policyVersion{}, err
	}
	return policyVersion{PolicyVersion: pv, Applied: e.Seq, Entry: e.Leaf()}, nil
}

// PolicyVersionInfo is one stored policy version, as ShowPolicyVersion
// returns it.
type PolicyVersionInfo struct {
	Version  int64
	Policy   []byte
	SignedBy string
	SignedAt time.Time
	Current  bool
}

// ShowPolicyVersion returns policy version n (any member may read every
// version) and records that it was read. A version that does not exist
// is ErrNotFound.
func (a *Actor) ShowPolicyVersion(n int64) (PolicyVersionInfo, error) {
	if err := a.authorize("policy-show", ""); err != nil {
		return PolicyVersionInfo{}, err
	}
	if n < 1 || n > int64(len(a.v.pols)) {
		return PolicyVersionInfo{}, fmt.Errorf("policy version %d does not exist (the vault has versions 1 to %d): %w", n, len(a.v.pols), ErrNotFound)
	}
	pv := a.v.pols[n-1]
	if err := a.recordOK("policy-show", "", "", fmt.Sprintf("version %d", n)); err != nil {
		return PolicyVersionInfo{}, err
	}
	return PolicyVersionInfo{Version: n, Policy: pv.Parsed.Bytes(), SignedBy: pv.SignedBy, SignedAt: pv.SignedAt, Current: n == a.v.polVer}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// anyMay reports whether any of ms may take action under pol.
func anyMay(ms []policy.Member, pol *policy.Policy, action policy.Action) bool {
	for _, m := range ms {
		if pol.May(m.Name, action) {
			return true
		}
	}
	return false
}
