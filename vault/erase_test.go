package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/store"
)

// erasable is what a record leaves in the store that an erase must remove
// from every file: its header, its DEK wraps and its inline blobs, exactly.
type erasable struct {
	header []byte
	wraps  map[string][]byte // by class
	blobs  map[string][]byte // inline blob ciphertexts, by class
}

// storedBytes reads record id's erasable bytes straight from the store:
// of the given classes, or of every class.
func storedBytes(t *testing.T, v *member, id string, classes ...string) erasable {
	t.Helper()
	er := erasable{wraps: map[string][]byte{}, blobs: map[string][]byte{}}
	h := readHeader(t, v, id)
	if len(classes) == 0 {
		classes = h.Classes()
	}
	err := v.st.View(func(tx *store.Txn) error {
		var err error
		if er.header, err = tx.Header(id); err != nil {
			return err
		}
		for _, c := range classes {
			p, _ := h.Part(c)
			if er.wraps[c], err = tx.DEK(id, c); err != nil {
				return err
			}
			if er.blobs[c], err = tx.Blob(p.Manifest.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("stored bytes of %s: %v", id, err)
	}
	return er
}

// filesHolding returns the files under root (relative) that contain needle.
func filesHolding(t *testing.T, root string, needle []byte) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// needles names the byte strings of er to look for.
func (er erasable) needles(classes ...string) map[string][]byte {
	out := map[string][]byte{}
	if er.header != nil {
		out["header"] = er.header
	}
	for _, c := range classes {
		out["wrap of "+c] = er.wraps[c]
		out["manifest blob of "+c] = er.blobs[c]
	}
	return out
}

func randomCanary() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "canary" + hex.EncodeToString(b[:])
}

// sealCanaried seals n records of the example form, and one whose public
// region and fields carry canary, with a large attachment in a blob file;
// it returns the canaried record's id and the others'.
func sealCanaried(t *testing.T, f *fixture, canary string, n int) (string, []string) {
	t.Helper()
	form := f.customForm(`[public]
category = "pow"
region = "`+canary+`-region"
interviewed = "2024-05"

[testimony]
summary = "told by `+canary+`-witness"
files = ["clip.opus", "note.txt"]

[identity]
interviewee = "`+canary+`-name"
files = ["scan.jpg"]
`, map[string][]byte{
		"clip.opus": append([]byte(canary+"-clip "), pseudoRandom(1<<20+100, 3)...),
		"note.txt":  []byte(canary + "-note"),
		"scan.jpg":  []byte(canary + "-scan"),
	})
	var target string
	var others []string
	f.as("olena", func(v *member) {
		for i := range n {
			others = append(others, seal(t, v, f.exampleForm(fmt.Sprintf("other%d", i)))[0].ID)
		}
		target = seal(t, v, form)[0].ID
		for i := range n {
			others = append(others, seal(t, v, f.exampleForm(fmt.Sprintf("after%d", i)))[0].ID)
		}
	})
	return target, others
}

// TestEraseLeavesNoByte erases a record between others and proves that
// neither the canary of its public metadata and fields nor the exact bytes
// of its header, DEK wraps and inline blobs are in any file of the vault
// folder afterwards (they were before), that it answers ErrNotFound, and
// that everything else still opens and checks.
func TestEraseLeavesNoByte(t *testing.T) {
	f := newFileFixture(t, 1)
	canary := randomCanary()
	id, others := sealCanaried(t, f, canary, 20)
	var er erasable
	var bigBlob string
	irynaMarks := listCacheName(f.team.Get("iryna").Identity.SigningPublicKey())
	f.as("iryna", func(v *member) {
		er = storedBytes(t, v, id)
		bigBlob = blobRef(t, v, id, "testimony", 0).ID
		listCount(t, v) // leaves iryna's list marks
		if err := v.st.View(func(tx *store.Txn) error { _, err := tx.ListCache(irynaMarks, id); return err }); err != nil {
			t.Fatalf("no list mark before the erase: %v", err)
		}
	})
	needles := er.needles("testimony", "identity")
	needles["canary"] = []byte(canary)
	for name, b := range needles {
		if len(filesHolding(t, f.dir, b)) == 0 {
			t.Fatalf("before the erase, no file holds the %s: the test cannot fail", name)
		}
	}
	f.as("taras", func(v *member) {
		done, err := v.Erase(ctx, id, "", "consent withdrawn by the interviewee")
		if err != nil {
			t.Fatalf("Erase: %v", err)
		}
		if done.Seq == 0 || done.Finished {
			t.Fatalf("Erase = %+v", done)
		}
	})
	for name, b := range needles {
		if files := filesHolding(t, f.dir, b); len(files) > 0 {
			t.Errorf("after the erase, the %s is still in %v", name, files)
		}
	}
	if files := filesHolding(t, f.dir, []byte(bigBlob)); len(files) > 0 {
		t.Errorf("the large blob's file is still there: %v", files)
	}
	f.as("iryna", func(v *member) {
		for _, err := range []error{
			func() error { _, err := v.Show(ctx, id); return err }(),
			func() error { _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("o")}); return err }(),
			func() error { _, err := v.Erase(ctx, id, "", "again"); return err }(),
		} {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("on the erased record: %v, want ErrNotFound", err)
			}
		}
		if err := v.st.View(func(tx *store.Txn) error { _, err := tx.ListCache(irynaMarks, id); return err }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("iryna's list mark of the erased record: %v, want ErrNotFound", err)
		}
		if n := listCount(t, v); n != len(others) {
			t.Errorf("list shows %d records, want %d", n, len(others))
		}
		for _, o := range others[:3] {
			if _, err := v.OpenRecord(ctx, o, OpenRecordOptions{Dir: f.mkdir("o")}); err != nil {
				t.Errorf("open of another record: %v", err)
			}
		}
		checkClean(t, v, true)
	})
}

