package record

import "testing"

func FuzzDecodeGrant(f *testing.F) {
	id := fuzzIdentity(f)
	g := &Grant{Class: "identity", Number: 2, PolicyVersion: 3,
		Wraps: []HolderWrap{{Member: "lawyer", Recipient: id.Recipient(), Secret: []byte("x")}}}
	good, err := SignGrant(id, "iryna", g)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeGrant(good, "identity", 2); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good, "identity", 2)
	f.Add(good, "identity", 1)
	f.Add(good, "testimony", 2)
	f.Add([]byte("tvs1"), "", 0)
	f.Fuzz(func(t *testing.T, raw []byte, class string, number int) {
		g, err := DecodeGrant(raw, class, number)
		wantIntegrity(t, err)
		if err == nil {
			if g.Class != class || g.Number != number || len(g.Wraps) == 0 || g.PolicyVersion < 1 {
				t.Fatalf("accepted an inconsistent grant: %+v", g)
			}
			sameBody(t, raw, good)
		}
	})
}
