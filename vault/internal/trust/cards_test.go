package trust

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/internal/fault"
)

// cardsFile is a cards file for the team's names, each block with the
// extra lines given (roles, say).
func (tm *team) cardsFile(extra string, names ...string) string {
	var b strings.Builder
	b.WriteString("# cards\n")
	for _, n := range names {
		c := tm.ids[n].Card()
		fmt.Fprintf(&b, "\n[[members]]\nname = %q\n%srecipient = %q\nsigning_key = %q\ncard_sig = %q\n", n, extra, c.Recipient, c.SigningKey, c.Signature)
	}
	return b.String()
}

func TestParseCards(t *testing.T) {
	tm := newTeam(t)
	for _, extra := range []string{"", "roles = [\"legal\"]\n"} {
		keys, err := ParseCards([]byte(tm.cardsFile(extra, "iryna", "olena", "iryna")))
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[0].Name != "iryna" || keys[1].Name != "olena" ||
			keys[0].Key != tm.ids["iryna"].Card().SigningKey || !keys[0].Member || keys[0].PolicyVersions != nil {
			t.Fatalf("keys %+v", keys)
		}
	}
	// A member whose key changed has two cards under one name.
	two := tm.cardsFile("", "iryna") + strings.Replace(tm.cardsFile("", "olena"), `name = "olena"`, `name = "iryna"`, 1)
	if keys, err := ParseCards([]byte(two)); err != nil || len(keys) != 2 || keys[1].Name != "iryna" {
		t.Fatalf("two cards of iryna: %+v, %v", keys, err)
	}
}

func TestParseCardsRefused(t *testing.T) {
	tm := newTeam(t)
	good := tm.cardsFile("", "iryna", "olena")
	iryna, olena := tm.ids["iryna"].Card(), tm.ids["olena"].Card()
	format := []struct{ name, file, want string }{
		{"empty", "", "no [[members]]"},
		{"garbage", "not a cards file\n", "does not parse"},
		{"binary", "\x00\x01\x02", "does not parse"},
		{"a policy", "name = \"p\"\n" + good, "does not parse"},
		{"unknown key", strings.Replace(good, "card_sig", "plugin = \"x\"\ncard_sig", 1), "unknown key"},
		{"no card_sig", strings.Replace(good, "card_sig = \""+iryna.Signature+"\"\n", "", 1), "lacks one of"},
		{"no name", strings.Replace(good, "name = \"iryna\"\n", "", 1), "lacks one of"},
	}
	for _, tc := range format {
		_, err := ParseCards([]byte(tc.file))
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a format error saying %q", tc.name, err, tc.want)
		}
	}
	integrity := []struct{ name, file, want string }{
		{"another card's card_sig", strings.Replace(good, iryna.Signature, olena.Signature, 1), `member "iryna": the card does not verify`},
		{"another recipient", strings.Replace(good, iryna.Recipient, olena.Recipient, 1), "does not verify"},
		{"malformed key", strings.Replace(good, iryna.SigningKey, "ed25519:AAAA", 1), "does not verify"},
		{"unknown", strings.Replace(good, `name = "iryna"`, `name = "unknown"`, 1), "not one a policy allows"},
		{"bad name", strings.Replace(good, `name = "iryna"`, `name = "iry na"`, 1), "not one a policy allows"},
	}
	for _, tc := range integrity {
		_, err := ParseCards([]byte(tc.file))
		if !errors.Is(err, fault.ErrIntegrity) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an integrity error saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := ParseCards([]byte(strings.Repeat("#", MaxCardsSize+1))); err == nil {
		t.Error("an oversized file: accepted")
	}
}
