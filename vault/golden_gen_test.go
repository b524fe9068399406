package vault_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault"
)

// TestGenerateGolden writes testdata/golden/formatN for today's
// FormatVersion N: the example team's identities (no passphrase), the
// policy, a vault with a few sealed and read records, expected.json,
// checkpoint.txt and README.md. It runs only with TVAULT_GOLDEN_GEN=1, and
// refuses to touch a folder that exists: a fixture is made once, when a
// format is new, and then kept as it is forever.
//
//	TVAULT_GOLDEN_GEN=1 go test ./vault -run TestGenerateGolden -v
func TestGenerateGolden(t *testing.T) {
	if os.Getenv("TVAULT_GOLDEN_GEN") != "1" {
		t.Skip("set TVAULT_GOLDEN_GEN=1 to write a new golden fixture")
	}
	format := fmt.Sprintf("format%d", vault.FormatVersion)
	root := filepath.Join("testdata", "golden", format)
	if _, err := os.Lstat(root); err == nil {
		t.Fatalf("%s exists: a golden fixture is never regenerated", root)
	}
	if err := os.MkdirAll(filepath.Join(root, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	ok := false
	t.Cleanup(func() {
		if !ok {
			os.RemoveAll(root)
		}
	})

	// The team: testkit's identities and policy, the identities written
	// again without a passphrase (as tvault keygen --no-passphrase does).
	team, err := testkit.NewTeam(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range team.Members {
		if err := tcrypto.WriteIdentityFile(filepath.Join(root, "keys", m.Name+".age"), m.Identity, "", tcrypto.FileOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "policy.toml"), team.Policy, 0o600); err != nil {
		t.Fatal(err)
	}

	// A fixed clock that ticks one second per reading, so that sealing
	// times (and the since/until queries over them) are known.
	var mu sync.Mutex
	clock := time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)
	opts := vault.Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}}
	vdir := filepath.Join(root, "vault")
	as := func(name string, fn func(v *actingVault)) {
		t.Helper()
		v, err := vault.Open(vdir, opts)
		if err != nil {
			t.Fatalf("Open as %s: %v", name, err)
		}
		fn(&actingVault{v, v.As(team.Get(name).Identity)})
		if err := v.Close(); err != nil {
			t.Fatalf("Close as %s: %v", name, err)
		}
	}
	v, err := vault.Init(vdir, team.Get("admin-kyiv").Identity, team.Policy, opts)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	exp := goldenExpected{Format: vault.FormatVersion, Commit: gitHead(), VaultID: v.ID()}
	p, _ := v.Policy()
	exp.PolicyName = p.Name
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	for _, r := range testkit.Roster {
		exp.Members = append(exp.Members, goldenMember{Name: r.Name, Role: r.Role, Decrypts: p.Decryptable(r.Name)})
	}

	// The forms. Attachments are fixed text or seeded pseudo-random bytes.
	examplePath, err := testkit.WriteForm(filepath.Join(t.TempDir(), "example"), "golden")
	if err != nil {
		t.Fatal(err)
	}
	exampleForm := parseGoldenForm(t, examplePath)
	big := goldenRandom(3<<19, 2) // 1.5 MiB: stored as a blob file, not inline
	largeForm := writeGoldenForm(t, `[public]
category = "pow"
region = "Zaporizhzhia oblast"
interviewed = "2024-03"
language = "uk"
topics = ["incommunicado", "torture"]

[testimony]
summary = "Held 14 months at two sites; released in an exchange."
files = ["interview.opus", "transcript-redacted.txt"]

[identity]
interviewee = "Андрій Коваленко"
unit = "a brigade, named in the full transcript"
files = ["consent-form.jpg"]
`, map[string][]byte{
		"interview.opus":          big,
		"transcript-redacted.txt": []byte(strings.Repeat("Q: [redacted]\nA: [redacted]\n", 200)),
		"consent-form.jpg":        goldenRandom(5000, 3),
	})
	missingForm := writeGoldenForm(t, `[public]
category = "missing-family"
region = "Donetsk oblast"
interviewed = "2023-11"
language = "ru"
topics = ["missing"]

[testimony]
summary = "Brother missing since March 2022; no notice from either side."
files = ["notes.txt"]
`, map[string][]byte{"notes.txt": []byte("Field notes, redacted.\nNo further contact.\n")})
	civilianForm := writeGoldenForm(t, `[public]
category = "civilian"
region = "Kherson oblast"
interviewed = "2024-02"
language = "uk"
topics = ["deportation", "incommunicado"]

[testimony]
summary = "Detained at a checkpoint, held in a basement for three weeks."
files = ["transcript-redacted.txt"]

[identity]
interviewee = "Марія Шевченко"
contact = "through the regional office"
`, map[string][]byte{"transcript-redacted.txt": []byte("Redacted transcript of a civilian detainee.\n")})
	familyForm := writeGoldenForm(t, `[public]
category = "civilian-family"
region = "Kharkiv oblast"
interviewed = "2024-05"

[testimony]
summary = "Father taken from his home in Kupiansk district."
`, nil)
	forms := []*vault.Form{exampleForm, largeForm, missingForm, civilianForm, familyForm}

	// olena seals the example, then the large form, then the rest in one call.
	var ids []string
	as("olena", func(v *actingVault) {
		for _, batch := range [][]*vault.Form{forms[:1], forms[1:2], forms[2:]} {
			res, err := v.Seal(ctx, batch)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			for _, r := range res {
				ids = append(ids, r.ID)
			}
		}
	})
	if len(ids) != len(forms) {
		t.Fatalf("sealed %d records, want %d", len(ids), len(forms))
	}
	as("olena", func(v *actingVault) {
		ls, err := v.List(ctx, vault.ListFilter{})
		if err != nil || len(ls) != len(forms) {
			t.Fatalf("List: %d records, err %v", len(ls), err)
		}
		for i, l := range ls {
			if l.ID != ids[i] {
				t.Fatalf("List[%d] = %s, want %s", i, l.ID, ids[i])
			}
			exp.Records = append(exp.Records, goldenRecordOf(t, l, forms[i]))
		}
	})

	// Queries for list, each with the records it must return.
	at := func(i int) time.Time { return exp.Records[i].SealedAt }
	pick := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, ids[i])
		}
		return out
	}
	exp.Queries = []goldenQuery{
		{Where: []vault.Condition{{Field: "region", Value: "Kharkiv oblast"}}, IDs: pick(0, 4)},
		{Where: []vault.Condition{{Field: "topics", Value: "incommunicado"}}, IDs: pick(0, 1, 3)},
		{Where: []vault.Condition{{Field: "category", Value: "missing-family"}}, IDs: pick(2)},
		{Where: []vault.Condition{{Field: "language", Value: "ru"}}, IDs: pick(2)},
		{Where: []vault.Condition{{Field: "region", Value: "Kharkiv oblast"}, {Field: "category", Value: "pow-family"}}, IDs: pick(0)},
		{Where: []vault.Condition{{Field: "interviewed", Value: "2024-05"}}, IDs: pick(0, 4)},
		{Where: []vault.Condition{{Field: "region", Value: "Odesa oblast"}}, IDs: nil},
		{Since: at(1), Until: at(3), IDs: pick(1, 2)},
		{Where: []vault.Condition{{Field: "topics", Value: "incommunicado"}}, Since: at(1), IDs: pick(1, 3)},
	}

	// Ranges for cat, each with the SHA-256 of the bytes it must return.
	sumOf := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	const k64, m1 = 64 << 10, 1 << 20
	for _, c := range []struct{ off, n int64 }{{0, 0}, {m1 - 100, k64 + 200}, {k64 - 1, 2}, {int64(len(big)) - 10, -1}} {
		end := int64(len(big))
		if c.n > 0 {
			end = c.off + c.n
		}
		exp.Cat = append(exp.Cat, goldenCat{Record: ids[1], Class: "testimony", Name: "interview.opus",
			Offset: c.off, Length: c.n, SHA256: sumOf(big[c.off:end])})
	}
	full, err := os.ReadFile(filepath.Join(filepath.Dir(examplePath), "transcript-full.txt"))
	if err != nil {
		t.Fatal(err)
	}
	exp.Cat = append(exp.Cat, goldenCat{Record: ids[0], Class: "identity", Name: "transcript-full.txt",
		Offset: 3, Length: 20, SHA256: sumOf(full[3:23])})

	// Audited reads, so that the log holds more than seals: a show, opens
	// (one with a denied class), a range, the policy, a check.
	as("mykola", func(v *actingVault) {
		if _, err := v.Show(ctx, ids[0]); err != nil {
			t.Fatalf("Show: %v", err)
		}
		rep, err := v.OpenRecord(ctx, ids[0], vault.OpenRecordOptions{Dir: filepath.Join(t.TempDir(), "out"), Purpose: "analysis"})
		if err != nil || len(rep.Opened) != 1 || len(rep.Skipped) != 1 {
			t.Fatalf("mykola Open: %+v, %v", rep, err)
		}
		if _, err := v.OpenRecord(ctx, ids[0], vault.OpenRecordOptions{Dir: filepath.Join(t.TempDir(), "out"), Classes: []string{"identity"}}); err == nil {
			t.Fatal("mykola opened the identity class")
		}
		var buf bytes.Buffer
		if err := v.Cat(ctx, ids[1], "testimony", "interview.opus", &buf, vault.CatOptions{Offset: m1, Length: k64}); err != nil ||
			!bytes.Equal(buf.Bytes(), big[m1:m1+k64]) {
			t.Fatalf("mykola Cat: %v", err)
		}
	})
	as("iryna", func(v *actingVault) {
		out := filepath.Join(t.TempDir(), "out")
		rep, err := v.OpenRecord(ctx, ids[1], vault.OpenRecordOptions{Dir: out, Purpose: "ICC filing"})
		if err != nil || len(rep.Opened) != 2 {
			t.Fatalf("iryna Open: %+v, %v", rep, err)
		}
		checkOpened(t, "iryna Open", out, exp.Records[1].Parts)
	})
	as("admin-kyiv", func(v *actingVault) {
		if _, _, err := v.ShowPolicy(); err != nil {
			t.Fatalf("ShowPolicy: %v", err)
		}
	})
	as("taras", func(v *actingVault) {
		rep, err := v.Check(ctx, vault.CheckOptions{ReadData: true})
		if err != nil || len(rep.Findings) != 0 || rep.Leftovers() != 0 {
			t.Fatalf("Check: %+v, %v", rep, err)
		}
		exp.CheckRecords, exp.CheckBlobs = rep.Records, rep.Blobs
	})
	// Last, the checkpoint that a later tvault's log must extend.
	as("iryna", func(v *actingVault) {
		cp, err := v.AuditCheckpoint(ctx)
		if err != nil {
			t.Fatalf("AuditCheckpoint: %v", err)
		}
		// The body of a C2SP checkpoint: origin, tree size, root.
		lines := strings.Split(string(cp), "\n")
		if len(lines) < 3 {
			t.Fatalf("checkpoint %q", cp)
		}
		if exp.AuditTreeSize, err = strconv.ParseInt(lines[1], 10, 64); err != nil || exp.AuditTreeSize < int64(len(ids)) {
			t.Fatalf("checkpoint tree size %q: %v", lines[1], err)
		}
		if err := os.WriteFile(filepath.Join(root, "checkpoint.txt"), cp, 0o600); err != nil {
			t.Fatal(err)
		}
	})

	// Nothing but the vault's own files may be left in it.
	var files []string
	var total int64
	err = filepath.WalkDir(vdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() || d.Name() == "LOCK" || strings.HasPrefix(d.Name(), ".") {
			t.Errorf("unexpected file left in the vault: %s (%v)", p, fi.Mode())
		}
		rel, _ := filepath.Rel(vdir, p)
		files = append(files, fmt.Sprintf("%10d  %s", fi.Size(), filepath.ToSlash(rel)))
		total += fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 10<<20 {
		t.Errorf("the fixture's vault holds %d bytes; keep it small", total)
	}

	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "expected.json"), append(b, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	readme := fmt.Sprintf(goldenREADME, format, vault.FormatVersion, exp.Commit, strings.Join(files, "\n"))
	if err := os.WriteFile(filepath.Join(root, "README.md"), []byte(readme), 0o600); err != nil {
		t.Fatal(err)
	}
	ok = true
	t.Logf("wrote %s: %d records, audit tree size %d, vault files:\n%s", root, len(ids), exp.AuditTreeSize, strings.Join(files, "\n"))
}

