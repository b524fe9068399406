package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// Tampering with any stored value that a read depends on is found before a
// byte of plaintext is released: a header, its public metadata, a DEK wrap,
// a epoch, the policy, a chunk of a blob, or a blob moved from elsewhere.
// Each test writes through the store's own methods, as an attacker with
// write access to the vault directory could.

// tamper changes stored values in one committed transaction.
func tamper(t *testing.T, v *member, fn func(tx *store.Txn) error) {
	t.Helper()
	if err := v.st.Update(fn); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

// peek reads stored values in a read-only transaction.
func peek(t *testing.T, v *member, fn func(tx *store.Txn) error) {
	t.Helper()
	if err := v.st.View(fn); err != nil {
		t.Fatalf("peek: %v", err)
	}
}

// readBlob returns a blob's whole ciphertext (test-sized blobs only).
func readBlob(t *testing.T, v *member, ref record.BlobRef) []byte {
	t.Helper()
	blob, err := v.openBlob(ctx, ref)
	if err != nil {
		t.Fatalf("read blob %s: %v", ref.ID, err)
	}
	defer blob.Close()
	b, err := io.ReadAll(blob)
	if err != nil {
		t.Fatalf("read blob %s: %v", ref.ID, err)
	}
	return b
}

// writeBlob replaces blob id with b, where a blob of b's size is kept.
func writeBlob(t *testing.T, v *member, id string, b []byte) {
	t.Helper()
	if store.Inline(int64(len(b))) {
		tamper(t, v, func(tx *store.Txn) error { return tx.PutBlob(id, b) })
		return
	}
	if err := v.blobs.Remove(ctx, id); err != nil {
		t.Fatalf("write blob %s: %v", id, err)
	}
	w, err := v.blobs.Create(ctx, id)
	if err != nil {
		t.Fatalf("write blob %s: %v", id, err)
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		t.Fatalf("write blob %s: %v", id, err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatalf("write blob %s: %v", id, err)
	}
}

// signedMagic is the start of every signed value (record.Sign).
const signedMagic = "tvs1"

func flipped(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// replaceOnce replaces the one occurrence of old in b, failing the test if
// old does not occur exactly once.
func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if n := bytes.Count(b, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times in the stored value, want once", old, n)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// wantIntegrity asserts that err reports damaged or forged data.
func wantIntegrity(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrIntegrity) {
		t.Errorf("%s: err = %v, want ErrIntegrity", what, err)
	}
}

// openFails opens record id as v's member into a new folder, asserts an
// integrity failure, and returns the folder for further checks.
func (f *fixture) openFails(v *member, id string) string {
	f.t.Helper()
	out := f.mkdir("out")
	rep, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out})
	wantIntegrity(f.t, "Open", err)
	if err == nil {
		f.t.Errorf("Open of a tampered record reported %+v", rep)
	}
	noPartials(f.t, out)
	return out
}

func TestTamperHeader(t *testing.T) {
	f := newFixture(t, 1)
	form := f.exampleForm("th")
	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, form, form, form, form, form, form, form, form) {
			ids = append(ids, r.ID)
		}
	})
	v := f.open("iryna")
	var other []byte // a valid header of another record, which no case touches
	peek(t, v, func(tx *store.Txn) (err error) { other, err = tx.Header(ids[len(ids)-1]); return err })

	cases := []struct {
		name string
		edit func(raw []byte) []byte
	}{
		{"signature", func(raw []byte) []byte { return flipped(raw, len(signedMagic)+7) }},
		{"magic", func(raw []byte) []byte { return flipped(raw, 0) }},
		{"public metadata", func(raw []byte) []byte { return replaceOnce(t, raw, "Kharkiv oblast", "Kherson oblast") }},
		{"sealer", func(raw []byte) []byte { return replaceOnce(t, raw, `"sealed_by":"olena"`, `"sealed_by":"taras"`) }},
		{"ciphertext hash", func(raw []byte) []byte {
			i := bytes.Index(raw, []byte(`"sha256":"`)) + len(`"sha256":"`)
			c := bytes.Clone(raw)
			c[i] = '0'
			if raw[i] == '0' {
				c[i] = '1'
			}
			return c
		}},
		{"truncated", func(raw []byte) []byte { return raw[:len(raw)-1] }},
		{"another record's header", func([]byte) []byte { return other }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := ids[i]
			tamper(t, v, func(tx *store.Txn) error {
				raw, err := tx.Header(id)
				if err != nil {
					return err
				}
				return tx.PutHeader(id, c.edit(raw))
			})
			out := f.openFails(v, id)
			if files := treeFiles(t, out); len(files) != 0 {
				t.Errorf("Open wrote %v", files)
			}
			_, err := v.Show(ctx, id)
			wantIntegrity(t, "Show", err)
			var buf bytes.Buffer
			wantIntegrity(t, "Cat", v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Length: -1}))
			wantIntegrity(t, "Cat range", v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Offset: 1, Length: 3}))
			if buf.Len() != 0 {
				t.Errorf("Cat wrote %d bytes", buf.Len())
			}
		})
	}
}

