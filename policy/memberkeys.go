package policy

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"github.com/tvault/tvault/internal/edkey"
)

// parseRecipient checks an age recipient and returns its canonical form,
// whether it is post-quantum, and for an age plugin recipient (a hardware
// key, "age1yubikey1…") the plugin's name. Errors do not repeat the
// recipient: a hybrid key is two thousand characters long.
func parseRecipient(s string) (canonical string, postQuantum bool, pluginName string, err error) {
	const hint = "; paste it from the member's `tvault keygen` or `tvault card`"
	switch lower := strings.ToLower(s); {
	case strings.HasPrefix(lower, "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return "", false, "", errors.New("recipient is not a valid post-quantum age key (age1pq1…)" + hint)
		}
		return r.String(), true, "", nil
	case strings.HasPrefix(lower, "age1tag1"), strings.HasPrefix(lower, "age1tagpq1"):
		return "", false, "", errors.New("recipient is an age tag recipient, which cannot hold a member's key" + hint)
	case strings.HasPrefix(lower, "age1") && strings.Count(lower, "1") > 1:
		// The Bech32 data charset has no "1": a second one ends the name
		// of a plugin, "age1<name>1…". No plugin is known to be
		// post-quantum: a hardware key is classic (see Warnings).
		// Bech32 is all lower-case or all upper-case, never mixed.
		if s == strings.ToUpper(s) {
			s = lower
		}
		name, data, err := plugin.ParseRecipient(s)
		if err != nil {
			return "", false, "", errors.New("recipient is not a valid age plugin recipient (age1<plugin>1…)" + hint)
		}
		return plugin.EncodeRecipient(name, data), false, name, nil
	case strings.HasPrefix(lower, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return "", false, "", errors.New("recipient is not a valid X25519 age key (age1…)" + hint)
		}
		return r.String(), false, "", nil
	default:
		return "", false, "", errors.New("recipient must be an age key, age1pq1… (post-quantum), age1… (X25519) " +
			"or age1<plugin>1… (a hardware key)" + hint)
	}
}

// parseSigningKey decodes "ed25519:<standard base64 of 32 bytes>".
func parseSigningKey(s string) (ed25519.PublicKey, error) {
	const hint = "; paste it from the member's `tvault keygen` or `tvault card`"
	b64, ok := strings.CutPrefix(s, "ed25519:")
	if !ok {
		return nil, errors.New(`signing_key must start with "ed25519:"` + hint)
	}
	k, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, errors.New("signing_key is not valid standard base64" + hint)
	}
	if len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("signing_key must be %d bytes, not %d%s", ed25519.PublicKeySize, len(k), hint)
	}
	if err := edkey.Check(k); err != nil {
		return nil, fmt.Errorf("signing_key is %v%s", err, hint)
	}
	return ed25519.PublicKey(k), nil
}
