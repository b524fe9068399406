package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tvault/tvault/internal/edkey"
)

// EntryFormat is the version tag carried in every entry's "format" field.
const EntryFormat = "tvault-audit-entry v1"

// The three outcomes an entry may record.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeError  = "error"
)

const (
	maxShort    = 256  // bytes in actor, actor_key, action, record, class
	maxDetail   = 1024 // bytes in detail
	maxTreeSize = 1 << 40
	keyPrefix   = "ed25519:"
)

// ErrInvalidEntry is wrapped by the error Append returns for an entry that
// breaks the rules in the package documentation. It is a programming error
// in the caller: nothing was written.
var ErrInvalidEntry = errors.New("invalid audit entry")

// Entry is one audit log entry. Its fields are documented in the package
// documentation, section "Entries".
type Entry struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	ActorKey string    `json:"actor_key"`
	Action   string    `json:"action"`
	Record   string    `json:"record"`
	Class    string    `json:"class"`
	Outcome  string    `json:"outcome"`
	Detail   string    `json:"detail"`
	Digest   string    `json:"digest,omitempty"`
	Sig      string    `json:"sig"`
}

// SignedBytes returns the bytes the actor signs: the entry's canonical
// encoding without the "sig" member. See the package documentation,
// section "Entries", for the exact encoding.
func (e *Entry) SignedBytes() []byte {
	return e.appendCanonical(nil, false)
}

// Leaf returns the entry's canonical encoding including "sig": the bytes
// that are stored and hashed into the log with tlog.RecordHash.
func (e *Entry) Leaf() []byte {
	return e.appendCanonical(nil, true)
}

// appendCanonical appends the RFC 8785 (JCS) encoding of the entry: members
// sorted by name, no whitespace, strings escaped by appendString, seq as a
// decimal integer.
func (e *Entry) appendCanonical(dst []byte, withSig bool) []byte {
	dst = append(dst, `{"action":`...)
	dst = appendString(dst, e.Action)
	dst = append(dst, `,"actor":`...)
	dst = appendString(dst, e.Actor)
	dst = append(dst, `,"actor_key":`...)
	dst = appendString(dst, e.ActorKey)
	dst = append(dst, `,"class":`...)
	dst = appendString(dst, e.Class)
	dst = append(dst, `,"detail":`...)
	dst = appendString(dst, e.Detail)
	if e.Digest != "" {
		dst = append(dst, `,"digest":`...)
		dst = appendString(dst, e.Digest)
	}
	dst = append(dst, `,"format":`...)
	dst = appendString(dst, EntryFormat)
	dst = append(dst, `,"outcome":`...)
	dst = appendString(dst, e.Outcome)
	dst = append(dst, `,"record":`...)
	dst = appendString(dst, e.Record)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, e.Seq, 10)
	if withSig {
		dst = append(dst, `,"sig":`...)
		dst = appendString(dst, e.Sig)
	}
	dst = append(dst, `,"time":`...)
	dst = appendString(dst, formatTime(e.Time))
	return append(dst, '}')
}

// leafJSON is the decoding shape of a leaf. The canonical re-encoding check
// in ParseLeaf makes the decoder's leniency (case-insensitive names,
// duplicate names, whitespace) irrelevant.
type leafJSON struct {
	Action   string `json:"action"`
	Actor    string `json:"actor"`
	ActorKey string `json:"actor_key"`
	Class    string `json:"class"`
	Detail   string `json:"detail"`
	Digest   string `json:"digest"`
	Format   string `json:"format"`
	Outcome  string `json:"outcome"`
	Record   string `json:"record"`
	Seq      int64  `json:"seq"`
	Sig      string `json:"sig"`
	Time     string `json:"time"`
}

// ParseLeaf parses a stored leaf. It accepts only the exact canonical
// encoding Leaf produces, of a valid signed entry (the signature itself is
// not verified: that needs the actor's key).
func ParseLeaf(b []byte) (Entry, error) {
	var j leafJSON
	if err := decodeStrict(b, &j); err != nil {
		return Entry{}, fmt.Errorf("malformed entry: %s", jsonProblem(err))
	}
	if j.Format != EntryFormat {
		return Entry{}, fmt.Errorf("unsupported entry format %q", j.Format)
	}
	t, err := parseTime(j.Time)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Seq: j.Seq, Time: t, Actor: j.Actor, ActorKey: j.ActorKey, Action: j.Action,
		Record: j.Record, Class: j.Class, Outcome: j.Outcome, Detail: j.Detail, Digest: j.Digest, Sig: j.Sig}
	if err := e.validate(true); err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(e.Leaf(), b) {
		return Entry{}, errors.New("entry is not in canonical form")
	}
	return e, nil
}

// decodeStrict decodes one JSON value from b, refusing unknown members.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// validate checks the rules of the package documentation, section
// "Entries". With withSig, Sig must also be a well-formed signature. Errors
// name the field and never quote Detail.
func (e *Entry) validate(withSig bool) error { return e.validateKnown(withSig, nil) }

