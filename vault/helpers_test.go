package vault

import (
	"bytes"
	"context"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// fixture is one test's team of five and its vault, created by admin-kyiv.
type fixture struct {
	t    *testing.T
	team *testkit.Team
	dir  string // the vault directory
	work string // scratch space for forms and outputs, outside the vault
	// blobs keeps the vault's large blobs across its openings; nil means
	// files in the vault folder.
	blobs blobs.Store
	// fieldBlobs keeps a field vault's (field_test.go).
	fieldBlobs blobs.Store
}

// options opens the fixture's vault with its blob store.
func (f *fixture) options() Options { return Options{Blobs: f.blobs} }

// newFixture makes the example team (identity threshold as given) and
// initialises a vault as admin-kyiv, whose large blobs live in memory (the
// engine's tests do not test files). The vault is closed on return.
func newFixture(t *testing.T, identityThreshold int) *fixture {
	t.Helper()
	return newFixtureWith(t, identityThreshold, mem.New())
}

// newFileFixture is newFixture with large blobs in files in the vault
// folder, as a real vault keeps them: for the tests of what is on disk.
func newFileFixture(t *testing.T, identityThreshold int) *fixture {
	t.Helper()
	return newFixtureWith(t, identityThreshold, nil)
}

func newFixtureWith(t *testing.T, identityThreshold int, bs blobs.Store) *fixture {
	t.Helper()
	team, err := testkit.NewTeam(t.TempDir(), identityThreshold)
	if err != nil {
		t.Fatalf("NewTeam: %v", err)
	}
	f := &fixture{t: t, team: team, dir: filepath.Join(t.TempDir(), "vault"), work: t.TempDir(), blobs: bs}
	v, err := Init(f.dir, team.Get("admin-kyiv").Identity, team.Policy, f.options())
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return f
}

// ctx is the context of every test operation that is not interrupted.
var ctx = context.Background()

// member is a test's handle on the vault opened as one member: the vault
// and the actor, so that tests reach both the verbs and the storage.
type member struct {
	*Vault
	*Actor
}

// as opens v as the identity id.
func as(v *Vault, id *tcrypto.Identity) *member { return &member{Vault: v, Actor: v.As(id)} }

// open opens the vault as member name. It is closed at cleanup unless the
// test closes it first (Close is idempotent).
func (f *fixture) open(name string) *member {
	f.t.Helper()
	v, err := Open(f.dir, f.options())
	if err != nil {
		f.t.Fatalf("Open as %s: %v", name, err)
	}
	f.t.Cleanup(func() { v.Close() })
	return as(v, f.team.Get(name).Identity)
}

// as runs fn with the vault opened as member name, then closes it: Badger
// allows one open handle per directory, so members take turns.
func (f *fixture) as(name string, fn func(v *member)) {
	f.t.Helper()
	v := f.open(name)
	defer func() {
		if err := v.Close(); err != nil {
			f.t.Errorf("Close as %s: %v", name, err)
		}
	}()
	fn(v)
}

// mkdir returns a new, empty folder under the fixture's scratch space.
func (f *fixture) mkdir(prefix string) string {
	f.t.Helper()
	d, err := os.MkdirTemp(f.work, prefix+"-")
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// exampleForm writes testkit's example form (canary inside every field and
// attachment) into a new folder and parses it.
func (f *fixture) exampleForm(canary string) *Form {
	f.t.Helper()
	p, err := testkit.WriteForm(f.mkdir("form"), canary)
	if err != nil {
		f.t.Fatalf("WriteForm: %v", err)
	}
	return parseFormFile(f.t, p)
}

// customForm writes files and a form with the given TOML into a new folder
// and parses it.
func (f *fixture) customForm(formTOML string, files map[string][]byte) *Form {
	f.t.Helper()
	dir := f.mkdir("form")
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			f.t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "form.toml")
	if err := os.WriteFile(p, []byte(formTOML), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return parseFormFile(f.t, p)
}

func parseFormFile(t *testing.T, path string) *Form {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	form, err := ParseForm(path, b, filepath.Dir(path))
	if err != nil {
		t.Fatalf("ParseForm(%s): %v", path, err)
	}
	return form
}

// publicTOML is a [public] table the example policy accepts.
const publicTOML = `[public]
category = "pow"
region = "Kharkiv oblast"
interviewed = "2024-05"
`

// seal seals forms as the vault's member and fails the test on error.
func seal(t *testing.T, v *member, forms ...*Form) []SealResult {
	t.Helper()
	res, err := v.Seal(ctx, forms)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if len(res) != len(forms) {
		t.Fatalf("Seal returned %d results for %d forms", len(res), len(forms))
	}
	return res
}

// pseudoRandom returns n reproducible, incompressible bytes.
func pseudoRandom(n int, seed byte) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{seed, 't', 'v'})
	_, _ = rng.Read(b)
	return b
}

// readHeader returns a record's verified header, straight from the store.
func readHeader(t *testing.T, v *member, id string) *record.Header {
	t.Helper()
	var h *record.Header
	err := v.st.View(func(tx *store.Txn) error {
		raw, err := tx.Header(id)
		if err != nil {
			return err
		}
		h, err = record.DecodeHeader(id, raw)
		return err
	})
	if err != nil {
		t.Fatalf("header of %s: %v", id, err)
	}
	return h
}

// blobRef returns the reference of attachment i (0-based) of class in
// record id; i < 0 selects the class manifest.
func blobRef(t *testing.T, v *member, id, class string, i int) record.BlobRef {
	t.Helper()
	part, ok := readHeader(t, v, id).Part(class)
	if !ok {
		t.Fatalf("record %s has no class %s", id, class)
	}
	if i < 0 {
		return part.Manifest
	}
	return part.Blobs[i]
}

// blobIDs returns the ids of every blob that has chunks in the store.
func blobIDs(t *testing.T, v *member) []string {
	t.Helper()
	var ids []string
	if err := v.eachBlob(ctx, func(b storedBlob) error { ids = append(ids, b.id); return nil }); err != nil {
		t.Fatalf("EachBlob: %v", err)
	}
	return ids
}

// logSize returns the number of audit entries.
func logSize(t *testing.T, v *member) int64 {
	t.Helper()
	var n int64
	if err := v.st.View(func(tx *store.Txn) error {
		var err error
		n, err = tx.Size()
		return err
	}); err != nil {
		t.Fatalf("audit log size: %v", err)
	}
	return n
}

// listCount lists every record as the vault's member.
func listCount(t *testing.T, v *member) int {
	t.Helper()
	ls, err := v.List(ctx, ListFilter{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return len(ls)
}

// treeFiles returns every non-directory below root, relative to it.
func treeFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// noPartials fails the test if any temporary file of writeAtomic is left
// below root.
func noPartials(t *testing.T, root string) {
	t.Helper()
	for _, p := range treeFiles(t, root) {
		if b := filepath.Base(p); strings.HasPrefix(b, ".tvault-") && strings.HasSuffix(b, ".partial") {
			t.Errorf("temporary file %s was left behind", p)
		}
	}
}

// sameFile fails the test unless the file at got holds exactly want.
func sameFile(t *testing.T, got string, want []byte) {
	t.Helper()
	b, err := os.ReadFile(got)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s: %d bytes differ from the original %d bytes", got, len(b), len(want))
	}
}
