package record

import (
	"testing"
	"time"
)

func FuzzDecodeContribution(f *testing.F) {
	id := fuzzIdentity(f)
	good, err := SignContribution(id, "iryna", &Contribution{Record: "aaaaaaaaaaaaaaaaaaaa", Class: "identity",
		From: 1, To: 2, X: 2, SubShares: [][]byte{[]byte("a"), []byte("b")}})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeContribution(good, "aaaaaaaaaaaaaaaaaaaa", "identity"); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add(good[:80])
	f.Add([]byte("tvs1{}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := DecodeContribution(raw, "aaaaaaaaaaaaaaaaaaaa", "identity")
		wantIntegrity(t, err)
		if err != nil {
			return
		}
		sameBody(t, raw, good)
		if c.X == 0 || c.From == c.To || len(c.SubShares) == 0 {
			t.Fatalf("accepted an impossible contribution: %+v", c)
		}
	})
}

func FuzzDecodeUnmaskRequest(f *testing.F) {
	id := fuzzIdentity(f)
	good, err := SignUnmaskRequest(id, "iryna", &UnmaskRequest{ID: "bbbbbbbbbbbbbbbbbbbb", Record: "aaaaaaaaaaaaaaaaaaaa",
		Class: "identity", Epoch: 1, Threshold: 2, X: 1, Reason: "court order 12", Recipient: id.Recipient(),
		RequestedAt: time.Unix(1700000000, 0).UTC()})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeUnmaskRequest(good, "bbbbbbbbbbbbbbbbbbbb"); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add(good[:90])
	f.Add([]byte("tvs1{}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := DecodeUnmaskRequest(raw, "bbbbbbbbbbbbbbbbbbbb")
		wantIntegrity(t, err)
		if err != nil {
			return
		}
		sameBody(t, raw, good)
		if r.ID != "bbbbbbbbbbbbbbbbbbbb" || r.X == 0 || r.Threshold < 2 {
			t.Fatalf("accepted an impossible request: %+v", r)
		}
	})
}

func FuzzDecodeUnmaskGrant(f *testing.F) {
	id := fuzzIdentity(f)
	good, err := SignUnmaskGrant(id, "taras", &UnmaskGrant{Request: "bbbbbbbbbbbbbbbbbbbb", RequestHash: "00",
		Record: "aaaaaaaaaaaaaaaaaaaa", Class: "identity", Epoch: 1, Requester: "iryna", X: 2, Share: []byte("age"),
		GrantedAt: time.Unix(1700000000, 0).UTC()})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeUnmaskGrant(good, "bbbbbbbbbbbbbbbbbbbb", "taras"); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add(good[:90])
	f.Add([]byte("tvs1{}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, err := DecodeUnmaskGrant(raw, "bbbbbbbbbbbbbbbbbbbb", "taras")
		wantIntegrity(t, err)
		if err != nil {
			return
		}
		sameBody(t, raw, good)
		if g.Request != "bbbbbbbbbbbbbbbbbbbb" || g.SignedBy != "taras" || g.X == 0 {
			t.Fatalf("accepted a grant of another request or signer: %+v", g)
		}
	})
}
