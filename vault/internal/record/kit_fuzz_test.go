package record

import (
	"crypto/ed25519"
	"testing"

	"time"

	tcrypto "github.com/tvault/tvault/crypto"
)

func FuzzDecodeKit(f *testing.F) {
	id := fuzzIdentity(f)
	k := &Kit{Vault: NewID(), PolicyVersion: 2, PolicyDigest: "sha256:00", Schema: "name = \"x\"\n",
		Classes: []KitClass{{Class: "testimony", Epoch: 1, Threshold: 1, Slots: []string{fuzzSlotRecipient(f)}, EpochDigest: "sha256:00"}},
		Intake:  fuzzSlotRecipient(f), Receipt: "ed25519:x", Issued: time.Unix(1700000000, 0).UTC()}
	good, err := SignKit(id, k)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeKit(good); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add([]byte("tvs1"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		k, err := DecodeKit(raw)
		wantIntegrity(t, err)
		if err == nil {
			if len(k.Classes) == 0 || k.PolicyVersion < 1 {
				t.Fatalf("accepted an inconsistent kit: %+v", k)
			}
			sameBody(t, raw, good)
		}
	})
}

func FuzzDecodeIntake(f *testing.F) {
	id := fuzzIdentity(f)
	in := &Intake{Recipient: fuzzSlotRecipient(f), PolicyVersion: 1,
		Wraps: []HolderWrap{{Member: "a", Recipient: id.Recipient(), Secret: []byte("x")}}}
	good, err := SignIntake(id, "a", in)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("tvs1"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := DecodeIntake(raw)
		wantIntegrity(t, err)
		if err == nil {
			if len(in.Wraps) == 0 {
				t.Fatalf("accepted an intake key without wraps: %+v", in)
			}
			sameBody(t, raw, good)
		}
	})
}

func FuzzDecodeFieldOrigin(f *testing.F) {
	id := fuzzIdentity(f)
	good, err := SignFieldOrigin(id, &FieldOrigin{KitDigest: "sha256:00", Member: "olena"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("tvs1"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := DecodeFieldOrigin(raw)
		wantIntegrity(t, err)
		if err == nil {
			if o.Member == "" {
				t.Fatalf("accepted an origin without a member: %+v", o)
			}
			sameBody(t, raw, good)
		}
	})
}

func FuzzDecodeBundle(f *testing.F) {
	id := fuzzIdentity(f)
	b := &Bundle{Vault: NewID(), Field: NewID(), KitDigest: "sha256:00", Sealer: "olena", Made: time.Unix(1700000000, 0).UTC(),
		Records: []BundleRecord{{ID: NewID(), Header: "sha256:00"}}}
	good, err := SignBundle(id, b)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeBundle(good); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add([]byte("tvs1"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := DecodeBundle(raw)
		wantIntegrity(t, err)
		if err == nil {
			if len(b.Records) == 0 || b.Sealer == "" {
				t.Fatalf("accepted an inconsistent manifest: %+v", b)
			}
			sameBody(t, raw, good)
		}
	})
}

func FuzzDecodeSlotOffer(f *testing.F) {
	id := fuzzIdentity(f)
	good, err := SignSlotOffer(id, &SlotOffer{Class: "identity", Number: 2, Threshold: 2, PolicyVersion: 1, Recipient: fuzzSlotRecipient(f),
		Wrap: HolderWrap{Member: "iryna", Recipient: id.Recipient(), Secret: []byte("x")}})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeSlotOffer(good, "identity", 2); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good, 2)
	f.Add(good, 3)
	f.Add([]byte("tvs1"), 0)
	f.Fuzz(func(t *testing.T, raw []byte, number int) {
		o, err := DecodeSlotOffer(raw, "identity", number)
		wantIntegrity(t, err)
		if err == nil {
			if o.Number != number || o.Threshold < 2 {
				t.Fatalf("accepted an inconsistent offer: %+v", o)
			}
			sameBody(t, raw, good)
		}
	})
}

func FuzzDecodeReceipt(f *testing.F) {
	key, err := ReceiptKey("AGE-SECRET-KEY-PQ-1X")
	if err != nil {
		f.Fatal(err)
	}
	pub := tcrypto.FormatSigningKey(key.Public().(ed25519.PublicKey))
	good, err := SignReceipt(key, &Receipt{Vault: NewID(), Field: NewID(), Bundle: "sha256:00",
		Records: []BundleRecord{{ID: NewID(), Header: "sha256:00"}}, Imported: time.Unix(1700000000, 0).UTC()})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeReceipt(good, pub); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add([]byte("tvs1"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := DecodeReceipt(raw, pub)
		wantIntegrity(t, err)
		if err == nil {
			if r.Bundle == "" {
				t.Fatalf("accepted an inconsistent receipt: %+v", r)
			}
			sameBody(t, raw, good)
		}
	})
}
