package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/internal/witness"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/store"
)

// WitnessOptions says which witness AuditWitness asks to cosign.
type WitnessOptions struct {
	// URL is the witness's base URL (witness.ParseURL); the request goes
	// to URL/add-checkpoint.
	URL *url.URL
	// Key is the witness's verifier (witness.ParseVerifierKey): its
	// cosignature must verify with it, or nothing is kept.
	Key note.Verifier
	// Client sends the request; nil means one with witness.DefaultTimeout.
	Client *http.Client
}

// WitnessResult is what AuditWitness obtained.
type WitnessResult struct {
	Witness  string // the witness's key name
	Size     int64  // the tree size it cosigned
	OldSize  int64  // the tree size it had cosigned before (0: none)
	Cosigned []byte // the checkpoint with its cosignature, as kept
}

// witnessKey is the store key of a witness's kept checkpoint: its name and
// key hash, so that a witness's new key starts a new record.
func witnessKey(v note.Verifier) string { return fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash()) }

// witnessIntegrity is a finding about the log's history (exit 4) in the
// words given, without the "integrity check failed" prefix.
func witnessIntegrity(format string, args ...any) error {
	return fault.Sentinel(fmt.Sprintf(format, args...), ErrIntegrity)
}

// AuditWitness asks a C2SP tlog-witness to cosign the audit log's current
// checkpoint and keeps the cosigned checkpoint (store key
// log/cosigned/<name>+<hash>). Any member may. It first checks that the
// log extends the checkpoint kept from this witness, then appends its own
// entry (action audit-witness, naming the witness and the tree size: the
// request, whatever the witness answers), so that the checkpoint sent
// covers it, and sends that checkpoint with a
// consistency proof from the size the witness last cosigned. When the
// witness answers that it has another size (409), it retries once with a
// proof from that size.
//
// It fails closed: nothing is kept unless the witness's cosignature
// verifies with opts.Key. A witness that holds a checkpoint this log does
// not extend (a rolled-back or forked vault), or a cosignature that does
// not verify, is an ErrIntegrity; an unreachable or refusing witness is a
// plain error.
func (a *Actor) AuditWitness(ctx context.Context, opts WitnessOptions) (WitnessResult, error) {
	if err := a.authorize("audit-witness", ""); err != nil {
		return WitnessResult{}, err
	}
	if opts.URL == nil || opts.Key == nil {
		return WitnessResult{}, errors.New("audit witness needs the witness's URL and key")
	}
	name := opts.Key.Name()
	var old, size int64
	err := a.v.view(func(t *store.Txn) error {
		var err error
		if old, err = a.v.keptWitnessSize(t, opts.Key); err != nil {
			return err
		}
		size, err = t.Size()
		return err
	})
	if err != nil {
		return WitnessResult{}, err
	}
	size++ // the entry below
	if err := a.recordOK("audit-witness", "", "", fmt.Sprintf("asks witness %s to cosign the checkpoint of tree size %d", name, size)); err != nil {
		return WitnessResult{}, err
	}
	cp, answer, old, err := a.v.sendToWitness(ctx, opts, old)
	if err != nil {
		return WitnessResult{}, err
	}
	cosigned, err := witness.Cosign(cp, answer, opts.Key)
	switch {
	case errors.Is(err, witness.ErrBadCosignature):
		return WitnessResult{}, witnessIntegrity("witness %s answered with a cosignature that does not verify with its key: nothing was kept (%v)", name, err)
	case err != nil:
		return WitnessResult{}, fmt.Errorf("witness %s: %w: nothing was kept", name, err)
	}
	err = a.v.update(func(t *store.Txn) error { return t.PutCosigned(witnessKey(opts.Key), cosigned) })
	if err != nil {
		return WitnessResult{}, err
	}
	return WitnessResult{Witness: name, Size: size, OldSize: old, Cosigned: cosigned}, nil
}

// keptWitnessSize returns the tree size of the checkpoint kept from the
// witness whose verifier is v (0 if none), after checking that the
// cosignature verifies and that the log extends that checkpoint.
func (v *Vault) keptWitnessSize(t *store.Txn, wv note.Verifier) (int64, error) {
	kept, err := t.Cosigned(witnessKey(wv))
	if err != nil || kept == nil {
		return 0, err
	}
	return v.checkKept(t, wv, kept)
}

