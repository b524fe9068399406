package vault

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/zeebo/blake3"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// ageBodySize is the size of an age payload of n plaintext bytes: the
// plaintext and a 16-byte tag per 64 KiB chunk (at least one chunk).
func ageBodySize(n int64) int64 { return n + 16*max(1, (n+64<<10-1)/(64<<10)) }

// storedFileSizes returns the size of every file under dir, by name.
func storedFileSizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[d.Name()] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPaddingHidesSize: whoever holds the vault folder sees ciphertext
// sizes, and they give away the padded size only. Two attachments 1,000
// bytes apart in one Padmé bucket are stored as files of exactly the same
// size; two manifests whose text differs by 2,000 characters are stored in
// the same number of bytes; and every blob's ciphertext is its age header
// plus the age payload of its PADDED size, so a known size (a 400,000,000
// byte video: TestPaddedSize in package record) is confirmed by nothing
// but its bucket.
func TestPaddingHidesSize(t *testing.T) {
	const n = 1_500_000 // padded to 1,507,328 bytes (46 × 32 KiB), as n+1,000 is
	f := newFileFixture(t, 1)
	files := map[string][]byte{"a.bin": pseudoRandom(n, 1), "b.bin": pseudoRandom(n+1000, 2), "c.txt": []byte("short")}
	short := f.customForm(publicTOML+"[testimony]\nsummary = \"s\"\nfiles = [\"a.bin\", \"b.bin\", \"c.txt\"]\n", files)
	long := f.customForm(publicTOML+"[testimony]\nsummary = \""+strings.Repeat("x", 2000)+"\"\nfiles = [\"a.bin\", \"b.bin\", \"c.txt\"]\n", files)
	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, short, long) {
			ids = append(ids, r.ID)
		}
	})
	v := f.open("iryna")
	onDisk := storedFileSizes(t, f.dir)
	content := map[string]int64{"a.bin": n, "b.bin": n + 1000, "c.txt": 5}
	for _, id := range ids {
		a, b := blobRef(t, v, id, "testimony", 0), blobRef(t, v, id, "testimony", 1)
		if a.Size != b.Size || onDisk[a.ID] != onDisk[b.ID] || onDisk[a.ID] != a.Size {
			t.Errorf("attachments of %d and %d bytes are stored as %d and %d bytes (files of %d and %d)", n, n+1000, a.Size, b.Size, onDisk[a.ID], onDisk[b.ID])
		}
		// Every blob id of this record has the same length, so every
		// stanza and age header too: what is left is the padded payload.
		hdr := a.Size - ageBodySize(record.PaddedSize(n))
		part, _ := readHeader(t, v, id).Part("testimony")
		for i, ref := range part.Blobs {
			name := []string{"a.bin", "b.bin", "c.txt"}[i]
			if got := ref.Size - ageBodySize(record.PaddedSize(content[name])); got != hdr {
				t.Errorf("%s: %d bytes beside its padded payload, want the age header's %d", name, got, hdr)
			}
		}
		if got := part.Manifest.Size - ageBodySize(record.MinPaddedSize); got != hdr {
			t.Errorf("manifest: %d bytes beside a payload of %d, want the age header's %d", got, record.MinPaddedSize, hdr)
		}
	}
	if m0, m1 := blobRef(t, v, ids[0], "testimony", -1), blobRef(t, v, ids[1], "testimony", -1); m0.Size != m1.Size {
		t.Errorf("manifests with 1 and 2,000 characters of summary are stored as %d and %d bytes", m0.Size, m1.Size)
	}
}

// paddingSizes sit on the edges of padding buckets and of the inline
// limit: 1,032,192 bytes is the largest content whose ciphertext stays
// inside the database, one more byte pads to 1 MiB and goes to the blob
// store.
var paddingSizes = []int{0, 1, 4095, 4096, 4097, 4352, 4353, 65535, 65536, 65537, 1_032_192, 1_032_193}

