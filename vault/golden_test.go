package vault_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
	"github.com/tvault/tvault/vault"
	"github.com/tvault/tvault/vault/audit"
)

// The golden fixtures under testdata/golden/formatN are vaults written by
// the tvault of format N (see each folder's README.md), with the team's
// identities and the exact results a reader must get from them. They are
// never regenerated or edited: a new format gets a new folder beside the old
// ones, and every later tvault must still read every one of them.

// goldenExpected is expected.json: what the generator sealed and read, and
// so what every later tvault must find in the fixture.
type goldenExpected struct {
	Format        int            `json:"format"`
	Commit        string         `json:"commit"`
	VaultID       string         `json:"vault_id"`
	PolicyName    string         `json:"policy_name"`
	Members       []goldenMember `json:"members"`
	Records       []goldenRecord `json:"records"` // oldest first, as List returns them
	Queries       []goldenQuery  `json:"queries"`
	Cat           []goldenCat    `json:"cat"`
	CheckRecords  int            `json:"check_records"`
	CheckBlobs    int            `json:"check_blobs"`
	AuditTreeSize int64          `json:"audit_tree_size"` // the size that checkpoint.txt signs
}

type goldenMember struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Decrypts []string `json:"decrypts"` // classes the member's role may decrypt
}

type goldenRecord struct {
	ID       string         `json:"id"`
	SealedAt time.Time      `json:"sealed_at"`
	SealedBy string         `json:"sealed_by"`
	Public   map[string]any `json:"public"`
	Classes  []string       `json:"classes"` // as List returns them
	Parts    []goldenPart   `json:"parts"`
}

type goldenPart struct {
	Class       string             `json:"class"`
	Fields      map[string]any     `json:"fields"` // the class's fields.json
	Attachments []goldenAttachment `json:"attachments"`
}

type goldenAttachment struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // of the plaintext
}

type goldenQuery struct {
	Where []vault.Condition `json:"where"`
	Since time.Time         `json:"since"`
	Until time.Time         `json:"until"`
	IDs   []string          `json:"ids"`
}

type goldenCat struct {
	Record string `json:"record"`
	Class  string `json:"class"`
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	SHA256 string `json:"sha256"` // of the bytes Cat writes
}

// TestGoldenFormat2 reads the format 2 fixture with today's code: every
// member lists and shows every record, the legal team and the analyst open
// what their roles allow and get the exact plaintext, ranges read back,
// check finds nothing and the audit log extends the fixture's checkpoint.
// Opening it upgrades the copy to today's format (upgrade.go).
func TestGoldenFormat2(t *testing.T) { testGolden(t, "format2") }

// TestGoldenFormat3 reads the format 3 fixture (padded blobs, headers bound
// to their seal entries) the same way.
func TestGoldenFormat3(t *testing.T) { testGolden(t, "format3") }

