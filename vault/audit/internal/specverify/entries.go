package specverify

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

type entryJSON struct {
	Seq      *int64    `json:"seq"`
	Time     *string   `json:"time"`
	Actor    *string   `json:"actor"`
	ActorKey *string   `json:"actor_key"`
	Action   *string   `json:"action"`
	Record   *string   `json:"record"`
	Class    *string   `json:"class"`
	Outcome  *string   `json:"outcome"`
	Detail   *string   `json:"detail"`
	Digest   *string   `json:"digest"`
	Sig      *string   `json:"sig"`
	Hash     *string   `json:"hash"`
	Proof    *[]string `json:"proof"`
}

func (j *entryJSON) entry() (*entry, error) {
	for _, p := range []*string{j.Time, j.Actor, j.ActorKey, j.Action, j.Record, j.Class, j.Outcome, j.Detail, j.Sig, j.Hash} {
		if p == nil {
			return nil, errors.New("lacks a member")
		}
	}
	if j.Seq == nil {
		return nil, errors.New("lacks seq")
	}
	return &entry{seq: *j.Seq, time: *j.Time, actor: *j.Actor, actorKey: *j.ActorKey, action: *j.Action,
		record: *j.Record, class: *j.Class, outcome: *j.Outcome, detail: *j.Detail, digest: j.Digest, sig: *j.Sig}, nil
}

// entry checks one entry line: "seq order (unfiltered: 0, 1, 2, … without
// gaps, duplicates or reordering; filtered: strictly increasing), seq below
// tree_size, every field valid as above, a filtered entry matching the
// filter, hash equal to the leaf hash recomputed from the fields, the line
// canonical, actor_key listed under the actor's name, and sig a valid
// Ed25519 signature of the signed bytes by actor_key".
func (v *verifier) entry(line []byte) error {
	var j entryJSON
	if err := decodeStrict(line, &j); err != nil {
		return fmt.Errorf("entry line: %w", err)
	}
	e, err := j.entry()
	if err != nil {
		return fmt.Errorf("entry line: %w", err)
	}
	name := fmt.Sprintf("entry %d", e.seq)
	filtered := v.res.Filtered
	switch {
	case !filtered && e.seq != v.next:
		return fmt.Errorf("%s out of order (expected %d)", name, v.next)
	case filtered && e.seq < v.next:
		return fmt.Errorf("%s out of order (seqs must increase)", name)
	case e.seq >= v.res.TreeSize:
		return fmt.Errorf("%s is beyond tree_size %d", name, v.res.TreeSize)
	}
	v.next = e.seq + 1
	if err := checkEntry(e); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	t, _ := parseTime(e.time)
	if t.Before(v.lastTime) {
		// "its time not before the previous entry's in the export"
		return fmt.Errorf("%s: time is before the previous entry's", name)
	}
	v.lastTime = t
	if filtered && !v.hdr.Filter.selects(e, t) {
		return fmt.Errorf("%s does not match the filter", name)
	}
	if filtered != (j.Proof != nil) {
		return fmt.Errorf("%s: a proof must be present exactly in a filtered export", name)
	}
	leaf := e.leaf()
	lh := leafHash(leaf)
	hash, err := decodeB64(*j.Hash, 32)
	if err != nil || [32]byte(hash) != lh {
		return fmt.Errorf("%s: hash does not match its fields", name)
	}
	var proof []string
	if j.Proof != nil {
		proof = *j.Proof
	}
	if err := canonical(line, e.exportLine(*j.Hash, proof, filtered)); err != nil {
		return fmt.Errorf("%s: line %w", name, err)
	}
	pub, ok := v.keys[[2]string{e.actor, e.actorKey}]
	if !ok {
		return fmt.Errorf("%s: actor_key is not listed under %s", name, e.actor)
	}
	sig, _ := decodeB64(e.sig, 64)
	if !ed25519.Verify(pub, e.signedBytes(), sig) {
		return fmt.Errorf("%s: signature does not verify", name)
	}
	v.res.Entries++
	if !filtered {
		v.leaves = append(v.leaves, lh)
		return nil
	}
	p := proved{seq: e.seq, hash: tlog.Hash(lh)}
	for _, s := range proof {
		h, err := decodeB64(s, 32)
		if err != nil {
			return fmt.Errorf("%s: proof hash %w", name, err)
		}
		p.proof = append(p.proof, tlog.Hash(h))
	}
	v.proofs = append(v.proofs, p)
	return nil
}