// checkKept checks one kept cosigned checkpoint — the witness's
// cosignature, the member's signature, and that the log extends it — and
// returns its size.
func (v *Vault) checkKept(t *store.Txn, wv note.Verifier, kept []byte) (int64, error) {
	cp, err := witness.Open(kept, wv)
	if err != nil {
		return 0, witnessIntegrity("the checkpoint kept from witness %s does not verify: %v", wv.Name(), err)
	}
	size, err := witness.CheckpointSize(cp)
	if err != nil {
		return 0, witnessIntegrity("the checkpoint kept from witness %s is malformed", wv.Name())
	}
	keys, err := v.keyInfos(t)
	if err != nil {
		return 0, err
	}
	if err := v.log.VerifyAgainst(t, keys, cp); err != nil {
		if errors.Is(err, ErrIntegrity) {
			return 0, witnessIntegrity("the audit log does not extend the checkpoint of tree size %d that witness %s cosigned: %v", size, wv.Name(), err)
		}
		return 0, err
	}
	return size, nil
}

// sendToWitness sends the current checkpoint with a proof from old and,
// if the witness reports another size, once more with a proof from that
// size. It returns the checkpoint sent, the witness's answer and the size
// the proof started from.
func (v *Vault) sendToWitness(ctx context.Context, opts WitnessOptions, old int64) ([]byte, []byte, int64, error) {
	name := opts.Key.Name()
	for try := 0; ; try++ {
		cp, size, proof, err := v.witnessProof(old)
		if err != nil {
			if errors.Is(err, errAheadOfLog) {
				return nil, nil, 0, witnessIntegrity("the witness has seen a different history: witness %s has cosigned a tree of %d entries, "+
					"more than this vault's %d (was the vault restored from an older copy?)", name, old, size)
			}
			return nil, nil, 0, err
		}
		answer, err := witness.AddCheckpoint(ctx, opts.Client, opts.URL, witness.Request{Checkpoint: cp, OldSize: old, Proof: proof})
		var conflict *witness.ConflictError
		switch {
		case err == nil:
			return cp, answer, old, nil
		case errors.As(err, &conflict) && try == 0:
			old = conflict.Size
			continue
		case errors.As(err, &conflict):
			return nil, nil, 0, fmt.Errorf("witness %s changed its tree size while tvault was sending (now %d): run the command again", name, conflict.Size)
		case errors.Is(err, witness.ErrInconsistent):
			return nil, nil, 0, witnessIntegrity("the witness has seen a different history: witness %s refused the proof that this vault's log "+
				"of %d entries extends the tree of %d entries it cosigned (was the vault restored from an older copy, or changed?)", name, size, old)
		}
		return nil, nil, 0, err
	}
}

var errAheadOfLog = errors.New("the witness is ahead of the log")

// witnessProof reads the current checkpoint, its size and the consistency
// proof from old to it. An old size beyond the log is errAheadOfLog.
func (v *Vault) witnessProof(old int64) (cp []byte, size int64, proof tlog.TreeProof, err error) {
	err = v.view(func(t *store.Txn) error {
		// Head checks the stored checkpoint against the last entry's
		// signer and the stored tree: a witness is never sent one the
		// vault's own check would refuse.
		head, err := v.log.Head(v.logBackend(t))
		if err != nil {
			return err
		}
		cp, size = head.Text, head.Size
		switch {
		case old > size:
			return errAheadOfLog
		case old == 0 || old == size:
			return nil
		}
		proof, err = tlog.ProveTree(size, old, t)
		return err
	})
	return cp, size, proof, err
}

// addKept appends the checkpoints kept from witnesses to earlier: an
// export's (ExportOptions.Earlier), which then carries their cosignatures
// with the proof that the log extends them, or what VerifyAudit proves
// (VerifyOptions.Earlier), where each must be a prefix of the log and
// their cosignatures count toward the witnesses required.
func (v *Vault) addKept(t *store.Txn, earlier *[][]byte) error {
	return t.EachCosigned(func(_ string, n []byte) error {
		*earlier = append(*earlier, n)
		return nil
	})
}

// WitnessLog returns what a witness must know of this vault's audit log:
// its origin and the signed-note verifier keys (note.NewEd25519VerifierKey)
// of the members who may sign its checkpoints, the current policy's, in
// policy order. A removed member signs nothing any more: a witness that
// still accepted their key would let them sign a forked checkpoint. Any
// member may ask; the request is recorded.
func (a *Actor) WitnessLog() (origin string, vkeys []string, err error) {
	if err := a.authorize("audit-witness", ""); err != nil {
		return "", nil, err
	}
	for _, m := range a.v.pol.Members {
		k, err := note.NewEd25519VerifierKey(m.Name, m.SigningPublicKey)
		if err != nil {
			return "", nil, fmt.Errorf("member %s's signing key: %v", m.Name, err)
		}
		vkeys = append(vkeys, k)
	}
	if err := a.recordOK("audit-witness", "", "", "listed the log's origin and member keys for a witness"); err != nil {
		return "", nil, err
	}
	return a.v.log.Origin(), vkeys, nil
}
