package vault

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault/internal/record"
)

// formDir is where relative attachment paths resolve in these tests.
var formDir = filepath.FromSlash(absPath("/forms/case-17"))

// absPath makes the slash path p absolute on this platform: on Windows, a
// path needs a drive to be absolute (C:/forms). It keeps the slashes, so
// that the result can stand in a TOML string.
func absPath(p string) string {
	if runtime.GOOS == "windows" {
		return "C:" + p
	}
	return p
}

// badForms are forms ParseForm must refuse, each with a word its message
// must contain.
var badForms = []struct {
	name, form, msg string
}{
	{"empty", "", "empty"},
	{"blank", " \n\t\n", "empty"},
	{"not toml", "[testimony\nsummary = 1\n", "not valid TOML"},
	{"unterminated string", "[testimony]\nsummary = \"a\n", "line 2"},
	{"duplicate key", "[testimony]\na = 1\na = 2\n", "line 3"},
	{"not utf-8", "[testimony]\nsummary = \"\xff\xfe\"\n", "UTF-8"},
	{"top-level string", "title = \"x\"\n[testimony]\nsummary = \"s\"\n", `"title" must be a table`},
	{"top-level number", "n = 1\n[testimony]\nsummary = \"s\"\n", `"n" must be a table`},
	{"array of tables", "[[testimony]]\nsummary = \"s\"\n", "must be a table"},
	{"public not a table", "public = \"x\"\n[testimony]\nsummary = \"s\"\n", "must be a table"},
	{"inline array class", "testimony = [1, 2]\n", "must be a table"},
	{"upper-case class", "[Testimony]\nsummary = \"s\"\n", "not a class name"},
	{"class starts with a digit", "[1st]\nsummary = \"s\"\n", "not a class name"},
	{"class with a space", "[\"a b\"]\nsummary = \"s\"\n", "not a class name"},
	{"class with a dot", "[\"a.b\"]\nsummary = \"s\"\n", "not a class name"},
	{"class with a slash", "[\"a/b\"]\nsummary = \"s\"\n", "not a class name"},
	{"class not ascii", "[\"свідчення\"]\nsummary = \"s\"\n", "not a class name"},
	{"class too long", "[" + strings.Repeat("a", 33) + "]\nsummary = \"s\"\n", "not a class name"},
	{"class empty", "[\"\"]\nsummary = \"s\"\n", "not a class name"},
	{"no class", "[public]\ncategory = \"pow\"\n", "no class table"},
	{"files a string", "[testimony]\nfiles = \"a.txt\"\n", "files must be a list"},
	{"files a table", "[testimony.files]\na = \"a.txt\"\n", "files must be a list"},
	{"files of numbers", "[testimony]\nfiles = [1, 2]\n", "files must be a list"},
	{"files with an empty name", "[testimony]\nfiles = [\"\"]\n", "files must be a list"},
	{"files nested", "[testimony]\nfiles = [[\"a.txt\"]]\n", "files must be a list"},
	{"duplicate names", "[testimony]\nfiles = [\"a/x.txt\", \"b/x.txt\"]\n", "two attachments"},
	{"duplicate paths", "[testimony]\nfiles = [\"x.txt\", \"./x.txt\"]\n", "two attachments"},
	{"fields.json", "[testimony]\nfiles = [\"fields.json\"]\n", "not allowed"},
	{"fields.json in a folder", "[testimony]\nfiles = [\"scans/fields.json\"]\n", "not allowed"},
	{"hidden file", "[testimony]\nfiles = [\".notes\"]\n", "not allowed"},
	{"root", "[testimony]\nfiles = [\"" + absPath("/") + "\"]\n", "outside the form's folder"},
	{"nan", "[testimony]\nx = nan\n", "nan"},
	{"inf in a list", "[testimony]\nx = [1.0, -inf]\n", "nan"},
}

func TestParseFormRefuses(t *testing.T) {
	for _, c := range badForms {
		t.Run(c.name, func(t *testing.T) {
			form, err := ParseForm("case.toml", []byte(c.form), formDir)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseForm = %+v, %v; want an *InputError", form, err)
			}
			if ie.Source != "case.toml" || !strings.HasPrefix(err.Error(), "case.toml: ") {
				t.Errorf("error %q does not name the form", err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not mention %q", err, c.msg)
			}
		})
	}
}

