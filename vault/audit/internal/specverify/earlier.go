package specverify

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// earlier is an earlier-checkpoint line: "a checkpoint the log had before
// … as a signed note with all its signatures, and the consistency proof
// from its tree to the export's".
type earlier struct {
	cp    *checkpoint
	proof tlog.TreeProof
}

// parseEarlier checks an earlier-checkpoint line: "at most 64 of them,
// its proof at most 128 canonical hashes, the line canonical, its note
// verifying as a checkpoint does (below), of the header's origin, its size
// at most tree_size and above the previous earlier checkpoint's".
func (v *verifier) parseEarlier(line []byte) error {
	if len(v.earlier) == 64 {
		return errors.New("more than 64 earlier checkpoints")
	}
	var j struct {
		Note        *string   `json:"earlier_checkpoint"`
		Consistency *[]string `json:"consistency"`
	}
	if err := decodeStrict(line, &j); err != nil {
		return err
	}
	if j.Note == nil || j.Consistency == nil {
		return errors.New(`lacks "earlier_checkpoint" or "consistency"`)
	}
	want := appendString([]byte(`{"earlier_checkpoint":`), *j.Note)
	want = appendStrings(append(want, `,"consistency":`...), *j.Consistency)
	if err := canonical(line, append(want, '}')); err != nil {
		return err
	}
	if len(*j.Consistency) > 128 {
		return errors.New("consistency proof has more than 128 hashes")
	}
	e := earlier{}
	for _, s := range *j.Consistency {
		h, err := decodeB64(s, 32)
		if err != nil {
			return fmt.Errorf("consistency hash %w", err)
		}
		e.proof = append(e.proof, tlog.Hash(h))
	}
	cp, err := openCheckpoint(*j.Note, v.sigKeys)
	if err != nil {
		return err
	}
	if cp.origin != v.res.Origin {
		return fmt.Errorf("origin %q is not the header's", cp.origin)
	}
	if cp.size > v.res.TreeSize {
		return fmt.Errorf("size %d is above tree_size %d", cp.size, v.res.TreeSize)
	}
	if n := len(v.earlier); n > 0 && cp.size <= v.earlier[n-1].cp.size {
		return fmt.Errorf("size %d is not above the previous earlier checkpoint's", cp.size)
	}
	e.cp = cp
	v.notes = append(v.notes, *j.Note)
	v.earlier = append(v.earlier, e)
	v.res.Earlier = append(v.res.Earlier, cp.size)
	return nil
}

// checkEarlier: "every earlier checkpoint's consistency proof must lead
// from it to the checkpoint (tlog.CheckTree; an earlier checkpoint of size
// 0 needs an empty proof and nothing else)".
func (v *verifier) checkEarlier(root [32]byte) error {
	for _, e := range v.earlier {
		if e.cp.size == 0 {
			if len(e.proof) > 0 {
				return errors.New("the earlier checkpoint of size 0 has a consistency proof")
			}
			continue
		}
		if err := tlog.CheckTree(e.proof, v.res.TreeSize, root, e.cp.size, e.cp.root); err != nil {
			return fmt.Errorf("the consistency proof of the earlier checkpoint of size %d does not lead to the checkpoint", e.cp.size)
		}
	}
	return nil
}
