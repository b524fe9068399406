package vault

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/record"
)

// fieldFixture exports a kit from the fixture's vault as admin-kyiv and
// makes a field vault from it for olena; it returns the kit and the field
// vault's folder.
func fieldFixture(t *testing.T, f *fixture) ([]byte, string) {
	t.Helper()
	return fieldFixtureWith(t, f, mem.New())
}

func fieldFixtureWith(t *testing.T, f *fixture, bs blobs.Store) ([]byte, string) {
	t.Helper()
	var kit []byte
	f.as("admin-kyiv", func(v *member) {
		var err error
		if kit, err = v.ExportKit(); err != nil {
			t.Fatalf("ExportKit: %v", err)
		}
	})
	dir := filepath.Join(t.TempDir(), "field")
	fv, err := InitField(dir, f.team.Get("olena").Identity, kit, "olena", Options{Blobs: bs})
	if err != nil {
		t.Fatalf("InitField: %v", err)
	}
	fv.Close()
	return kit, dir
}

// A kit names no member and carries no secret; a field vault made from it
// seals records for the vault, lists them, keeps a log that verifies, and
// opens nothing: the researcher holds no key of any class.
func TestFieldVaultSealsAndCannotOpen(t *testing.T) {
	f := newFixture(t, 2)
	kit, dir := fieldFixture(t, f)
	for _, m := range f.team.Members {
		if strings.Contains(string(kit), m.Name+`"`) || strings.Contains(string(kit), m.Identity.Recipient()) {
			t.Errorf("the kit names member %s", m.Name)
		}
	}
	k, err := record.DecodeKit(kit)
	if err != nil || k.Vault != func() string { v := f.open("mykola"); defer v.Close(); return v.ID() }() {
		t.Fatalf("DecodeKit: %+v, %v", k, err)
	}
	bs := mem.New()
	fv, err := Open(dir, Options{Blobs: bs})
	if err != nil {
		t.Fatalf("Open field vault: %v", err)
	}
	defer fv.Close()
	if !fv.IsField() || fv.ID() == k.Vault {
		t.Fatalf("field vault: IsField %v, id %s", fv.IsField(), fv.ID())
	}
	olena := as(fv, f.team.Get("olena").Identity)
	id := seal(t, olena, f.exampleForm("FIELD1"))[0].ID
	if h := readHeader(t, olena, id); h.Vault != k.Vault || h.SealedBy != "olena" || h.PolicyVersion != k.PolicyVersion {
		t.Fatalf("field header: vault %s, sealer %s, policy %d", h.Vault, h.SealedBy, h.PolicyVersion)
	}
	if n := listCount(t, olena); n != 1 {
		t.Fatalf("list: %d records", n)
	}
	_, err = olena.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("out"), Classes: []string{"testimony"}})
	if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "field vault") {
		t.Fatalf("open in a field vault: %v, want a denial", err)
	}
	rep, err := olena.Check(ctx, CheckOptions{ReadData: true})
	if err != nil || rep.Errors() > 0 {
		t.Fatalf("check: %+v, %v", rep, err)
	}
	if _, err := olena.VerifyAudit(ctx, audit.VerifyOptions{}); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	for _, op := range []func() error{
		func() error { _, err := olena.SyncKeys(nil); return err },
		func() error { _, err := olena.ExportKit(); return err },
		func() error { _, err := olena.ApplyPolicy(f.team.Policy); return err },
	} {
		var ie *InputError
		if err := op(); !errors.As(err, &ie) || !strings.Contains(err.Error(), "field vault") {
			t.Errorf("a vault-only operation in a field vault: %v", err)
		}
	}
}

// Only an admin exports a kit, and the export is in the log.
func TestKitExportNeedsPolicyAction(t *testing.T) {
	f := newFixture(t, 1)
	f.as("iryna", func(v *member) {
		if _, err := v.ExportKit(); !errors.Is(err, ErrDenied) {
			t.Fatalf("iryna exports a kit: %v", err)
		}
	})
}

// fieldBundle seals forms in the field vault in dir as olena and exports
// a bundle of them; it returns the bundle and the record ids.
func fieldBundle(t *testing.T, f *fixture, dir string, forms ...*Form) ([]byte, []string) {
	t.Helper()
	fv, err := Open(dir, Options{Blobs: f.fieldBlobs})
	if err != nil {
		t.Fatal(err)
	}
	defer fv.Close()
	olena := as(fv, f.team.Get("olena").Identity)
	var ids []string
	for _, r := range seal(t, olena, forms...) {
		ids = append(ids, r.ID)
	}
	var buf bytes.Buffer
	rep, err := olena.ExportBundle(ctx, &buf, time.Time{})
	if err != nil || rep.Records != len(forms) {
		t.Fatalf("ExportBundle: %+v, %v", rep, err)
	}
	return buf.Bytes(), ids
}

