package crypto_test

import (
	"bytes"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
)

// FuzzParsePluginIdentityFile: never panics; what it accepts has one
// identity line and a recipient of the same plugin, both in the input.
func FuzzParsePluginIdentityFile(f *testing.F) {
	f.Add([]byte("#    Recipient: age1tvtest1qqqq\nAGE-PLUGIN-TVTEST-1QQQQ\n"))
	f.Add([]byte("# public key: age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t\n" +
		"AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"))
	f.Add([]byte("AGE-PLUGIN-\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := tcrypto.ParsePluginIdentityFile(data)
		if err != nil {
			return
		}
		if !bytes.Contains(data, []byte(pf.Identity)) || !bytes.Contains(data, []byte(pf.Recipient)) || pf.Plugin == "" {
			t.Fatalf("accepted %+v from %q", pf, data)
		}
		if tcrypto.PluginName(pf.Recipient) != pf.Plugin || tcrypto.PluginName(pf.Identity) != pf.Plugin {
			t.Fatalf("plugin names differ: %+v", pf)
		}
	})
}

// FuzzParseSigningKeyPlaintext: never panics; a seed it accepts is 32
// bytes, and the plaintext re-encodes to exactly the input.
func FuzzParseSigningKeyPlaintext(f *testing.F) {
	f.Add([]byte("tvault plugin signing key v1\nrecipient: age1x1q\nseed: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), "age1x1q")
	f.Add([]byte("tvault plugin signing key v1\n"), "")
	f.Fuzz(func(t *testing.T, pt []byte, recipient string) {
		seed, err := tcrypto.ParseSigningKeyPlaintext(pt, recipient)
		if err != nil {
			return
		}
		if len(seed) != 32 {
			t.Fatalf("seed of %d bytes", len(seed))
		}
		if !bytes.Equal(pt, plaintext(recipient, seed)) {
			t.Fatalf("%q is not canonical", pt)
		}
	})
}
