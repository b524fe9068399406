package witness

import (
	"bytes"
	"errors"
	"fmt"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
)

// ErrBadCosignature is returned when a witness's answer, or a kept
// cosigned checkpoint, carries a signature by the witness's key that does
// not verify over the checkpoint, or none at all.
var ErrBadCosignature = errors.New("cosignature does not verify")

// ErrMalformed is returned when a witness's answer is not signature lines.
var ErrMalformed = errors.New("the witness's answer is not cosignature lines")

// Cosign checks a witness's answer to add-checkpoint — signed-note
// signature lines, "— <name> <base64>\n" each — against the checkpoint it
// was sent and the witness's verifier v, and returns the cosigned
// checkpoint to keep: the checkpoint as sent followed by v's verified
// cosignature lines only (others the witness added, for keys of other
// algorithms, are dropped). An answer with no valid signature by v, or
// with an invalid one, is ErrBadCosignature; an answer that is not
// signature lines is ErrMalformed.
func Cosign(checkpoint, answer []byte, v note.Verifier) ([]byte, error) {
	if len(answer) == 0 || answer[len(answer)-1] != '\n' || bytes.Contains(answer, []byte("\n\n")) ||
		!bytes.HasPrefix(answer, []byte("— ")) {
		return nil, ErrMalformed
	}
	for _, line := range bytes.SplitAfter(answer[:len(answer)-1], []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("— ")) {
			return nil, ErrMalformed
		}
	}
	msg := append(append([]byte(nil), checkpoint...), answer...)
	sigs, err := open(msg, v)
	if err != nil {
		return nil, err
	}
	return appendSigs(append([]byte(nil), checkpoint...), sigs), nil
}

// Open checks a kept cosigned checkpoint against the witness's verifier v
// and returns the note without v's lines: the checkpoint as its signer
// made it, for checks that accept only the log's own keys.
func Open(cosigned []byte, v note.Verifier) (checkpoint []byte, err error) {
	n, err := note.Open(cosigned, note.VerifierList(v))
	if err != nil {
		return nil, describe(err, v)
	}
	if len(n.Sigs) == 0 {
		return nil, fmt.Errorf("%w: no cosignature by %s", ErrBadCosignature, v.Name())
	}
	return appendSigs([]byte(n.Text+"\n"), n.UnverifiedSigs), nil
}

// open verifies msg with v alone and returns v's signatures.
func open(msg []byte, v note.Verifier) ([]note.Signature, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, describe(err, v)
	}
	return n.Sigs, nil
}

func describe(err error, v note.Verifier) error {
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		return fmt.Errorf("%w: no cosignature by %s", ErrBadCosignature, v.Name())
	case errors.As(err, &invalid):
		return fmt.Errorf("%w: the cosignature by %s is not over this checkpoint", ErrBadCosignature, v.Name())
	}
	return ErrMalformed
}

// appendSigs appends signature lines in the signed-note encoding.
func appendSigs(b []byte, sigs []note.Signature) []byte {
	for _, s := range sigs {
		b = fmt.Appendf(b, "— %s %s\n", s.Name, s.Base64)
	}
	return b
}

// CheckpointSize returns the tree size of a checkpoint note (signed or
// not), as c2sp.org/tlog-checkpoint parses it.
func CheckpointSize(msg []byte) (int64, error) {
	text, _, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return 0, errors.New("checkpoint note has no signature block")
	}
	c, err := torchwood.ParseCheckpoint(string(text) + "\n")
	if err != nil {
		return 0, errors.New("malformed checkpoint")
	}
	return c.N, nil
}