const goldenREADME = `# Golden fixture: vault format %[2]d

A vault in tvault's on-disk format %[2]d (vault.FormatVersion = %[2]d), as the
vault package of commit %[3]s wrote it, with what
every later tvault must read from it. TestGoldenFormat%[2]d (../../../golden_test.go)
copies this folder to a temporary one, opens the vault as each member and
checks every record, range, check and audit result against expected.json.

**Never regenerate or edit anything here.** A file changed here would hide
the very break this fixture exists to catch. A new on-disk format gets a new
folder beside this one (golden_gen_test.go writes format<N> for today's
FormatVersion, and refuses a folder that exists); this one stays, and the
test that reads it stays.

- keys/<name>.age: the identities of the example team (admin-kyiv, olena,
  mykola with a classic X25519 key, iryna, taras), plain age identity files
  WITHOUT a passphrase, as "tvault keygen --no-passphrase" writes them. They
  guard nothing but this fixture. Git does not keep their 0600 mode: the test
  sets it on its copy.
- policy.toml: the example policy (identity threshold 1) with those members.
- vault/: made by vault.Init as admin-kyiv; olena sealed the example form,
  a form with a 1.5 MiB attachment (a blob file under db/blobs/), and three
  small forms in one call; then mykola showed, opened (identity denied) and
  read a range, iryna opened, admin-kyiv read the policy, taras ran check
  --read-data, and iryna took the checkpoint. The clock was fixed (starting
  2024-06-03T09:00:00Z, one second per reading), so sealing times are known.
- checkpoint.txt: the signed tree head at the end, which the log must extend.
- expected.json: record ids, public fields, classes, each class's fields and
  attachments (name, size, SHA-256 of the plaintext), list queries with their
  results, cat ranges with their SHA-256, check's counts, the audit tree
  size and the vault id.

Files of vault/ (bytes):

` + "```" + `
%[4]s
` + "```" + `
`