// TestPaddingRoundTrip: attachments at bucket edges come back exact
// through open, cat and cat ranges (a range never returns padding, even
// one that runs past the end), the routing follows the padded size, and
// check --read-data passes.
func TestPaddingRoundTrip(t *testing.T) {
	f := newFixture(t, 1)
	files := map[string][]byte{}
	var names []string
	for i, n := range paddingSizes {
		name := fmt.Sprintf("f%d.bin", n)
		files[name] = pseudoRandom(n, byte(i))
		names = append(names, `"`+name+`"`)
	}
	form := f.customForm(publicTOML+"[testimony]\nsummary = \"s\"\nfiles = ["+strings.Join(names, ", ")+"]\n", files)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })
	v := f.open("iryna")
	if h := readHeader(t, v, id); h.Format != record.FormatPadded {
		t.Fatalf("a new record has format %d, want %d", h.Format, record.FormatPadded)
	}
	out := f.mkdir("out")
	if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	for i, n := range paddingSizes {
		name := fmt.Sprintf("f%d.bin", n)
		want := files[name]
		sameFile(t, filepath.Join(out, "testimony", name), want)
		ref := blobRef(t, v, id, "testimony", i)
		if inline := store.Inline(ref.Size); inline != (n <= 1_032_192) {
			t.Errorf("%s: ciphertext of %d bytes stored inline: %v", name, ref.Size, inline)
		}
		if ref.Size > sealedSize(int64(n)) || ref.Size < record.PaddedSize(int64(n)) {
			t.Errorf("%s: ciphertext of %d bytes, outside [padded size, sealedSize %d]", name, ref.Size, sealedSize(int64(n)))
		}
		for _, r := range []struct{ off, length int64 }{
			{0, -1}, {int64(n), -1}, {max(0, int64(n)-1), -1}, {max(0, int64(n)-10), 100}, {0, int64(n) + 5000}, {int64(n) / 2, 1},
		} {
			var buf bytes.Buffer
			if err := v.Cat(ctx, id, "testimony", name, &buf, CatOptions{Offset: r.off, Length: r.length}); err != nil {
				t.Errorf("Cat %s %d+%d: %v", name, r.off, r.length, err)
				continue
			}
			end := int64(n)
			if r.length > 0 {
				end = min(end, r.off+r.length)
			}
			if !bytes.Equal(buf.Bytes(), want[r.off:end]) {
				t.Errorf("Cat %s %d+%d: %d bytes, want bytes %d to %d", name, r.off, r.length, buf.Len(), r.off, end)
			}
		}
	}
	rep, err := v.Check(ctx, CheckOptions{ReadData: true})
	if err != nil || rep.Errors() != 0 {
		t.Fatalf("Check --read-data: %+v, %v", rep, err)
	}
}