func testGolden(t *testing.T, format string) {
	dir := copyGolden(t, filepath.Join("testdata", "golden", format))
	var exp goldenExpected
	if err := json.Unmarshal(readGoldenFile(t, dir, "expected.json"), &exp); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	checkpoint := readGoldenFile(t, dir, "checkpoint.txt")

	// The audit log first, before this test appends to it: it must verify,
	// and extend the checkpoint taken when the fixture was made (which pins
	// the fixture's entries by their Merkle root). Today nothing is appended
	// before the verification, so the tree size equals the fixture's; "at
	// least" leaves room for an Open that records itself.
	v := openGolden(t, dir, "iryna")
	sum, err := v.VerifyAudit(ctx, audit.VerifyOptions{Against: checkpoint})
	if err != nil {
		t.Fatalf("VerifyAudit against the fixture's checkpoint: %v", err)
	}
	if sum.TreeSize < exp.AuditTreeSize || sum.Entries != sum.TreeSize {
		t.Errorf("VerifyAudit: %d entries, tree size %d; want both at least %d", sum.Entries, sum.TreeSize, exp.AuditTreeSize)
	}
	closeGolden(t, v)

	for _, m := range exp.Members {
		v := openGolden(t, dir, m.Name)
		if v.ID() != exp.VaultID {
			t.Errorf("%s: vault id %q, want %q", m.Name, v.ID(), exp.VaultID)
		}
		if got, ok := v.Member(); !ok || got.Name != m.Name {
			t.Errorf("%s: Member() = %q, %v", m.Name, got.Name, ok)
		}
		if p, ver := v.Policy(); p.Name != exp.PolicyName || ver != 1 {
			t.Errorf("%s: policy %q version %d, want %q version 1", m.Name, p.Name, ver, exp.PolicyName)
		}

		ls, err := v.List(ctx, vault.ListFilter{})
		if err != nil {
			t.Fatalf("%s: List: %v", m.Name, err)
		}
		if len(ls) != len(exp.Records) {
			t.Fatalf("%s: List returned %d records, want %d", m.Name, len(ls), len(exp.Records))
		}
		for i, l := range ls {
			r := exp.Records[i]
			if l.ID != r.ID || !l.SealedAt.Equal(r.SealedAt) || l.SealedBy != r.SealedBy ||
				!slices.Equal(l.Classes, r.Classes) || !sameJSON(t, l.Public, r.Public) {
				t.Errorf("%s: List[%d] = %+v, want %+v", m.Name, i, l, r)
			}
		}
		for _, q := range exp.Queries {
			ls, err := v.List(ctx, vault.ListFilter{Where: q.Where, Since: q.Since, Until: q.Until})
			if err != nil {
				t.Fatalf("%s: List %+v: %v", m.Name, q, err)
			}
			var ids []string
			for _, l := range ls {
				ids = append(ids, l.ID)
			}
			if !slices.Equal(ids, q.IDs) {
				t.Errorf("%s: List where %v since %v until %v = %v, want %v", m.Name, q.Where, q.Since, q.Until, ids, q.IDs)
			}
		}

		for _, r := range exp.Records {
			info, err := v.Show(ctx, r.ID)
			if err != nil {
				t.Errorf("%s: Show %s: %v", m.Name, r.ID, err)
				continue
			}
			if info.Signature != "valid" || info.ID != r.ID || info.SealedBy != r.SealedBy || info.PolicyVersion != 1 ||
				!info.SealedAt.Equal(r.SealedAt) || !sameJSON(t, info.Public, r.Public) || len(info.Parts) != len(r.Parts) {
				t.Errorf("%s: Show %s = %+v", m.Name, r.ID, info)
				continue
			}
			for _, pi := range info.Parts {
				p := goldenFindPart(r, pi.Class)
				if p == nil || pi.Attachments != len(p.Attachments) || pi.Epoch != 1 || pi.Threshold != 1 {
					t.Errorf("%s: Show %s: part %+v, want %+v", m.Name, r.ID, pi, p)
				}
			}
		}

		// Open every record; each class the member's role may decrypt must
		// come out exactly as sealed, and the others be refused.
		for _, r := range exp.Records {
			out := filepath.Join(t.TempDir(), "out")
			rep, err := v.OpenRecord(ctx, r.ID, vault.OpenRecordOptions{Dir: out, Purpose: "golden fixture test"})
			var want []goldenPart
			for _, p := range r.Parts {
				if slices.Contains(m.Decrypts, p.Class) {
					want = append(want, p)
				}
			}
			if len(want) == 0 {
				if !errors.Is(err, vault.ErrDenied) {
					t.Errorf("%s: Open %s: err = %v, want ErrDenied", m.Name, r.ID, err)
				}
				if files := goldenTree(t, out); len(files) != 0 {
					t.Errorf("%s: a denied Open %s wrote %v", m.Name, r.ID, files)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: Open %s: %v", m.Name, r.ID, err)
				continue
			}
			if len(rep.Opened) != len(want) || len(rep.Skipped) != len(r.Parts)-len(want) {
				t.Errorf("%s: Open %s: opened %+v, skipped %+v; want %d classes opened", m.Name, r.ID, rep.Opened, rep.Skipped, len(want))
			}
			checkOpened(t, m.Name+": Open "+r.ID, out, want)

			for _, p := range r.Parts {
				if slices.Contains(m.Decrypts, p.Class) {
					continue
				}
				out := filepath.Join(t.TempDir(), "out")
				if _, err := v.OpenRecord(ctx, r.ID, vault.OpenRecordOptions{Dir: out, Classes: []string{p.Class}}); !errors.Is(err, vault.ErrDenied) {
					t.Errorf("%s: Open %s class %s: err = %v, want ErrDenied", m.Name, r.ID, p.Class, err)
				}
				for _, a := range p.Attachments {
					if err := v.Cat(ctx, r.ID, p.Class, a.Name, &bytes.Buffer{}, vault.CatOptions{}); !errors.Is(err, vault.ErrDenied) {
						t.Errorf("%s: Cat %s %s/%s: err = %v, want ErrDenied", m.Name, r.ID, p.Class, a.Name, err)
					}
				}
			}
		}

		// Ranges of attachments, for those who may read them.
		for _, c := range exp.Cat {
			if !slices.Contains(m.Decrypts, c.Class) {
				continue
			}
			h := sha256.New()
			if err := v.Cat(ctx, c.Record, c.Class, c.Name, h, vault.CatOptions{Offset: c.Offset, Length: c.Length}); err != nil {
				t.Errorf("%s: Cat %s %s/%s offset %d length %d: %v", m.Name, c.Record, c.Class, c.Name, c.Offset, c.Length, err)
			} else if got := hex.EncodeToString(h.Sum(nil)); got != c.SHA256 {
				t.Errorf("%s: Cat %s %s/%s offset %d length %d: sha256 %s, want %s", m.Name, c.Record, c.Class, c.Name, c.Offset, c.Length, got, c.SHA256)
			}
		}
		closeGolden(t, v)
	}

	v = openGolden(t, dir, "taras")
	rep, err := v.Check(ctx, vault.CheckOptions{ReadData: true})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if rep.Errors() != 0 || len(rep.Findings) != 0 || rep.Leftovers() != 0 {
		t.Errorf("Check found %v, orphans %v, partial %v", rep.Findings, rep.Orphans, rep.Partial)
	}
	if rep.Records != exp.CheckRecords || rep.Blobs != exp.CheckBlobs {
		t.Errorf("Check counted %d records and %d blobs, want %d and %d", rep.Records, rep.Blobs, exp.CheckRecords, exp.CheckBlobs)
	}
	// Export the whole log, old entries and this test's, and verify the
	// export offline, as an auditor would.
	var export bytes.Buffer
	if _, err := v.ExportAudit(ctx, &export, vault.ExportOptions{}); err != nil {
		t.Fatalf("ExportAudit: %v", err)
	}
	sum, err = audit.VerifyExport(&export)
	if err != nil {
		t.Fatalf("VerifyExport: %v", err)
	}
	if sum.TreeSize <= exp.AuditTreeSize {
		t.Errorf("the export's tree size is %d, want more than the fixture's %d", sum.TreeSize, exp.AuditTreeSize)
	}
	if _, err := v.VerifyAudit(ctx, audit.VerifyOptions{Against: checkpoint}); err != nil {
		t.Errorf("VerifyAudit at the end: %v", err)
	}
	closeGolden(t, v)
}

// checkOpened compares what Open wrote into out with the expected classes:
// the same files, each fields.json with the same fields, each attachment
// with the same SHA-256.
func checkOpened(t *testing.T, what, out string, want []goldenPart) {
	t.Helper()
	var wantFiles []string
	for _, p := range want {
		wantFiles = append(wantFiles, p.Class+"/fields.json")
		for _, a := range p.Attachments {
			wantFiles = append(wantFiles, p.Class+"/"+a.Name)
		}
	}
	slices.Sort(wantFiles)
	if got := goldenTree(t, out); !slices.Equal(got, wantFiles) {
		t.Errorf("%s wrote %v, want %v", what, got, wantFiles)
	}
	for _, p := range want {
		b, err := os.ReadFile(filepath.Join(out, p.Class, "fields.json"))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil || !sameJSON(t, fields, p.Fields) {
			t.Errorf("%s: %s/fields.json = %s, want %v (err %v)", what, p.Class, b, p.Fields, err)
		}
		for _, a := range p.Attachments {
			b, err := os.ReadFile(filepath.Join(out, p.Class, a.Name))
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			sum := sha256.Sum256(b)
			if int64(len(b)) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
				t.Errorf("%s: %s/%s has %d bytes, sha256 %x; want %d bytes, sha256 %s", what, p.Class, a.Name, len(b), sum, a.Size, a.SHA256)
			}
		}
	}
}

