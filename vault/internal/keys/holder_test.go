package keys

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit/ageplugin"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/fault"
)

// hardwareTeam is the test team with taras's key on a (software) hardware
// key, age-plugin-tvtest, which is put on PATH.
func hardwareTeam(t *testing.T) (*policy.Policy, *tcrypto.Identity, Anchor, []byte) {
	t.Helper()
	dir := t.TempDir()
	if _, err := ageplugin.Build(dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	tm, _ := team(t, 1)
	idStr, r, err := ageplugin.Generate()
	if err != nil {
		t.Fatal(err)
	}
	hw, err := tcrypto.GeneratePluginIdentity([]byte(ageplugin.IdentityFile(idStr, r)), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := hw.Card()
	src := string(tm.Policy)
	i := strings.Index(src, `name = "taras"`)
	block := src[i:]
	for k, v := range map[string]string{"recipient": c.Recipient, "signing_key": c.SigningKey, "card_sig": c.Signature} {
		block = regexp.MustCompile(`(?m)^`+k+` = .*$`).ReplaceAllLiteralString(block, k+` = "`+v+`"`)
	}
	pol, err := policy.Parse([]byte(src[:i] + block))
	if err != nil {
		t.Fatal(err)
	}
	raw, anchor := signed(t, tm, pol, "identity")
	return pol, hw, anchor, raw
}

// TestHardwareHolder: a slot secret wrapped to a hardware key opens
// through its plugin; a plugin that fails (here: asks for a PIN nobody
// gives) is an error naming the member, never an integrity failure; and
// without the plugin, wrapping names the member and the plugin.
func TestHardwareHolder(t *testing.T) {
	pol, hw, anchor, raw := hardwareTeam(t)
	e, err := Load(raw, "identity", 1, anchor)
	if err != nil {
		t.Fatal(err)
	}
	dek := bytes.Repeat([]byte{9}, 32)
	w, err := e.WrapDEK(dek)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.OpenDEK(w, hw)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("OpenDEK as the hardware key = %x, %v", got, err)
	}

	t.Setenv("TVTEST_PIN", "1234")
	_, err = e.OpenDEK(w, hw)
	if err == nil || errors.Is(err, fault.ErrIntegrity) || !strings.Contains(err.Error(), "member taras's key could not be used") {
		t.Errorf("OpenDEK with a failing plugin: %v, want a plain error naming taras", err)
	}

	t.Setenv("PATH", t.TempDir())
	taras, _ := pol.Member("taras")
	_, err = WrapToMember(taras, []byte("secret"))
	if err == nil || err.Error() != "member taras's key needs age-plugin-tvtest on PATH: install it" {
		t.Errorf("WrapToMember without the plugin: %v", err)
	}
	if _, err := Generate(pol, 1, "identity", 2); err == nil || !strings.Contains(err.Error(), "age-plugin-tvtest on PATH") {
		t.Errorf("Generate without the plugin: %v", err)
	}
}