// forgeBlob re-encrypts blob i of the class of record id (i < 0: its
// manifest) from its plaintext, padding included, as edit changes it, and
// signs the header again as its sealer, olena; header, if set, changes the
// header first. Only someone holding the part's DEK and a sealer's signing
// key can do this: a sealer who would hide data in padding, or a faulty
// tvault.
func forgeBlob(t *testing.T, f *fixture, v *member, id, class string, i int, edit func([]byte) []byte, header func(*record.Header)) {
	t.Helper()
	h := readHeader(t, v, id)
	if header != nil {
		header(h)
	}
	if edit != nil {
		_, access, err := v.accessAll(ctx, id, []string{class})
		if err != nil {
			t.Fatal(err)
		}
		defer forget(access)
		ref := blobRef(t, v, id, class, i)
		var plain bytes.Buffer
		if err := v.decryptBlob(ctx, access[0].dek, ref, &plain, 0); err != nil {
			t.Fatal(err)
		}
		r, err := tcrypto.NewDEKRecipient(access[0].dek, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ct bytes.Buffer
		aw, err := age.Encrypt(&ct, r)
		if err == nil {
			_, err = aw.Write(edit(plain.Bytes()))
		}
		if err == nil {
			err = aw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		writeBlob(t, v, ref.ID, ct.Bytes())
		sum := blake3.Sum256(ct.Bytes())
		ref = record.BlobRef{ID: ref.ID, Size: int64(ct.Len()), BLAKE3: hex.EncodeToString(sum[:])}
		for pi := range h.Parts {
			if h.Parts[pi].Class != class {
				continue
			}
			if i < 0 {
				h.Parts[pi].Manifest = ref
			} else {
				h.Parts[pi].Blobs[i] = ref
			}
		}
	}
	olena := f.team.Get("olena").Identity
	// The forged seal entry goes at the end of the log, whose time never
	// goes backwards: the forger re-signs the header at that time.
	old := indexEntries(h)
	peek(t, v, func(tx *store.Txn) (err error) {
		h.SealedAt, err = v.log.Stamp(tx, time.Now())
		return err
	})
	tamper(t, v, func(tx *store.Txn) error {
		for _, e := range old {
			if err := tx.DeleteIndex(e.field, e.value, e.id); err != nil {
				return err
			}
		}
		for _, e := range indexEntries(h) {
			if err := tx.PutIndex(e.field, e.value, e.id); err != nil {
				return err
			}
		}
		return nil
	})
	raw, err := record.SignHeader(olena, h)
	if err != nil {
		t.Fatal(err)
	}
	// A sealer forging this would bind the header to the log too: a
	// second seal entry in her name, which check reports on its own
	// ("sealed twice"; binding_test.go) and realSealFindings leaves out.
	tamper(t, v, func(tx *store.Txn) error {
		e, err := v.log.Append(tx, audit.Actor{Name: "olena", Key: olena.SigningKey()}, audit.Entry{Time: h.SealedAt,
			Action: "seal", Record: id, Outcome: audit.OutcomeOK, Digest: audit.Digest(raw), Actor: "olena", ActorKey: h.SealerKey})
		if err != nil {
			return err
		}
		if err := tx.PutSealEntry(id, e.Seq); err != nil {
			return err
		}
		return tx.PutHeader(id, raw)
	})
}

// paddingFindings returns the errors in rep other than the second seal
// entries forgeBlob leaves.
func paddingFindings(rep *CheckReport) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Severity == "error" && !strings.Contains(f.Msg, "sealed twice") {
			out = append(out, f)
		}
	}
	return out
}

// TestTamperPadding: padding that is not zero bytes of exactly the padded
// length — data hidden after an attachment or a manifest, or padding cut
// short — is found by check --read-data (by a member who can decrypt the
// class), by open and by a full cat, even though the ciphertext and the
// header's signature are good.
func TestTamperPadding(t *testing.T) {
	f := newFixture(t, 1)
	files := map[string][]byte{"a.txt": bytes.Repeat([]byte("A"), 1000), "big.bin": pseudoRandom(70_000, 1)} // padded to 4,096 and 71,680
	form := f.customForm(publicTOML+"[testimony]\nsummary = \"s\"\nfiles = [\"a.txt\", \"big.bin\"]\n", files)
	setLast := func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-1] = 1; return b }
	cases := []struct {
		name   string
		i      int // the blob changed: -1 the manifest
		edit   func([]byte) []byte
		header func(*record.Header)
		want   string // in check's finding
	}{
		{"padding not zero", 0, setLast, nil, "padding is not all zero"},
		{"data after the padding", 0, func(b []byte) []byte { return append(b, make([]byte, 4096)...) }, nil, "longer than its manifest"},
		{"padding cut short", 1, func(b []byte) []byte { return b[:70_500] }, nil, "shorter than its manifest"},
		{"padding stripped", 0, func(b []byte) []byte { return b[:1000] }, nil, "shorter than its manifest"},
		{"manifest padding not zero", -1, setLast, nil, "not padded as its format requires"},
		{"manifest padding stripped", -1, func(b []byte) []byte { return bytes.TrimRight(b, "\x00") }, nil, "not padded as its format requires"},
		{"manifest padded too far", -1, func(b []byte) []byte { return append(b, make([]byte, 4096)...) }, nil, "not padded as its format requires"},
		{"header says unpadded", 0, nil, func(h *record.Header) { h.Format = record.FormatUnpadded }, "unreadable"},
	}
	var ids []string
	f.as("olena", func(v *member) {
		for range cases {
			ids = append(ids, seal(t, v, form)[0].ID)
		}
	})
	for k, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := ids[k]
			f.as("iryna", func(v *member) { forgeBlob(t, f, v, id, "testimony", c.i, c.edit, c.header) })
			f.as("iryna", func(v *member) {
				rep, err := v.Check(ctx, CheckOptions{})
				if err != nil || len(paddingFindings(rep)) != 0 {
					t.Errorf("Check without --read-data: %+v, %v; the structure is sound", rep.Findings, err)
				}
				rep, err = v.Check(ctx, CheckOptions{ReadData: true})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, fd := range rep.Findings {
					found = found || fd.Subject == "record "+id && strings.Contains(fd.Msg, c.want)
				}
				if !found {
					t.Errorf("Check --read-data findings %v, want one on record %s saying %q", rep.Findings, id, c.want)
				}
				f.openFails(v, id)
				name := []string{"a.txt", "big.bin"}[max(c.i, 0)]
				var buf bytes.Buffer
				wantIntegrity(t, "Cat", v.Cat(ctx, id, "testimony", name, &buf, CatOptions{}))
			})
		})
	}
	// A member who cannot decrypt the class checks its ciphertext only:
	// the padding is beyond what they can see.
	f.as("admin-kyiv", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{ReadData: true})
		if err != nil || len(paddingFindings(rep)) != 0 {
			t.Errorf("Check --read-data as a member without decrypt: %v, %v", rep.Findings, err)
		}
	})
	// What was not touched still reads: big.bin of the first record.
	f.as("mykola", func(v *member) {
		var buf bytes.Buffer
		if err := v.Cat(ctx, ids[0], "testimony", "big.bin", &buf, CatOptions{}); err != nil || !bytes.Equal(buf.Bytes(), files["big.bin"]) {
			t.Errorf("an untouched attachment: %d bytes, %v", buf.Len(), err)
		}
	})
}