// checkClean runs check (with read-data) and fails on any finding.
func checkClean(t *testing.T, v *member, readData bool) *CheckReport {
	t.Helper()
	rep, err := v.Check(ctx, CheckOptions{ReadData: readData})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(rep.Findings) > 0 || rep.Leftovers() > 0 {
		t.Fatalf("check: %v, leftovers %v %v", rep.Findings, rep.Orphans, rep.Partial)
	}
	if _, err := v.VerifyAudit(ctx, audit.VerifyOptions{}); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	return rep
}

// TestEraseClass erases one class of a record: its wrap and blobs leave
// every file, the other class's wrap and blobs stay byte-identical and
// open as before, and the erased class answers ErrNotFound.
func TestEraseClass(t *testing.T) {
	f := newFileFixture(t, 1)
	canary := randomCanary()
	id, _ := sealCanaried(t, f, canary, 5)
	var before erasable
	var note bytes.Buffer
	f.as("iryna", func(v *member) {
		before = storedBytes(t, v, id)
		if err := v.Cat(ctx, id, "testimony", "note.txt", &note, CatOptions{Length: -1}); err != nil {
			t.Fatal(err)
		}
		done, err := v.Erase(ctx, id, "identity", "sealed by mistake")
		if err != nil {
			t.Fatalf("Erase: %v", err)
		}
		if done.Class != "identity" {
			t.Fatalf("Erase = %+v", done)
		}
	})
	for name, b := range before.needles("identity") {
		if name == "header" {
			continue // the record stays
		}
		if files := filesHolding(t, f.dir, b); len(files) > 0 {
			t.Errorf("after the class erase, the %s is still in %v", name, files)
		}
	}
	if files := filesHolding(t, f.dir, []byte(canary+"-scan")); len(files) > 0 {
		t.Errorf("the erased class's attachment is still in %v", files)
	}
	f.as("iryna", func(v *member) {
		after := storedBytes(t, v, id, "testimony")
		if !bytes.Equal(after.header, before.header) || !bytes.Equal(after.wraps["testimony"], before.wraps["testimony"]) ||
			!bytes.Equal(after.blobs["testimony"], before.blobs["testimony"]) {
			t.Error("the other class's header, wrap or manifest changed")
		}
		var got bytes.Buffer
		if err := v.Cat(ctx, id, "testimony", "note.txt", &got, CatOptions{Length: -1}); err != nil || !bytes.Equal(got.Bytes(), note.Bytes()) {
			t.Errorf("cat of the kept class: %v %q", err, got.String())
		}
		err := v.Cat(ctx, id, "identity", "scan.jpg", &got, CatOptions{Length: -1})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("cat of the erased class: %v, want ErrNotFound", err)
		}
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("o"), Classes: []string{"identity"}}); !errors.Is(err, ErrNotFound) {
			t.Errorf("open --class identity: %v, want ErrNotFound", err)
		}
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("o")}); err != nil {
			t.Errorf("open of what is left: %v", err)
		}
		checkClean(t, v, true)
	})
}

// An old bundle cannot bring an erased record back: re-importing it after
// the erase adds nothing (the record stays erased, exit 5), says so, and
// its receipt still lists the record so that the field vault purges its
// copy too — and the purge leaves no byte of it in the field vault's files.
func TestEraseThenReimport(t *testing.T) {
	f := newFixture(t, 1)
	f.fieldBlobs = mem.New()
	_, dir := fieldFixtureWith(t, f, f.fieldBlobs)
	canary := randomCanary()
	b, ids := fieldBundle(t, f, dir, f.customForm(`[public]
category = "pow"
region = "`+canary+`"

[testimony]
summary = "what happened"
`, nil), f.exampleForm("R2"))
	if len(filesHolding(t, dir, []byte(canary))) == 0 {
		t.Fatal("the field vault does not hold the public canary: the test cannot fail")
	}
	var receipt []byte
	f.as("iryna", func(v *member) {
		if rep, err := importBytes(v, b); err != nil || rep.Imported != 2 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		if _, err := v.Erase(ctx, ids[0], "", "consent withdrawn"); err != nil {
			t.Fatal(err)
		}
		rep, err := importBytes(v, b)
		if err != nil || rep.Imported != 0 || rep.Present != 1 || rep.Erased != 1 {
			t.Fatalf("import after the erase: %+v, %v", rep, err)
		}
		receipt = rep.Receipt
		if _, err := v.Show(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
			t.Fatalf("show after the re-import: %v, want ErrNotFound", err)
		}
		checkClean(t, v, true)
	})
	fv, err := Open(dir, Options{Blobs: f.fieldBlobs})
	if err != nil {
		t.Fatal(err)
	}
	defer fv.Close()
	olena := as(fv, f.team.Get("olena").Identity)
	if rep, err := olena.PurgeBundle(ctx, receipt); err != nil || rep.Purged != 2 {
		t.Fatalf("purge with the receipt of the re-import: %+v, %v", rep, err)
	}
	c, err := olena.Check(ctx, CheckOptions{})
	if err != nil || len(c.Findings) > 0 || c.Leftovers() > 0 {
		t.Fatalf("check of the field vault after the purge: %+v, %v", c, err)
	}
	if err := fv.Close(); err != nil {
		t.Fatal(err)
	}
	// A seized field laptop holds nothing of a purged record.
	if files := filesHolding(t, dir, []byte(canary)); len(files) > 0 {
		t.Errorf("after the purge the field vault's files still hold the public canary: %v", files)
	}
}