func TestTamperDEK(t *testing.T) {
	f := newFixture(t, 1)
	form := f.exampleForm("td")
	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, form, form, form, form, form) {
			ids = append(ids, r.ID)
		}
	})
	v := f.open("iryna")
	var otherWrap []byte // the valid testimony wrap of another record
	peek(t, v, func(tx *store.Txn) (err error) { otherWrap, err = tx.DEK(ids[len(ids)-1], "testimony"); return err })

	editShare := func(fn func(share []byte) []byte) func([]byte) []byte {
		return func(raw []byte) []byte {
			var w record.DEKWrap
			if err := json.Unmarshal(raw, &w); err != nil {
				t.Fatal(err)
			}
			w.Shares[0] = fn(w.Shares[0])
			b, err := json.Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	cases := []struct {
		name string
		edit func(raw []byte) []byte
	}{
		{"share payload", editShare(func(s []byte) []byte { return flipped(s, len(s)-1) })},
		{"share header", editShare(func(s []byte) []byte { return flipped(s, len(s)/3) })},
		{"not json", func(raw []byte) []byte { return raw[:len(raw)/2] }},
		{"another record's wrap", func([]byte) []byte { return otherWrap }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := ids[i]
			tamper(t, v, func(tx *store.Txn) error {
				raw, err := tx.DEK(id, "testimony")
				if err != nil {
					return err
				}
				return tx.PutDEK(id, "testimony", c.edit(raw))
			})
			out := f.openFails(v, id)
			if files := treeFiles(t, out); len(files) != 0 {
				t.Errorf("Open wrote %v", files)
			}
			var buf bytes.Buffer
			wantIntegrity(t, "Cat", v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Length: -1}))
			wantIntegrity(t, "Cat range", v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Offset: 2, Length: 2}))
			if buf.Len() != 0 {
				t.Errorf("Cat wrote %d bytes", buf.Len())
			}
			// The identity class of the same record is untouched.
			if err := v.Cat(ctx, id, "identity", "consent-form.jpg", &buf, CatOptions{Length: -1}); err != nil {
				t.Errorf("Cat of the untouched class: %v", err)
			}
		})
	}
}

func TestTamperKeyring(t *testing.T) {
	f := newFixture(t, 1)
	form := f.exampleForm("tk")
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })

	var orig, identityRing []byte
	f.as("admin-kyiv", func(v *member) {
		peek(t, v, func(tx *store.Txn) (err error) {
			if orig, err = tx.Epoch("testimony", 1); err != nil {
				return err
			}
			identityRing, err = tx.Epoch("identity", 1)
			return err
		})
	})
	cases := []struct {
		name string
		ring []byte
	}{
		{"signature", flipped(orig, len(signedMagic)+1)},
		{"threshold", replaceOnce(t, orig, `"threshold":1`, `"threshold":2`)},
		{"signer", replaceOnce(t, orig, `"signed_by":"admin-kyiv"`, `"signed_by":"iryna"`)},
		{"another class's epoch", identityRing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.as("iryna", func(v *member) {
				tamper(t, v, func(tx *store.Txn) error { return tx.PutEpoch("testimony", 1, c.ring) })
				out := f.openFails(v, id)
				if files := treeFiles(t, out); len(files) != 0 {
					t.Errorf("Open wrote %v", files)
				}
				var buf bytes.Buffer
				wantIntegrity(t, "Cat", v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Length: -1}))
				if buf.Len() != 0 {
					t.Errorf("Cat wrote %d bytes", buf.Len())
				}
			})
			f.as("olena", func(v *member) {
				res, err := v.Seal(ctx, []*Form{form})
				wantIntegrity(t, "Seal with a forged epoch", err)
				if len(res) != 0 {
					t.Errorf("Seal with a forged epoch sealed %v", res)
				}
			})
			f.as("iryna", func(v *member) {
				tamper(t, v, func(tx *store.Txn) error { return tx.PutEpoch("testimony", 1, orig) })
				if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("out")}); err != nil {
					t.Fatalf("Open after restoring the epoch: %v", err)
				}
			})
		})
	}
}