func TestParseFormSize(t *testing.T) {
	head := "[testimony]\nsummary = \""
	fill := func(n int) []byte {
		return []byte(head + strings.Repeat("a", n-len(head)-2) + "\"\n")
	}
	if _, err := ParseForm("big.toml", fill(MaxFormSize), formDir); err != nil {
		t.Errorf("a form of exactly %d bytes: %v", MaxFormSize, err)
	}
	_, err := ParseForm("big.toml", fill(MaxFormSize+1), formDir)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a form of %d bytes: err = %v, want it refused as too large", MaxFormSize+1, err)
	}
}

// TestParseFormErrorsOmitValues: a TOML error points at the line, never
// quoting a field's value, which may name an interviewee.
func TestParseFormErrorsOmitValues(t *testing.T) {
	for _, form := range []string{
		"[identity]\ninterviewee = \"Олена Петренко\nrelation = \"mother\"\n",
		"[identity]\ninterviewee = Олена Петренко\n",
		"[identity]\ninterviewee = \"Олена Петренко\" extra\n",
	} {
		_, err := ParseForm("f.toml", []byte(form), formDir)
		if err == nil {
			t.Fatalf("%q parsed", form)
		}
		if strings.Contains(err.Error(), "Петренко") || strings.Contains(err.Error(), "Олена") {
			t.Errorf("error %q quotes a value", err)
		}
	}
}

func TestParseFormExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "examples", "form.toml"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := ParseForm("form.toml", data, formDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{form.Classes[0].Class, form.Classes[1].Class}; len(form.Classes) != 2 || !slices.Equal(got, []string{"identity", "testimony"}) {
		t.Fatalf("classes = %+v, want identity and testimony in name order", form.Classes)
	}
	if form.Public["category"] != "pow-family" || form.Public["interviewed"] != "2024-05" {
		t.Errorf("public = %v", form.Public)
	}
	id := form.Classes[0]
	if id.Fields["interviewee"] != "Олена Петренко" || id.Fields["detainee"] != "Петро Петренко, 1998" {
		t.Errorf("Cyrillic fields did not survive: %v", id.Fields)
	}
	if _, ok := id.Fields["files"]; ok {
		t.Error("files is stored as a field")
	}
	want := []FormFile{
		{Path: filepath.Join(formDir, "consent-form.jpg"), Name: "consent-form.jpg"},
		{Path: filepath.Join(formDir, "transcript-full.txt"), Name: "transcript-full.txt"},
	}
	if !reflect.DeepEqual(id.Files, want) {
		t.Errorf("identity files = %+v, want %+v", id.Files, want)
	}
	if n := len(form.Classes[1].Files); n != 2 || form.Classes[1].Files[1].Name != "interview.opus" {
		t.Errorf("testimony files = %+v", form.Classes[1].Files)
	}
}