func importBytes(v *member, b []byte) (*BundleReport, error) {
	return v.ImportBundle(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// A bundle carries records home: imported, they open for the legal team
// byte for byte, list, show and check as records of the vault; importing
// again adds nothing; a bundle with one flipped byte is refused whole and
// adds nothing; the bundle holds no plaintext, public metadata included.
func TestBundleRoundTrip(t *testing.T) {
	f := newFixture(t, 1)
	f.fieldBlobs = mem.New()
	_, dir := fieldFixtureWith(t, f, f.fieldBlobs)
	big := pseudoRandom(3<<20, 7)
	form := f.customForm(`[public]
category = "pow"

[testimony]
summary = "what happened"
files = ["t.txt", "clip.opus"]
`, map[string][]byte{"t.txt": []byte("testimony CANARY-T"), "clip.opus": big})
	b, ids := fieldBundle(t, f, dir, f.exampleForm("CANARY-B"), form)
	for _, canary := range []string{"CANARY-B", "CANARY-T", "Kharkiv", "pow-family", "olena"} {
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("the bundle holds %q in the clear", canary)
		}
	}
	flipped := bytes.Clone(b)
	flipped[len(flipped)/2] ^= 1
	f.as("mykola", func(v *member) {
		before := logSize(t, v)
		if _, err := importBytes(v, flipped); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("import of a flipped bundle: %v", err)
		}
		if logSize(t, v) != before+1 {
			t.Fatalf("the refusal is not one audit entry: %d then %d", before, logSize(t, v))
		}
		if n := listCount(t, v); n != 0 {
			t.Fatalf("a refused bundle left %d records", n)
		}
		rep, err := importBytes(v, b)
		if err != nil || rep.Imported != 2 || rep.Present != 0 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		rep, err = importBytes(v, b)
		if err != nil || rep.Imported != 0 || rep.Present != 2 {
			t.Fatalf("second import: %+v, %v", rep, err)
		}
		if n := listCount(t, v); n != 2 {
			t.Fatalf("list after import: %d records", n)
		}
	})
	f.as("iryna", func(v *member) {
		out := f.mkdir("open")
		if _, err := v.OpenRecord(ctx, ids[1], OpenRecordOptions{Dir: out}); err != nil {
			t.Fatalf("open an imported record: %v", err)
		}
		sameFile(t, filepath.Join(out, "testimony", "clip.opus"), big)
		rep, err := v.Check(ctx, CheckOptions{ReadData: true})
		if err != nil || rep.Errors() > 0 {
			t.Fatalf("check: %+v, %v", rep.Findings, err)
		}
	})
}

// The receipt of an import lets the field vault purge exactly what the
// vault holds: a receipt signed with another key, or for another field
// vault, purges nothing; a genuine one leaves the field vault without
// those records, its log verifying and check clean.
func TestBundlePurge(t *testing.T) {
	f := newFixture(t, 1)
	f.fieldBlobs = mem.New()
	_, dir := fieldFixtureWith(t, f, f.fieldBlobs)
	b, ids := fieldBundle(t, f, dir, f.exampleForm("P1"), f.exampleForm("P2"))
	var receipt []byte
	f.as("mykola", func(v *member) {
		rep, err := importBytes(v, b)
		if err != nil || len(rep.Receipt) == 0 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		receipt = rep.Receipt
	})
	fv, err := Open(dir, Options{Blobs: f.fieldBlobs})
	if err != nil {
		t.Fatal(err)
	}
	defer fv.Close()
	olena := as(fv, f.team.Get("olena").Identity)
	// A receipt signed by anyone else: refused, nothing removed.
	r, err := record.DecodeReceipt(receipt, fv.field.kit.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := record.ReceiptKey("not the intake secret")
	forged, _ := record.SignReceipt(other, r)
	if _, err := olena.PurgeBundle(ctx, forged); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("purge with a forged receipt: %v", err)
	}
	if n := listCount(t, olena); n != 2 {
		t.Fatalf("a refused purge left %d records", n)
	}
	rep, err := olena.PurgeBundle(ctx, receipt)
	if err != nil || rep.Purged != 2 || rep.Kept != 0 {
		t.Fatalf("purge: %+v, %v", rep, err)
	}
	if n := listCount(t, olena); n != 0 {
		t.Fatalf("after the purge the field vault lists %d records", n)
	}
	if _, err := olena.Show(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("show a purged record: %v", err)
	}
	c, err := olena.Check(ctx, CheckOptions{})
	if err != nil || c.Errors() > 0 || c.Leftovers() > 0 {
		t.Fatalf("check after purge: %+v, %v", c, err)
	}
	if rep, err := olena.PurgeBundle(ctx, receipt); err != nil || rep.Purged != 0 || rep.Kept != 2 {
		t.Fatalf("second purge: %+v, %v", rep, err)
	}
}