// goldenRecordOf is what the fixture must hold for the record sealed from
// form, as listed in l.
func goldenRecordOf(t *testing.T, l vault.Listing, form *vault.Form) goldenRecord {
	t.Helper()
	r := goldenRecord{ID: l.ID, SealedAt: l.SealedAt, SealedBy: l.SealedBy, Public: form.Public, Classes: l.Classes}
	if r.SealedBy != "olena" || !sameJSON(t, l.Public, form.Public) {
		t.Fatalf("listed %+v for form %s", l, form.Source)
	}
	var names []string
	for _, c := range form.Classes {
		names = append(names, c.Class)
		p := goldenPart{Class: c.Class, Fields: c.Fields, Attachments: []goldenAttachment{}}
		for _, f := range c.Files {
			b, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			s := sha256.Sum256(b)
			p.Attachments = append(p.Attachments, goldenAttachment{Name: f.Name, Size: int64(len(b)), SHA256: hex.EncodeToString(s[:])})
		}
		r.Parts = append(r.Parts, p)
	}
	slices.Sort(names)
	if !slices.Equal(names, l.Classes) {
		t.Fatalf("record %s lists classes %v, its form has %v", l.ID, l.Classes, names)
	}
	return r
}

// writeGoldenForm writes a form and its files into a new folder and parses it.
func writeGoldenForm(t *testing.T, formTOML string, files map[string][]byte) *vault.Form {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "form.toml")
	if err := os.WriteFile(p, []byte(formTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	return parseGoldenForm(t, p)
}

func parseGoldenForm(t *testing.T, path string) *vault.Form {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	form, err := vault.ParseForm(path, b, filepath.Dir(path))
	if err != nil {
		t.Fatalf("ParseForm %s: %v", path, err)
	}
	return form
}

// goldenRandom returns n reproducible, incompressible bytes.
func goldenRandom(n int, seed byte) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{seed, 'g', 'o', 'l', 'd'})
	_, _ = rng.Read(b)
	return b
}

// gitHead returns the commit checked out, for the fixture's README.
func gitHead() string {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "(unknown)"
	}
	return strings.TrimSpace(string(out))
}