func TestParseFormValues(t *testing.T) {
	form, err := ParseFormWith("v.toml", []byte(`
[testimony]
summary = "Син потрапив у полон у квітні 2022"
count = 3
ratio = 0.5
ok = true
day = 2024-05-01
at = 1979-05-27T07:32:00Z
local = 1979-05-27T07:32:00
clock = 07:32:00
list = ["a", 1, ["b"]]
files = ["`+absPath("/abs/Інтерв'ю.opus")+`", "sub/dir/scan.jpg"]

[testimony.place]
oblast = "Харківська"
`), FormOptions{Dir: formDir, AllowOutsideAttachments: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(form.Public) != 0 || form.Public == nil {
		t.Errorf("public = %#v, want an empty map", form.Public)
	}
	c := form.Classes[0]
	want := map[string]any{
		"summary": "Син потрапив у полон у квітні 2022",
		"count":   int64(3),
		"ratio":   0.5,
		"ok":      true,
		"day":     "2024-05-01",
		"at":      time.Date(1979, 5, 27, 7, 32, 0, 0, time.UTC).Format(time.RFC3339Nano),
		"local":   "1979-05-27T07:32:00",
		"clock":   "07:32:00",
		"list":    []any{"a", int64(1), []any{"b"}},
		"place":   map[string]any{"oblast": "Харківська"},
	}
	if !reflect.DeepEqual(c.Fields, want) {
		t.Errorf("fields =\n%#v\nwant\n%#v", c.Fields, want)
	}
	if _, err := json.Marshal(c.Fields); err != nil {
		t.Errorf("fields do not encode as JSON: %v", err)
	}
	files := []FormFile{
		{Path: absPath("/abs/Інтерв'ю.opus"), Name: "Інтерв'ю.opus"},
		{Path: filepath.Join(formDir, "sub/dir/scan.jpg"), Name: "scan.jpg"},
	}
	if !reflect.DeepEqual(c.Files, files) {
		t.Errorf("files = %+v, want %+v", c.Files, files)
	}
}

// TestParseFormClassNameLimits: 32 characters of a-z, 0-9, '_' and '-'
// after a letter make a class name.
func TestParseFormClassNameLimits(t *testing.T) {
	for _, name := range []string{"a", "x" + strings.Repeat("9", 31), "legal-2024_b"} {
		form, err := ParseForm("c.toml", []byte("["+name+"]\nsummary = \"s\"\n"), formDir)
		if err != nil || form.Classes[0].Class != name {
			t.Errorf("class %q: %v", name, err)
		}
	}
}

// TestParseFormNamesOpenable: every attachment name ParseForm accepts must
// be one Open will write (safeName); otherwise the record seals but can
// never be opened, and Open reports it as tampering.
func TestParseFormNamesOpenable(t *testing.T) {
	for _, p := range []string{`a\\b.txt`, `scan\\.jpg`, `a\u0000b`} {
		form, err := ParseForm("n.toml", []byte("[testimony]\nfiles = [\""+p+"\"]\n"), formDir)
		if err == nil && !record.SafeName(form.Classes[0].Files[0].Name) {
			t.Errorf("ParseForm accepted %q, which Open refuses to write", form.Classes[0].Files[0].Name)
		}
	}
}

func FuzzParseForm(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "examples", "form.toml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, c := range badForms {
		f.Add([]byte(c.form))
	}
	for _, c := range hostileForms {
		f.Add([]byte(c.form))
	}
	f.Add([]byte("[testimony]\nfiles = [\"" + absPath("/abs/Інтерв'ю.opus") + "\", \"sub/../x.jpg\", \"./y\", \"a/\"]\n[testimony.place]\nx = 1979-05-27\n"))
	f.Add([]byte("[public]\ntopics = [\"a\"]\n[a]\nfiles = [\"..\", \".\", \"x/..\"]\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := ParseForm("fuzz.toml", data, formDir)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		if len(form.Classes) == 0 || form.Public == nil {
			t.Fatalf("accepted a form with no class or a nil public table: %+v", form)
		}
		seen := map[string]bool{}
		for _, c := range form.Classes {
			if !classNameRe.MatchString(c.Class) || c.Class == "public" || seen[c.Class] {
				t.Fatalf("class %q accepted", c.Class)
			}
			seen[c.Class] = true
			if _, err := json.Marshal(c.Fields); err != nil {
				t.Fatalf("fields of %s do not encode as JSON: %v", c.Class, err)
			}
			if _, ok := c.Fields["files"]; ok {
				t.Fatalf("files of %s kept as a field", c.Class)
			}
			for k := range c.Fields {
				if looksLikeFiles(k) || text.Line(k) != nil || len(k) > MaxNameBytes {
					t.Fatalf("field name %q of %s accepted", k, c.Class)
				}
			}
			if n, err := manifestBound(c); err != nil || n > MaxManifestJSON {
				t.Fatalf("class %s accepted with a manifest of %d bytes (%v)", c.Class, n, err)
			}
			if len(c.Files) > MaxAttachments {
				t.Fatalf("class %s accepted with %d attachments", c.Class, len(c.Files))
			}
			names := map[string]bool{}
			for _, ff := range c.Files {
				n := ff.Name
				if n == "" || n != filepath.Base(n) || strings.Contains(n, "/") || n == "." || n == ".." ||
					strings.HasPrefix(n, ".") || n == "fields.json" || !utf8.ValidString(n) {
					t.Fatalf("attachment name %q accepted", n)
				}
				if filepath.Base(ff.Path) != n || !filepath.IsAbs(ff.Path) {
					t.Fatalf("attachment %q has path %q", n, ff.Path)
				}
				if rel, err := filepath.Rel(formDir, ff.Path); err != nil || !filepath.IsLocal(rel) {
					t.Fatalf("attachment %q outside the form's folder accepted", ff.Path)
				}
				if text.Line(n) != nil || len(n) > MaxNameBytes || strings.EqualFold(n, "fields.json") {
					t.Fatalf("attachment name %q accepted", n)
				}
				if names[foldName(n)] {
					t.Fatalf("two attachments named %q", n)
				}
				names[foldName(n)] = true
			}
		}
		if !slices.IsSortedFunc(form.Classes, func(a, b FormClass) int { return strings.Compare(a.Class, b.Class) }) {
			t.Fatalf("classes not in name order")
		}
	})
}

