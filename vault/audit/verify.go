package audit

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/internal/fault"
)

// This file holds what every verifier shares: the failure it reports and
// the summary of what it checked. The verifiers are VerifyExport
// (verifyexport.go, its entry lines checked on every core in
// verifyentries.go), VerifyLog and VerifyAgainst (verifylog.go); their
// parts are the key set (keyset.go), the signature checker (checker.go)
// and the Merkle tree and proofs (tree.go).

// ErrTampered is wrapped by every *TamperError. It is a
// fault.ErrIntegrity: a tampered log is damaged data, whichever verifier
// found it.
var ErrTampered = fault.Sentinel("audit log failed verification", fault.ErrIntegrity)

// TamperError reports the first thing found wrong in an export or a log:
// a changed, missing, reordered or added entry, a bad signature or proof,
// a malformed line, a checkpoint that does not match.
type TamperError struct {
	Seq    int64  // the entry concerned, or -1 when it is not about one entry
	Line   int    // the export's line (from 1), or 0 when not reading an export
	Reason string // the whole message, e.g. "entry 17: signature does not verify"
	kind   error  // a more precise cause, or nil
}

func (e *TamperError) Error() string { return e.Reason }

// ErrMissingCosignatures is wrapped, besides ErrTampered, by the
// *TamperError of an export or log without the witnesses' cosignatures
// that VerifyOptions require: the remedy may be to have them cosign.
var ErrMissingCosignatures = errors.New("witnesses' cosignatures missing")

// Unwrap returns ErrTampered, and the error's kind if it has one
// (ErrMissingCosignatures).
func (e *TamperError) Unwrap() []error {
	if e.kind != nil {
		return []error{ErrTampered, e.kind}
	}
	return []error{ErrTampered}
}

func tamperf(seq int64, line int, format string, args ...any) *TamperError {
	return &TamperError{Seq: seq, Line: line, Reason: fmt.Sprintf(format, args...)}
}

// Summary describes what a verification checked.
type Summary struct {
	Origin    string    // the log's origin line ("tvault/<vault id>"); set by VerifyExport
	Entries   int64     // entries checked
	TreeSize  int64     // size of the tree the checkpoint signs
	Filtered  bool      // the export selects entries and proves each with an inclusion proof
	Root      tlog.Hash // the checkpoint's root
	Signer    string    // the name that signed the checkpoint
	SignerKey string    // the signer's key, "ed25519:<base64>"
	First     time.Time // time of the first entry checked (zero if none)
	Last      time.Time // time of the last entry checked (zero if none)
	// KeysFrom says where the keys that verified an export came from:
	// KeysFromExport, or VerifyOptions.TrustedFrom. Empty for a vault's
	// own log, verified with its policy's keys.
	KeysFrom  string
	Against   *Checkpoint // the earlier checkpoint the log was proven to extend, if one was given
	Witnessed []Witnessed // the witnesses whose cosignature verified, by name
}

// String returns a one-line report, e.g. "ok: 1234 entries, tree size
// 1234, root <base64>, checkpoint signed by iryna (ed25519:…)". The key is
// there so that a reader can compare it with the member's card: an export
// proves itself consistent, and the key says whose word it is.
func (s Summary) String() string {
	filtered := ""
	if s.Filtered {
		filtered = " (filtered)"
	}
	key := ""
	if s.SignerKey != "" {
		key = " (" + s.SignerKey + ")"
	}
	out := fmt.Sprintf("ok: %d entries%s, tree size %d, root %s, checkpoint signed by %s%s",
		s.Entries, filtered, s.TreeSize, s.Root, s.Signer, key)
	if s.Against != nil {
		out += fmt.Sprintf("; extends the earlier checkpoint of %d entries", s.Against.Size)
	}
	for _, w := range s.Witnessed {
		out += fmt.Sprintf("; cosigned by witness %s at tree size %d", w.Name, w.Size)
	}
	switch s.KeysFrom {
	case "":
	case KeysFromExport:
		out += "; the keys came from the export itself: compare them with the members' cards, or verify with --trust"
	default:
		out += "; keys from " + s.KeysFrom
	}
	return out
}

// count adds an entry of time t.
func (s *Summary) count(t time.Time) {
	if s.Entries == 0 {
		s.First = t
	}
	s.Last = t
	s.Entries++
}
