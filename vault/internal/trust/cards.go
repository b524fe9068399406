package trust

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/fault"
)

// MaxCardsSize bounds a cards file, as a policy is bounded.
const MaxCardsSize = 1 << 20

// FormatError reports a file that is not in the format it was read as: a
// cards file that does not parse, or lacks a member's field. A card that
// parses but does not verify is an integrity error instead.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return e.Msg }

type cardsJSON struct {
	Members []cardJSON `toml:"members"`
}

type cardJSON struct {
	Name       string   `toml:"name"`
	Roles      []string `toml:"roles"` // as in a policy's member block; ignored
	Recipient  string   `toml:"recipient"`
	SigningKey string   `toml:"signing_key"`
	CardSig    string   `toml:"card_sig"`
}

// ParseCards reads a cards file (see the package documentation) and
// returns each card's signing key as a member's key under its name, in the
// file's order, a (name, key) pair given twice once. A file that does not
// parse, has no member, or a member without one of name, recipient,
// signing_key and card_sig is a *FormatError; a card whose card_sig does
// not verify, or whose name a policy would refuse, wraps
// fault.ErrIntegrity.
func ParseCards(b []byte) ([]audit.KeyInfo, error) {
	if len(b) > MaxCardsSize {
		return nil, &FormatError{fmt.Sprintf("a cards file is at most %d bytes", MaxCardsSize)}
	}
	var f cardsJSON
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &FormatError{"it does not parse as a cards file (TOML with only [[members]] blocks of name, recipient, signing_key and card_sig): " + cardsProblem(err)}
	}
	if len(f.Members) == 0 {
		return nil, &FormatError{"it lists no [[members]] cards"}
	}
	var out []audit.KeyInfo
	seen := map[[2]string]bool{}
	for i, m := range f.Members {
		subj := fmt.Sprintf("member %d", i+1)
		if m.Name != "" {
			subj = fmt.Sprintf("member %q", m.Name)
		}
		if m.Name == "" || m.Recipient == "" || m.SigningKey == "" || m.CardSig == "" {
			return nil, &FormatError{subj + " lacks one of name, recipient, signing_key and card_sig: paste all three lines 'tvault card' prints, under name"}
		}
		if !policy.ValidMemberName(m.Name) || m.Name == "unknown" { // reserved by the policy language
			return nil, fault.Integrityf("%s: the name is not one a policy allows", subj)
		}
		card := tcrypto.Card{Recipient: m.Recipient, SigningKey: m.SigningKey, Signature: m.CardSig}
		if err := card.Verify(); err != nil {
			return nil, fault.Integrityf("%s: the card does not verify (%v): ask the member for the three lines 'tvault card' prints", subj, err)
		}
		k := [2]string{m.Name, m.SigningKey}
		if !seen[k] {
			seen[k] = true
			out = append(out, audit.KeyInfo{Name: m.Name, Key: m.SigningKey, Member: true})
		}
	}
	return out, nil
}

// cardsProblem is go-toml's reason without the offending line it quotes
// (which could be anything a user pointed --trust at), with its position.
func cardsProblem(err error) string {
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		line, _ := se.Errors[0].Position()
		return fmt.Sprintf("line %d: unknown key %q", line, strings.Join(se.Errors[0].Key(), "."))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		return fmt.Sprintf("line %d: %s", line, strings.TrimPrefix(de.Error(), "toml: "))
	}
	return strings.TrimPrefix(err.Error(), "toml: ")
}