// BenchmarkPaddingWorstCase seals and cats an attachment one byte larger
// than 256 MiB: Padmé pads it by 8 MiB - 1 (3.1 %, about the most it pads
// anything above 64 KiB), to compare with BenchmarkSeal256MiB and
// BenchmarkCat256MiB, which it does not pad at all.
func BenchmarkPaddingWorstCase(b *testing.B) {
	const size = bigSize + 1
	fx := newBenchFixture(b)
	dir := b.TempDir()
	writeRandomFile(b, filepath.Join(dir, "interview.opus"), size)
	form, err := ParseForm("big.toml", []byte(publicTOML+"[testimony]\nfiles = [\"interview.opus\"]\n"), dir)
	if err != nil {
		b.Fatal(err)
	}
	var id string
	b.Run("seal", func(b *testing.B) {
		b.SetBytes(size)
		for range b.N {
			b.StopTimer()
			v := fx.open(b, "", "olena")
			b.StartTimer()
			res, err := v.Seal(ctx, []*Form{form})
			if err != nil {
				b.Fatal(err)
			}
			id = res[0].ID
			b.StopTimer()
			if err := v.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("cat", func(b *testing.B) {
		v := fx.open(b, "", "iryna")
		defer v.Close()
		b.SetBytes(size)
		b.ResetTimer()
		for range b.N {
			if err := v.Cat(ctx, id, "testimony", "interview.opus", io.Discard, CatOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A range whose offset plus length overflows int64 still ends at the
// attachment's end, never in its padding.
func TestCatRangeOverflowStopsAtTheEnd(t *testing.T) {
	f := newFixture(t, 1)
	content := []byte("0123456789") // padded to 4096
	var id string
	f.as("olena", func(v *member) {
		id = seal(t, v, f.customForm(publicTOML+"[testimony]\nfiles = [\"t.txt\"]\n", map[string][]byte{"t.txt": content}))[0].ID
	})
	f.as("iryna", func(v *member) {
		var buf bytes.Buffer
		if err := v.Cat(ctx, id, "testimony", "t.txt", &buf, CatOptions{Offset: 1, Length: math.MaxInt64}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), content[1:]) {
			t.Errorf("cat --offset 1 --length MaxInt64 = %d bytes, want the %d after the first", buf.Len(), len(content)-1)
		}
	})
}
