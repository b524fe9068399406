package record

import (
	"bytes"
	"errors"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

func TestPaddedSize(t *testing.T) {
	for _, c := range []struct{ n, want int64 }{
		{-1, MinPaddedSize},
		{0, MinPaddedSize},
		{1, MinPaddedSize},
		{4095, 4096},
		{4096, 4096},
		{4097, 4352}, // 4–8 KiB: steps of 256 bytes
		{4352, 4352},
		{4353, 4608},
		{65535, 65536},
		{65536, 65536},
		{65537, 67584},         // 64–128 KiB: steps of 2 KiB
		{1_032_192, 1_032_192}, // 63 × 16 KiB: the largest padded size below 1 MiB
		{1_032_193, 1 << 20},
		{1 << 20, 1 << 20},
		{1<<20 + 1, 1<<20 + 32<<10}, // 1–2 MiB: steps of 32 KiB
		{1_500_000, 1_507_328},
		{1_501_000, 1_507_328},
		// 256–512 MiB: steps of 8 MiB. A 400,000,000-byte video is stored
		// like every size from 394,264,577 to 402,653,184 bytes.
		{394_264_576, 394_264_576},
		{394_264_577, 402_653_184},
		{400_000_000, 402_653_184},
		{402_653_184, 402_653_184},
		{4 << 30, 4 << 30},
		{4<<30 + 1, 4<<30 + 64<<20}, // above 4 GiB: steps of 64 MiB
		{maxPaddable, maxPaddable},
		{1<<63 - 1, 1<<63 - 1},
	} {
		if got := PaddedSize(c.n); got != c.want {
			t.Errorf("PaddedSize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// checkPaddedSize checks what every padded size must be: at least the
// content and MinPaddedSize, within Padmé's bound, and a fixed point.
func checkPaddedSize(t *testing.T, n int64) {
	p := PaddedSize(n)
	if p < n || p < MinPaddedSize {
		t.Fatalf("PaddedSize(%d) = %d, smaller than the content or the minimum", n, p)
	}
	if n > MinPaddedSize && n < maxPaddable && float64(p-n) > float64(n)/16 {
		t.Fatalf("PaddedSize(%d) = %d: more than 6.25%% overhead", n, p)
	}
	if PaddedSize(p) != p {
		t.Fatalf("PaddedSize(%d) = %d, but PaddedSize(%d) = %d", n, p, p, PaddedSize(p))
	}
	if n > 0 && n < maxPaddable && PaddedSize(n-1) > p {
		t.Fatalf("PaddedSize is not monotonic at %d", n)
	}
}

func TestPaddedSizeProperties(t *testing.T) {
	for n := int64(-2); n < 300_000; n++ {
		checkPaddedSize(t, n)
	}
	for e := 12; e < 63; e++ {
		for _, d := range []int64{-1, 0, 1, 12345} {
			checkPaddedSize(t, int64(1)<<e+d)
		}
	}
}

// paddedSizesBelow counts the distinct padded sizes from MinPaddedSize to
// limit (a power of two), octave by octave.
func paddedSizesBelow(limit int64) int64 {
	count := int64(1) // MinPaddedSize itself
	for lo := int64(MinPaddedSize); lo < limit; lo *= 2 {
		step := PaddedSize(lo+1) - lo
		count += lo / step
	}
	return count
}

// TestPaddedSizeCount: the numbers SECURITY.md gives. From 4 KiB to 4 GiB
// there are 4,294,963,201 possible sizes and 577 padded ones: 16 per
// octave below 64 KiB, 32 per octave up to 4 GiB.
func TestPaddedSizeCount(t *testing.T) {
	if got := paddedSizesBelow(4 << 30); got != 577 {
		t.Errorf("%d padded sizes from 4 KiB to 4 GiB, want 577", got)
	}
	// The same count by brute force where it is affordable.
	distinct := map[int64]bool{}
	for n := int64(0); n <= 1<<20; n++ {
		distinct[PaddedSize(n)] = true
	}
	if got := int64(len(distinct)); got != paddedSizesBelow(1<<20) {
		t.Errorf("%d padded sizes up to 1 MiB, counted %d by octaves", got, paddedSizesBelow(1<<20))
	}
}

func TestUnpadManifest(t *testing.T) {
	json := []byte(`{"record":"r","class":"c"}`)
	padded := append(bytes.Clone(json), make([]byte, MinPaddedSize-len(json))...)
	if got, err := UnpadManifest(padded, "r", "c", true); err != nil || !bytes.Equal(got, json) {
		t.Errorf("UnpadManifest(padded) = %q, %v", got, err)
	}
	if got, err := UnpadManifest(json, "r", "c", false); err != nil || !bytes.Equal(got, json) {
		t.Errorf("UnpadManifest(unpadded record) = %q, %v", got, err)
	}
	nonzero := bytes.Clone(padded)
	nonzero[len(nonzero)-1] = ' '
	for name, b := range map[string][]byte{
		"no padding":       json,
		"too much padding": append(bytes.Clone(padded), make([]byte, 4096)...),
		"too little":       padded[:len(padded)-1],
		"not zeros":        nonzero,
		"spaces":           append(append(bytes.Clone(json), ' '), make([]byte, MinPaddedSize-len(json)-1)...),
	} {
		_, err := UnpadManifest(b, "r", "c", true)
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
		wantIntegrity(t, err)
	}
}

// FuzzUnpadManifest: whatever a decrypted manifest holds, unpadding never
// panics, refuses with an integrity error, and what it accepts is content
// that pads back to exactly the bytes it was given.
func FuzzUnpadManifest(f *testing.F) {
	f.Add([]byte(`{}`), uint16(MinPaddedSize-2), byte(0))
	f.Add([]byte(`{}`), uint16(0), byte(0))
	f.Add([]byte(`{"a":"\u0000"}`), uint16(5000), byte(1))
	f.Add([]byte(`{}   `), uint16(MinPaddedSize-5), byte(0))
	f.Fuzz(func(t *testing.T, content []byte, pad uint16, fill byte) {
		b := append(bytes.Clone(content), bytes.Repeat([]byte{fill}, int(pad))...)
		got, err := UnpadManifest(b, "r", "c", true)
		if err != nil {
			wantIntegrity(t, err)
			return
		}
		if int64(len(b)) != PaddedSize(int64(len(got))) || !bytes.HasPrefix(b, got) {
			t.Fatalf("accepted %d bytes as %d of content", len(b), len(got))
		}
		if !bytes.HasSuffix(got, []byte("}")) || len(bytes.Trim(b[len(got):], "\x00")) != 0 {
			t.Fatalf("accepted padding that is not zeros")
		}
	})
}

// TestHeaderFormats: a header says whether its record is padded; a format
// this package does not know is refused rather than read the wrong way.
func TestHeaderFormats(t *testing.T) {
	id, _ := tcrypto.GenerateIdentity(false)
	for _, c := range []struct {
		format int
		ok     bool
		padded bool
	}{{0, false, false}, {1, false, false}, {FormatUnpadded, true, false}, {FormatPadded, true, true}, {4, false, false}} {
		h := &Header{Format: c.format, ID: NewID(), Vault: NewID(), SealedAt: time.Now().UTC(), SealedBy: "olena",
			SealerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), PolicyVersion: 1}
		raw, err := SignHeader(id, h)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeHeader(h.ID, raw)
		if !c.ok {
			if !errors.Is(err, fault.ErrIntegrity) {
				t.Errorf("format %d: err = %v, want an integrity failure", c.format, err)
			}
			continue
		}
		if err != nil || got.Padded() != c.padded {
			t.Errorf("format %d: padded %v, err %v", c.format, got != nil && got.Padded(), err)
		}
	}
}
