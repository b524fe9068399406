package vault

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/record"
)

// fieldFixture exports a kit from the fixture's vault as admin-kyiv and
// makes a field vault from it for olena; it returns the kit and the field
// vault's folder.
func fieldFixture(t *testing.T, f *fixture) ([]byte, string) {
	t.Helper()
	var kit []byte
	f.as("admin-kyiv", func(v *member) {
		var err error
		if kit, err = v.ExportKit(); err != nil {
			t.Fatalf("ExportKit: %v", err)
		}
	})
	dir := filepath.Join(t.TempDir(), "field")
	fv, err := InitField(dir, f.team.Get("olena").Identity, kit, "olena", Options{Blobs: mem.New()})
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
	if _, err := olena.VerifyAudit(ctx, nil); err != nil {
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