// TestTamperPolicy: a changed policy version stops the vault from opening.
func TestTamperPolicy(t *testing.T) {
	f := newFixture(t, 1)
	st, err := store.Open(filepath.Join(f.dir, dbName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Txn) error {
		raw, err := tx.Policy(1)
		if err != nil {
			return err
		}
		return tx.PutPolicy(1, flipped(raw, len(raw)-3))
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(f.dir, f.options())
	if err == nil {
		v.Close()
	}
	wantIntegrity(t, "Open of a vault with a forged policy", err)
}

func TestTamperBlob(t *testing.T) {
	const bigSize = 5<<19 + 12345 // ≈ 2.5 MiB: a blob file
	f := newFixture(t, 1)
	big := pseudoRandom(bigSize, 1)
	files := map[string][]byte{
		"big.bin":  big,
		"a.txt":    bytes.Repeat([]byte("A"), 1000),
		"b.txt":    bytes.Repeat([]byte("B"), 1000),
		"twin.bin": pseudoRandom(bigSize, 2), // as big as big.bin, other bytes
	}
	form := f.customForm(publicTOML+"[testimony]\nsummary = \"s\"\nfiles = [\"big.bin\", \"a.txt\", \"b.txt\"]\n", files)
	twin := f.customForm(publicTOML+"[testimony]\nfiles = [\"twin.bin\"]\n", files)

	var ids []string
	var twinID string // a record whose one attachment is as large as big.bin
	type edit func(t *testing.T, v *member, id string)
	flipBig := func(at func(size int64) int64) edit {
		return func(t *testing.T, v *member, id string) {
			ref := blobRef(t, v, id, "testimony", 0)
			if store.Inline(ref.Size) {
				t.Fatalf("big.bin (%d bytes) is stored inline, want a blob file", ref.Size)
			}
			writeBlob(t, v, ref.ID, flipped(readBlob(t, v, ref), int(at(ref.Size))))
		}
	}
	cases := []struct {
		name   string
		edit   edit
		victim string // the attachment that must not appear in the output
	}{
		{"age header", flipBig(func(int64) int64 { return 20 }), "big.bin"},
		{"first age chunk", flipBig(func(int64) int64 { return 1000 }), "big.bin"},
		{"middle", flipBig(func(size int64) int64 { return size / 2 }), "big.bin"},
		{"last age chunk", flipBig(func(size int64) int64 { return size - 10 }), "big.bin"},
		{"last byte", flipBig(func(size int64) int64 { return size - 1 }), "big.bin"},
		{"truncated", func(t *testing.T, v *member, id string) {
			ref := blobRef(t, v, id, "testimony", 0)
			writeBlob(t, v, ref.ID, readBlob(t, v, ref)[:ref.Size-100])
		}, "big.bin"},
		{"missing", func(t *testing.T, v *member, id string) {
			if err := v.removeBlobs(ctx, blobRef(t, v, id, "testimony", 0).ID); err != nil {
				t.Fatal(err)
			}
		}, "big.bin"},
		{"another record's blob", func(t *testing.T, v *member, id string) {
			mine, theirs := blobRef(t, v, id, "testimony", 0), blobRef(t, v, twinID, "testimony", 0)
			if mine.Size != theirs.Size {
				t.Fatalf("twin blob is %d bytes, want %d", theirs.Size, mine.Size)
			}
			writeBlob(t, v, mine.ID, readBlob(t, v, theirs))
		}, "big.bin"},
		{"swapped within the record", func(t *testing.T, v *member, id string) {
			a, b := blobRef(t, v, id, "testimony", 1), blobRef(t, v, id, "testimony", 2)
			if a.Size != b.Size {
				t.Fatalf("a.txt and b.txt are stored as %d and %d bytes", a.Size, b.Size)
			}
			ca, cb := readBlob(t, v, a), readBlob(t, v, b)
			writeBlob(t, v, a.ID, cb)
			writeBlob(t, v, b.ID, ca)
		}, "a.txt"},
		{"manifest", func(t *testing.T, v *member, id string) {
			ref := blobRef(t, v, id, "testimony", -1)
			writeBlob(t, v, ref.ID, flipped(readBlob(t, v, ref), int(ref.Size)-5))
		}, "fields.json"},
	}

	f.as("olena", func(v *member) {
		for range cases {
			ids = append(ids, seal(t, v, form)[0].ID)
		}
		twinID = seal(t, v, twin)[0].ID
	})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := ids[i]
			f.as("iryna", func(v *member) { c.edit(t, v, id) })
			f.as("iryna", func(v *member) {
				out := f.openFails(v, id)
				if _, err := os.Lstat(filepath.Join(out, "testimony", c.victim)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("testimony/%s after a failed open: %v, want it absent", c.victim, err)
				}
				if c.victim == "fields.json" {
					if files := treeFiles(t, out); len(files) != 0 {
						t.Errorf("Open wrote %v", files)
					}
					return
				}
				wantIntegrity(t, "Cat", v.Cat(ctx, id, "testimony", c.victim, io.Discard, CatOptions{Length: -1}))
				wantIntegrity(t, "Cat range", v.Cat(ctx, id, "testimony", c.victim, io.Discard, CatOptions{Offset: 1, Length: -1}))
			})
		})
	}
	// What was not touched still reads back: a.txt of the first record, whose
	// big.bin had its age header damaged, and the twin record.
	f.as("mykola", func(v *member) {
		var buf bytes.Buffer
		if err := v.Cat(ctx, ids[0], "testimony", "a.txt", &buf, CatOptions{Length: -1}); err != nil || !bytes.Equal(buf.Bytes(), files["a.txt"]) {
			t.Errorf("an untouched attachment of a tampered record: %d bytes, err %v", buf.Len(), err)
		}
		buf.Reset()
		if err := v.Cat(ctx, twinID, "testimony", "twin.bin", &buf, CatOptions{Length: -1}); err != nil || !bytes.Equal(buf.Bytes(), files["twin.bin"]) {
			t.Errorf("the twin record: %d bytes, err %v", buf.Len(), err)
		}
	})
}

