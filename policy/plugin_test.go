package policy

import (
	"strings"
	"testing"

	"filippo.io/age/plugin"
)

// TestPluginRecipient: a member's key may be a hardware key (an age plugin
// recipient), kept in canonical lower-case form, classic, and warned about
// in a sentence of its own.
func TestPluginRecipient(t *testing.T) {
	yk := plugin.EncodeRecipient("yubikey", []byte("a P-256 key on a YubiKey, 33 byte"))
	if yk == "" {
		t.Fatal("cannot encode a plugin recipient")
	}
	for _, written := range []string{yk, strings.ToUpper(yk)} {
		src := testPolicy(t, replace(`recipient = "PQ1"`, `recipient = "`+written+`"`))
		p, err := Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := p.Member("iryna")
		if m.Recipient != yk || m.PostQuantum || m.Plugin != "yubikey" {
			t.Errorf("iryna: recipient %q, post-quantum %v, plugin %q", m.Recipient, m.PostQuantum, m.Plugin)
		}
		if m, _ := p.MemberByRecipient(yk); m.Name != "iryna" {
			t.Errorf("MemberByRecipient = %q", m.Name)
		}
		// testimony: taras (X25519) and iryna (hardware); identity the same.
		ws := p.Warnings()
		if len(ws) != 4 {
			t.Fatalf("Warnings() = %v, want X25519 and hardware for each class", ws)
		}
		var hw int
		for _, w := range ws {
			if strings.Contains(w.Msg, "hardware keys (age-plugin-yubikey)") {
				hw++
				if !strings.Contains(w.Msg, `"iryna"`) || strings.Contains(w.Msg, "taras") || !strings.Contains(w.Msg, "not post-quantum") {
					t.Errorf("hardware warning %v", w)
				}
			}
		}
		if hw != 2 {
			t.Errorf("%d hardware warnings, want 2: %v", hw, ws)
		}
	}
	// The same key written twice is the same recipient.
	src := testPolicy(t, replace(`recipient = "PQ1"`, `recipient = "`+yk+`"`), replace(`recipient = "X0"`, `recipient = "`+strings.ToUpper(yk)+`"`))
	if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), "same recipient") {
		t.Errorf("one hardware key for two members: %v", err)
	}
}