func goldenFindPart(r goldenRecord, class string) *goldenPart {
	for i := range r.Parts {
		if r.Parts[i].Class == class {
			return &r.Parts[i]
		}
	}
	return nil
}

// openGolden opens the copied fixture's vault as member name, with the
// member's identity file from the fixture (written without a passphrase).
func openGolden(t *testing.T, dir, name string) *actingVault {
	t.Helper()
	id, err := tcrypto.ReadIdentityFile(filepath.Join(dir, "keys", name+".age"), func() (string, error) {
		return "", errors.New("the golden identities have no passphrase")
	})
	if err != nil {
		t.Fatalf("identity of %s: %v", name, err)
	}
	v, err := vault.Open(filepath.Join(dir, "vault"), vault.Options{})
	if err != nil {
		t.Fatalf("Open the golden vault as %s: %v", name, err)
	}
	t.Cleanup(func() { v.Close() })
	return &actingVault{v, v.As(id)}
}

// actingVault is an open vault and one member acting on it.
type actingVault struct {
	*vault.Vault
	*vault.Actor
}

// ctx is the context of every operation of these tests.
var ctx = context.Background()

func closeGolden(t *testing.T, v *actingVault) {
	t.Helper()
	if err := v.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// copyGolden copies the fixture folder src into a new temporary folder and
// returns the copy: opening a vault writes to it (audit entries, Badger's
// files), and the fixture itself must never change. Folders are private
// (mode 0700; on Windows an access list for the user alone, which the files
// inherit) and files 0600, whatever they have in the checkout (git keeps no
// modes but the executable bit, and identity files readable by others are
// refused).
func copyGolden(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "golden")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			// Private on Windows too (an access list for the user alone,
			// which the files below inherit): the identity files must pass
			// crypto's check there as well.
			return private.MkdirAll(target)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o600)
		default:
			return fmt.Errorf("%s is not a regular file or folder", p)
		}
	})
	if err != nil {
		t.Fatalf("copy the golden fixture: %v", err)
	}
	return dst
}

func readGoldenFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenTree lists the regular files under dir, relative and sorted, with
// forward slashes; a missing dir has none.
func goldenTree(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// sameJSON reports whether a and b encode to the same JSON (maps encode
// with sorted keys, so decoded and literal values compare equal).
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ja, jb)
}