// TestTamperResignedHeader: a header changed and signed again with a key
// that was not allowed to seal (an outsider's, or a member's without the
// seal action) is forged. The slot recipients are public, so whoever can
// write to the vault directory could forge a whole record this way; only
// checking the sealer against the policy stops it.
func TestTamperResignedHeader(t *testing.T) {
	f := newFixture(t, 1)
	form := f.exampleForm("rs")
	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, form, form) {
			ids = append(ids, r.ID)
		}
	})
	outsider, err := tcrypto.GenerateIdentity(false)
	if err != nil {
		t.Fatal(err)
	}
	signers := []struct {
		name, as string
		id       *tcrypto.Identity
	}{
		{"outsider", "olena", outsider},
		{"member without seal", "mykola", f.team.Get("mykola").Identity},
	}
	v := f.open("iryna")
	for i, s := range signers {
		t.Run(s.name, func(t *testing.T) {
			id := ids[i]
			h := readHeader(t, v, id)
			h.Public["region"] = "Kherson oblast"
			h.SealedBy, h.SealerKey = s.as, tcrypto.FormatSigningKey(s.id.SigningPublicKey())
			raw, err := record.SignHeader(s.id, h)
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, v, func(tx *store.Txn) error { return tx.PutHeader(id, raw) })
			_, err = v.Show(ctx, id)
			wantIntegrity(t, "Show", err)
			out := f.openFails(v, id)
			if files := treeFiles(t, out); len(files) != 0 {
				t.Errorf("Open wrote %v", files)
			}
			var buf bytes.Buffer
			wantIntegrity(t, "Cat", v.Cat(ctx, id, "testimony", "interview.opus", &buf, CatOptions{Length: -1}))
			if buf.Len() != 0 {
				t.Errorf("Cat wrote %d bytes", buf.Len())
			}
		})
	}
}

// TestTamperIndex: the public-metadata index is not signed, so List must
// not return a record whose signed public metadata does not match the
// filter, whatever the index says.
func TestTamperIndex(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("ti"))[0].ID })
	f.as("iryna", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error { return tx.PutIndex("region", "Odesa oblast", id) })
		ls, err := v.List(ctx, ListFilter{Where: []Condition{{"region", "Odesa oblast"}}})
		if err != nil || len(ls) != 0 {
			t.Errorf("List where region=Odesa oblast = %+v, %v; the record's region is Kharkiv oblast", ls, err)
		}
	})
}
