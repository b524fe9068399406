package trust

import (
	"bytes"
	"errors"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// FuzzParseChain: any input either fails with an integrity error or is a
// chain whose every version verifies, that writes back to a file that
// parses to the same chain.
func FuzzParseChain(f *testing.F) {
	c := newChain(f)
	f.Add(c.file)
	f.Add(c.file[:len(c.file)/2])
	f.Add([]byte(ChainTag + `1,"origin":"tvault/x","versions":[]}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseChain(b, "")
		if err != nil {
			if !errors.Is(err, fault.ErrIntegrity) {
				t.Fatalf("not an integrity error: %v", err)
			}
			return
		}
		if len(got.Versions) == 0 || got.Origin != origin(got.Versions[0].Raw) {
			t.Fatalf("accepted a chain of %d versions, origin %q", len(got.Versions), got.Origin)
		}
		var buf bytes.Buffer
		if err := WriteChain(&buf, got.Versions); err != nil {
			t.Fatal(err)
		}
		again, err := ParseChain(buf.Bytes(), got.VaultID())
		if err != nil || len(again.Versions) != len(got.Versions) {
			t.Fatalf("rewritten chain: %v", err)
		}
		for i, v := range again.Versions {
			if !bytes.Equal(v.Raw, got.Versions[i].Raw) || !bytes.Equal(v.Entry, got.Versions[i].Entry) || v.Applied != got.Versions[i].Applied {
				t.Fatalf("version %d differs after a round trip", i+1)
			}
		}
	})
}

// FuzzParseCards: any input is a format error, an integrity error, or
// cards whose every key parses and whose names are non-empty.
func FuzzParseCards(f *testing.F) {
	tm := newTeam(f)
	f.Add([]byte(tm.cardsFile("", "iryna", "olena")))
	f.Add([]byte(tm.cardsFile("roles = [\"legal\"]\n", "admin")))
	f.Add([]byte("[[members]]\nname = \"x\"\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := ParseCards(b)
		var fe *FormatError
		if err != nil {
			if !errors.As(err, &fe) && !errors.Is(err, fault.ErrIntegrity) {
				t.Fatalf("neither a format nor an integrity error: %v", err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("accepted no keys")
		}
		for _, k := range keys {
			if _, err := tcrypto.ParseSigningKey(k.Key); err != nil || k.Name == "" || !k.Member {
				t.Fatalf("accepted %+v", k)
			}
		}
	})
}