// An attachment swapped for a link out of the form's folder after the
// folder check, while an earlier form of the same seal is being read, is
// refused when it is opened: nothing outside the folder is sealed.
func TestAttachmentSwappedForLinkDuringSeal(t *testing.T) {
	f := newFixture(t, 1)
	secret := filepath.Join(f.mkdir("outside"), "secret.txt")
	if err := os.WriteFile(secret, []byte("SECRET-OUTSIDE-THE-FORM"), 0o600); err != nil {
		t.Fatal(err)
	}
	first := f.customForm(publicTOML+"[testimony]\nfiles = [\"a.bin\"]\n", map[string][]byte{"a.bin": pseudoRandom(256<<10, 1)})
	second := f.customForm(publicTOML+"[testimony]\nfiles = [\"b.txt\"]\n", map[string][]byte{"b.txt": []byte("inside")})
	target := second.Classes[0].Files[0].Path
	// The swap must land after the second form was checked and before its
	// attachment is opened: prepare the records one by one.
	workers := sealWorkers
	sealWorkers = func() int { return 1 }
	defer func() { sealWorkers = workers }()
	swapped, linked := false, true
	opts := f.options()
	opts.Progress = func(done, total int64) {
		if done > 0 && !swapped {
			swapped = true
			if err := os.Remove(target); err != nil {
				t.Error(err)
			}
			linked = testkit.Symlink(t, secret, target)
		}
	}
	v, err := Open(f.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	m := as(v, f.team.Get("olena").Identity)
	res, err := m.Seal(ctx, []*Form{first, second})
	if !linked {
		t.Skip("no symbolic links here")
	}
	var ie *InputError
	if !swapped || !errors.As(err, &ie) || !strings.Contains(err.Error(), "outside the form's folder") {
		t.Fatalf("Seal with the second attachment swapped for a link out: %v, %v; want an input error", res, err)
	}
	// Only what committed before the failure exists (the first form's
	// batch is discarded with it), and the outside file is in none.
	if n := listCount(t, m); n != len(res) {
		t.Errorf("%d records listed, %d returned", n, len(res))
	}
}

// Attachment names that no file can have on Windows are refused at seal:
// a member on Windows could not open the record.
func TestAttachmentNamesArePortable(t *testing.T) {
	for _, name := range []string{"a:b.txt", "what?.txt", "q\"uote.txt", "pipe|.txt", "star*.txt", "lt<.txt",
		"trailing.", "trailing ", "CON", "con.txt", "Nul.tar.gz", "COM1.log", "lpt9", "COM¹.txt", "aux .txt"} {
		if err := checkAttachmentName(name); err == nil {
			t.Errorf("attachment name %q accepted", name)
		}
	}
	for _, name := range []string{"interview.opus", "CONSENT.pdf", "com10.txt", "console.log", "nullable.txt", "Свідчення.txt", "a b.txt", "lpt.txt"} {
		if err := checkAttachmentName(name); err != nil {
			t.Errorf("attachment name %q refused: %v", name, err)
		}
	}
}
