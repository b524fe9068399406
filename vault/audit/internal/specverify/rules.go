package specverify

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// checkText: "Every string is valid UTF-8 without bidirectional-override
// characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)
// and without control characters (Unicode category Cc), except that detail
// may contain '\n' and '\t'."
func checkText(s string, detail bool) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case detail && (r == '\n' || r == '\t'):
		case unicode.Is(unicode.Cc, r):
			return fmt.Errorf("contains control character %U", r)
		case r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return fmt.Errorf("contains bidirectional character %U", r)
		}
	}
	return nil
}

// checkShort: "actor, actor_key, action, record and class are at most 256
// bytes".
func checkShort(s string) error {
	if len(s) > 256 {
		return errors.New("is longer than 256 bytes")
	}
	return checkText(s, false)
}

// checkName: "actor is non-empty and contains no white space and no '+'
// (it is also the signer name of checkpoints)"; keys-line names are "each
// name valid", taken to be the same rule.
func checkName(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if err := checkShort(s); err != nil {
		return err
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 || strings.Contains(s, "+") {
		return errors.New("contains white space or '+'")
	}
	return nil
}

// decodeB64: "standard base64 (padded)"; "Base64 must be canonical: the
// only encoding that decodes to the same bytes."
func decodeB64(s string, n int) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != n || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("is not the canonical standard base64 of %d bytes", n)
	}
	return b, nil
}

// parseKey: actor_key is "ed25519:" + standard base64 (padded) of the
// 32-byte key, which is a "canonical encoding of a curve point not of
// small order".
func parseKey(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "ed25519:")
	if !ok {
		return nil, errors.New(`does not begin with "ed25519:"`)
	}
	b, err := decodeB64(rest, 32)
	if err != nil {
		return nil, err
	}
	return b, checkPoint(b)
}

// parseTime: "RFC 3339 in UTC, fraction digits as needed (Go's
// RFC3339Nano), years 0001 to 9999", and only that spelling of the instant.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("is not an RFC 3339 time")
	}
	if t.Year() < 1 || t.Year() > 9999 || t.UTC().Format(time.RFC3339Nano) != s {
		return time.Time{}, errors.New("is not an RFC 3339 UTC time as Go's RFC3339Nano writes it")
	}
	return t, nil
}

// actionRE: "lower-case ASCII letters and digits, words joined by single
// '-'".
var actionRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// digestRE: "\"sha256:\" and the lower-case hex SHA-256".
var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// checkEntry checks every field of e as doc.go's "Entries" describes it.
func checkEntry(e *entry) error {
	if e.seq < 0 {
		return errors.New("seq is negative")
	}
	if _, err := parseTime(e.time); err != nil {
		return fmt.Errorf("time %w", err)
	}
	if err := checkName(e.actor); err != nil {
		return fmt.Errorf("actor %w", err)
	}
	if err := checkShort(e.actorKey); err != nil {
		return fmt.Errorf("actor_key %w", err)
	}
	if _, err := parseKey(e.actorKey); err != nil {
		return fmt.Errorf("actor_key %w", err)
	}
	if len(e.action) > 256 || !actionRE.MatchString(e.action) {
		return errors.New("action is not lower-case words joined by '-'")
	}
	for _, f := range []struct{ name, v string }{{"record", e.record}, {"class", e.class}} {
		if err := checkShort(f.v); err != nil {
			return fmt.Errorf("%s %w", f.name, err)
		}
	}
	switch e.outcome {
	case "ok", "denied", "error":
	default:
		return errors.New(`outcome is not "ok", "denied" or "error"`)
	}
	if len(e.detail) > 1024 {
		return errors.New("detail is longer than 1024 bytes")
	}
	if err := checkText(e.detail, true); err != nil {
		return fmt.Errorf("detail %w", err)
	}
	if e.digest != nil && !digestRE.MatchString(*e.digest) {
		return errors.New(`digest is not "sha256:" and 64 lower-case hex digits`)
	}
	if _, err := decodeB64(e.sig, 64); err != nil {
		return fmt.Errorf("sig %w", err)
	}
	return nil
}

// noteKeyHash is a checkpoint signer's key hash, "the first four bytes,
// big-endian, of SHA-256(actor name || "\n" || 0x01 || public key)", in
// hex (a key string always begins "ed25519:", so it cannot collide with a
// key in the same map).
func noteKeyHash(name string, pub []byte) string {
	h := sha256.Sum256(append([]byte(name+"\n\x01"), pub...))
	return fmt.Sprintf("%x", h[:4])
}

// leafHash is "SHA-256(0x00 || leaf)".
func leafHash(leaf []byte) [32]byte {
	return sha256.Sum256(append([]byte{0}, leaf...))
}

// nodeHash is "SHA-256(0x01 || left || right)".
func nodeHash(l, r [32]byte) [32]byte {
	return sha256.Sum256(bytes.Join([][]byte{{1}, l[:], r[:]}, nil))
}