// An erasure whose scrub did not run (a crash between the commit and the
// rewrite) leaves the record unopenable but its bytes on disk: check says
// so (a note), and check --repair finishes it.
func TestEraseInterruptedRepair(t *testing.T) {
	f := newFileFixture(t, 1)
	canary := randomCanary()
	id, _ := sealCanaried(t, f, canary, 3)
	f.as("iryna", func(v *member) {
		err := v.v.update(func(tx *store.Txn) error {
			_, err := v.eraseOne(tx, EraseTarget{ID: id}, "reason: interrupted")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Show(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("show: %v, want ErrNotFound", err)
		}
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil || rep.Errors() > 0 || len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0].Msg, "interrupted") {
			t.Fatalf("check of an unfinished erasure: %+v, %v", rep.Findings, err)
		}
	})
	if len(filesHolding(t, f.dir, []byte(canary))) == 0 {
		t.Fatal("the unfinished erasure left no canary: the test cannot fail")
	}
	f.as("iryna", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{Repair: true})
		if err != nil || rep.Errors() > 0 {
			t.Fatalf("check --repair: %+v, %v", rep.Findings, err)
		}
		checkClean(t, v, true)
	})
	if files := filesHolding(t, f.dir, []byte(canary)); len(files) > 0 {
		t.Errorf("after check --repair the canary is still in %v", files)
	}
}

// eraseAll commits its erasures in batches; a target it cannot erase makes
// it go one by one, so that what came before is erased and the error names
// that target.
func TestEraseAllStopsAtTheTarget(t *testing.T) {
	f := newFixture(t, 1)
	var ids []string
	f.as("olena", func(v *member) {
		for i := range 3 {
			ids = append(ids, seal(t, v, f.exampleForm(fmt.Sprintf("b%d", i)))[0].ID)
		}
	})
	f.as("iryna", func(v *member) {
		missing := "aaaaaaaaaaaaaaaaaaaa"
		done, err := v.eraseAll(ctx, []EraseTarget{{ID: ids[0]}, {ID: ids[1], Class: "identity"}, {ID: missing}, {ID: ids[2]}},
			func(EraseTarget) string { return "reason: test" })
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), missing) {
			t.Fatalf("eraseAll: %v, want ErrNotFound naming %s", err, missing)
		}
		if len(done) != 2 || done[0].ID != ids[0] || done[1].Class != "identity" {
			t.Fatalf("erased %+v, want the first two", done)
		}
		if _, err := v.Show(ctx, ids[2]); err != nil {
			t.Fatalf("the target after the missing one was erased: %v", err)
		}
		checkClean(t, v, false)
	})
}

// Erasing a threshold class takes its unmask requests and approvals with
// it: they list no more, a new request or an approval of the old one is
// not found (not damage), and check stays clean.
func TestEraseThresholdClass(t *testing.T) {
	f := newFixture(t, 2)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("TH"))[0].ID })
	var req string
	f.as("iryna", func(v *member) {
		info, err := v.RequestUnmask(ctx, id, "", "court order")
		if err != nil {
			t.Fatal(err)
		}
		req = info.ID
	})
	f.as("taras", func(v *member) {
		if _, err := v.ApproveUnmask(ctx, req); err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.Erase(ctx, id, "identity", "consent withdrawn"); err != nil {
			t.Fatalf("Erase: %v", err)
		}
		if l, err := v.ListUnmask(ctx); err != nil || len(l) != 0 {
			t.Fatalf("unmask list after the erase: %+v, %v", l, err)
		}
		if _, err := v.RequestUnmask(ctx, id, "identity", "again"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a new request for the erased class: %v, want ErrNotFound", err)
		}
		checkClean(t, v, true)
	})
	f.as("taras", func(v *member) {
		if _, err := v.ApproveUnmask(ctx, req); !errors.Is(err, ErrNotFound) {
			t.Fatalf("approving the erased class's request: %v, want ErrNotFound", err)
		}
	})
}
