package crypto_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
)

func TestWrapSlotSecret(t *testing.T) {
	slot, err := tcrypto.GenerateSlotKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(slot.Recipient().String(), "age1pq1") {
		t.Fatalf("slot key is not post-quantum")
	}

	// A DEK share wrapped to a slot.
	share := mustDEK(t)
	ct, err := tcrypto.Wrap(share, slot.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(ct, []byte("age-encryption.org/v1\n-> mlkem768x25519 ")) {
		t.Errorf("wrapped share is not a binary age file with one hybrid stanza")
	}
	got, err := tcrypto.Unwrap(ct, slot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, share) {
		t.Error("unwrapped share differs")
	}

	// The slot secret wrapped to each holder separately, PQ and classic.
	for _, classic := range []bool{false, true} {
		holder := mustGenerate(t, classic)
		ct, err := tcrypto.Wrap([]byte(slot.String()), holder.AgeRecipient())
		if err != nil {
			t.Fatal(err)
		}
		other := mustGenerate(t, classic)
		got, err := tcrypto.Unwrap(ct, other.AgeIdentity(), holder.AgeIdentity())
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != slot.String() {
			t.Error("unwrapped slot secret differs")
		}
		_, err = tcrypto.Unwrap(ct, other.AgeIdentity())
		var nm *age.NoIdentityMatchError
		if !errors.As(err, &nm) {
			t.Errorf("unwrap with another identity: got %v, want *age.NoIdentityMatchError", err)
		}
	}

}

func TestWrapLimits(t *testing.T) {
	slot, err := tcrypto.GenerateSlotKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tcrypto.Wrap(make([]byte, 64<<10+1), slot.Recipient()); err == nil {
		t.Error("Wrap accepted more than 64 KiB")
	}
	ct, err := tcrypto.Wrap(make([]byte, 64<<10), slot.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tcrypto.Unwrap(ct, slot); err != nil {
		t.Errorf("Unwrap of 64 KiB: %v", err)
	}
	// A larger file made directly with age is refused by Unwrap.
	buf := &bytes.Buffer{}
	w, err := age.Encrypt(buf, slot.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 64<<10+1))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tcrypto.Unwrap(buf.Bytes(), slot); err == nil {
		t.Error("Unwrap returned more than 64 KiB")
	}
	if _, err := tcrypto.Wrap([]byte("x"), nil); err == nil {
		t.Error("Wrap to a nil recipient succeeded")
	}
	if _, err := tcrypto.Unwrap([]byte("not age"), slot); err == nil {
		t.Error("Unwrap of garbage succeeded")
	}
	// Tampering is detected.
	ct, err = tcrypto.Wrap([]byte("share"), slot.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := tcrypto.Unwrap(ct, slot); err == nil {
		t.Error("Unwrap of a tampered file succeeded")
	}
}