// validateKnown is validate, taking an actor_key found in known as valid:
// the keys of a keySet, each of which passed parseKey when it was added
// (parseKey is a pure function of the text, and checking that a key is a
// usable point costs a square root and an inversion, most of a verifier's
// sequential time when done again for every entry).
func (e *Entry) validateKnown(withSig bool, known map[string]ed25519.PublicKey) error {
	if e.Seq < 0 || e.Seq >= maxTreeSize {
		return fmt.Errorf("seq %d out of range", e.Seq)
	}
	if y := e.Time.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("time %s out of range", formatTime(e.Time))
	}
	if err := checkName(e.Actor); err != nil {
		return fmt.Errorf("actor: %v", err)
	}
	if _, ok := known[e.ActorKey]; !ok {
		if _, err := parseKey(e.ActorKey); err != nil {
			return fmt.Errorf("actor_key: %v", err)
		}
	}
	if !validAction(e.Action) {
		return fmt.Errorf("action %q is not lower-case words joined by '-'", e.Action)
	}
	if err := checkShort(e.Record); err != nil {
		return fmt.Errorf("record: %v", err)
	}
	if err := checkShort(e.Class); err != nil {
		return fmt.Errorf("class: %v", err)
	}
	switch e.Outcome {
	case OutcomeOK, OutcomeDenied, OutcomeError:
	default:
		return fmt.Errorf("outcome %q is not ok, denied or error", e.Outcome)
	}
	if err := checkDetail(e.Detail); err != nil {
		return fmt.Errorf("detail: %v", err)
	}
	if e.Digest != "" && !validDigest(e.Digest) {
		return errors.New(`digest is not "sha256:" and 64 lower-case hex digits`)
	}
	if withSig {
		if _, err := decodeSig(e.Sig); err != nil {
			return err
		}
	}
	return nil
}

func decodeSig(s string) ([]byte, error) {
	sig, err := decodeBase64(s)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("sig is not a base64 Ed25519 signature")
	}
	return sig, nil
}

// decodeBase64 decodes standard base64 with padding and accepts only the
// canonical encoding (no ignored newlines, no non-zero padding bits), so
// that every value has exactly one text form.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("not canonical base64")
	}
	return b, nil
}

// formatKey returns the text form of an Ed25519 public key, "ed25519:"
// followed by its standard base64 encoding (the form of crypto.FormatSigningKey).
func formatKey(pub ed25519.PublicKey) string {
	return keyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// parseKey parses the output of formatKey, strictly.
func parseKey(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(s, keyPrefix)
	if !ok {
		return nil, errors.New(`key does not start with "ed25519:"`)
	}
	b, err := decodeBase64(b64)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("key is not a base64 Ed25519 public key")
	}
	if err := edkey.Check(b); err != nil {
		return nil, fmt.Errorf("key is %v", err)
	}
	return ed25519.PublicKey(b), nil
}

// formatTime is the one text form of a time in this package: RFC 3339 in
// UTC with as many fractional digits as needed (time.RFC3339Nano).
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTime accepts only what formatTime produces.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || formatTime(t) != s {
		return time.Time{}, fmt.Errorf("time %q is not RFC 3339 UTC in canonical form", truncate(s))
	}
	return t.UTC(), nil
}

// validAction reports whether s is lower-case ASCII words (letters and
// digits) joined by single '-'.
func validAction(s string) bool {
	if s == "" || len(s) > maxShort || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkName checks an actor or key name: a short field that is also a
// valid signed-note signer name (no spaces, no '+'), because the actor
// signs checkpoints under that name.
func checkName(s string) error {
	if s == "" {
		return errors.New("empty name")
	}
	if err := checkShort(s); err != nil {
		return err
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 || strings.Contains(s, "+") {
		return fmt.Errorf("name %q contains a space or '+'", s)
	}
	return nil
}

// checkShort checks a one-line field: valid UTF-8, at most maxShort bytes,
// no control or bidirectional-override characters (which could make a
// court's display of the field differ from its bytes).
func checkShort(s string) error {
	if len(s) > maxShort {
		return fmt.Errorf("longer than %d bytes", maxShort)
	}
	return checkText(s, false)
}

// checkDetail checks the free-text field: like a short field but up to
// maxDetail bytes and allowing '\n' and '\t'. '\r' is refused: CSV readers
// turn "\r\n" inside a field into "\n", so it would not survive export.
func checkDetail(s string) error {
	if len(s) > maxDetail {
		return fmt.Errorf("longer than %d bytes", maxDetail)
	}
	return checkText(s, true)
}

func checkText(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || isBidiControl(r) {
			return fmt.Errorf("contains control character %U", r)
		}
	}
	return nil
}

func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || 0x202A <= r && r <= 0x202E || 0x2066 <= r && r <= 0x2069
}

// appendString appends s as a JSON string escaped as RFC 8785 (JCS)
// requires: '"' and '\\' escaped, \b \t \n \f \r in their short forms, other
// characters below U+0020 as \u00xx (lower-case hex), everything else as
// its UTF-8 bytes. Invalid UTF-8 is written as U+FFFD; callers validate
// before encoding, so that never happens to a value that is signed.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				if c < 0x20 {
					dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
				} else {
					dst = append(dst, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// truncate shortens untrusted text quoted in an error message, at a
// character boundary.
func truncate(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
