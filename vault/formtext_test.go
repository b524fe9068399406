package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileForms are forms someone else could hand a researcher: text that
// would act as control on a terminal, keys that pass for files, and
// attachments outside the form's folder. ParseForm must refuse each,
// naming the form, the class or field, and what is wrong.
var hostileForms = []struct {
	name, form, msg string
}{
	// Public field names and values are shown by list and show.
	{"public value with ESC", "[public]\nregion = \"Kharkiv\\u001b[2J\"\n[testimony]\ns = \"x\"\n", `public field "region" contains U+001B (a control character) at byte 7`},
	{"public value with BEL", "[public]\nregion = \"a\\u0007\"\n[testimony]\ns = \"x\"\n", `public field "region" contains U+0007`},
	{"public value with newline", "[public]\nregion = \"a\\nsealed by iryna\"\n[testimony]\ns = \"x\"\n", `public field "region" contains U+000A`},
	{"public value with RLO", "[public]\nregion = \"a\u202eb\"\n[testimony]\ns = \"x\"\n", `public field "region" contains U+202E (a bidirectional control character)`},
	{"public list item with isolate", "[public]\ntopics = [\"a\", \"b\u2066\"]\n[testimony]\ns = \"x\"\n", `public field "topics" contains U+2066`},
	{"public value with zero-width space", "[public]\nregion = \"a\u200bb\"\n[testimony]\ns = \"x\"\n", `public field "region" contains U+200B (an invisible format character)`},
	{"public name with ESC", "[public]\n\"re\\u001bgion\" = \"a\"\n[testimony]\ns = \"x\"\n", `public field name "re\x1bgion" contains U+001B`},
	// Class field names end up as keys in fields.json and in messages.
	{"field name with ESC", "[testimony]\n\"sum\\u001bmary\" = \"x\"\n", `[testimony] field name "sum\x1bmary" contains U+001B`},
	{"field name with newline", "[testimony]\n\"a\\nb\" = \"x\"\n", `[testimony] field name "a\nb" contains U+000A`},
	{"field name with RLO", "[testimony]\n\"a\u202eb\" = \"x\"\n", `field name "a\u202eb" contains U+202E`},
	{"nested field name with bidi", "[testimony.place]\n\"ob\u2067last\" = \"x\"\n", `[testimony] field name "place.ob\u2067last" contains U+2067`},
	{"field name too long", "[testimony]\n" + strings.Repeat("k", MaxNameBytes+1) + " = 1\n", "256 bytes long, more than the limit of 255 (MaxNameBytes)"},
	// Attachment names are stored, listed by open, and become file names.
	{"attachment name with newline", "[testimony]\nfiles = [\"a\\nb.txt\"]\n", `attachment name "a\nb.txt" contains U+000A (a control character) at byte 1: rename the file`},
	{"attachment name with ESC", "[testimony]\nfiles = [\"a\\u001b[31mb.txt\"]\n", `attachment name "a\x1b[31mb.txt" contains U+001B`},
	{"attachment name with RLO", "[testimony]\nfiles = [\"scan\u202egpj.exe\"]\n", `attachment name "scan\u202egpj.exe" contains U+202E`},
	{"attachment name with DEL", "[testimony]\nfiles = [\"a\\u007f.txt\"]\n", `contains U+007F`},
	{"attachment name too long", "[testimony]\nfiles = [\"" + strings.Repeat("n", MaxNameBytes-3) + ".txt\"]\n", "256 bytes long, more than the limit of 255 (MaxNameBytes)"},
	{"Fields.json", "[testimony]\nfiles = [\"Fields.JSON\"]\n", "not allowed"},
	{"names equal but for case", "[testimony]\nfiles = [\"Scan.jpg\", \"sub/scan.JPG\"]\n", "two attachments are named"},
	{"folder with ESC", "[testimony]\nfiles = [\"scans\\u001b[2J/a.txt\"]\n", `attachment path "scans\x1b[2J/a.txt" contains U+001B (a control character) at byte 5: rename the folder`},
	// Look-alikes of files would store the attachment list as a field.
	{"Files", "[testimony]\nFiles = [\"a.txt\"]\n", `"Files" looks like files but is not`},
	{"FILES", "[testimony]\nFILES = [\"a.txt\"]\n", "looks like files"},
	{"Cyrillic i", "[testimony]\n\"f\u0456les\" = [\"a.txt\"]\n", "looks like files"},
	{"Cyrillic e and s", "[testimony]\n\"fil\u0435\u0455\" = [\"a.txt\"]\n", "looks like files"},
	{"Greek capitals", "[testimony]\n\"F\u0399L\u0395S\" = [\"a.txt\"]\n", "looks like files"},
	{"fullwidth", "[testimony]\n\"\uff46\uff49\uff4c\uff45\uff53\" = [\"a.txt\"]\n", "looks like files"},
	{"mathematical bold", "[testimony]\n\"\U0001d41f\U0001d422\U0001d425\U0001d41e\U0001d42c\" = [\"a.txt\"]\n", "looks like files"},
	{"capital I for l", "[testimony]\n\"fiIes\" = [\"a.txt\"]\n", "looks like files"},
	{"digit 1 for l", "[testimony]\n\"fi1es\" = [\"a.txt\"]\n", "looks like files"},
	{"long s for f", "[testimony]\n\"\u017files\" = [\"a.txt\"]\n", "looks like files"},
	{"trailing space", "[testimony]\n\"files \" = [\"a.txt\"]\n", "looks like files"},
	{"no-break space", "[testimony]\n\"\u00a0files\" = [\"a.txt\"]\n", "looks like files"},
	{"combining mark", "[testimony]\n\"files\u0332\" = [\"a.txt\"]\n", "looks like files"},
	{"joiner inside", "[testimony]\n\"fi\u200dles\" = [\"a.txt\"]\n", "looks like files"},
	// Attachments stay inside the form's folder.
	{"absolute path", "[testimony]\nfiles = [\"" + absPath("/proc/self/environ") + "\"]\n", `attachment "` + absPath("/proc/self/environ") + `" is outside the form's folder: copy it into the folder, or seal with --allow-outside-attachments`},
	{"parent folder", "[testimony]\nfiles = [\"../keys/identity.age\"]\n", "outside the form's folder"},
	{"climbing out of a subfolder", "[testimony]\nfiles = [\"scans/../../x.jpg\"]\n", "outside the form's folder"},
	{"parent itself", "[testimony]\nfiles = [\"..\"]\n", "outside the form's folder"},
}

func TestParseFormRefusesHostileText(t *testing.T) {
	for _, c := range hostileForms {
		t.Run(c.name, func(t *testing.T) {
			form, err := ParseForm("case.toml", []byte(c.form), formDir)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseForm = %+v, %v; want an *InputError", form, err)
			}
			if !strings.HasPrefix(err.Error(), "case.toml: ") || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not name the form and say %q", err, c.msg)
			}
			if strings.ContainsAny(err.Error(), "\x1b\x07\n\u202e\u2066\u2067\u200b\x7f") {
				t.Errorf("error %q carries the character it refuses", err)
			}
		})
	}
}

// TestParseFormAcceptsText: what the text rules must not refuse. Class
// field values are testimony, kept exactly as written; names in other
// scripts, with the joiners those scripts need, are names; keys that only
// resemble files are fields.
func TestParseFormAcceptsText(t *testing.T) {
	form, err := ParseForm("ok.toml", []byte(`[public]
region = "Харківська область"

[testimony]
summary = "line one\r\nline two\twith a tab, a soft\u00adhyphen, \u200fRLM and \u202ean override: kept as said"
"мі\u200cсце" = "Persian-style joiner in a key"
flies = "not files"
file = "one file"
files_note = "about the files"
filesize = 3
"files" = ["scan.jpg", "سند.pdf", "Інтерв'ю.opus", "a b.txt"]
`), formDir)
	if err != nil {
		t.Fatal(err)
	}
	c := form.Classes[0]
	if got := c.Fields["summary"]; got != "line one\r\nline two\twith a tab, a soft\u00adhyphen, \u200fRLM and \u202ean override: kept as said" {
		t.Errorf("summary = %q, want it exactly as written", got)
	}
	for _, k := range []string{"flies", "file", "files_note", "filesize", "мі\u200cсце"} {
		if _, ok := c.Fields[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	if len(c.Files) != 4 {
		t.Errorf("files = %+v", c.Files)
	}
}

// TestParseFormAllowOutside: with AllowOutsideAttachments a form may name
// files anywhere, as before; the name rules still hold.
func TestParseFormAllowOutside(t *testing.T) {
	opts := FormOptions{Dir: formDir, AllowOutsideAttachments: true}
	for _, p := range []string{absPath("/data/a.opus"), "../b.opus", "x/../../c.opus"} {
		form, err := ParseFormWith("o.toml", []byte("[testimony]\nfiles = [\""+p+"\"]\n"), opts)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if !form.AllowOutside {
			t.Errorf("%s: the form does not carry AllowOutside", p)
		}
	}
	for _, p := range []string{absPath("/"), absPath("/data/a\\nb")} {
		if _, err := ParseFormWith("o.toml", []byte("[testimony]\nfiles = [\""+p+"\"]\n"), opts); err == nil {
			t.Errorf("%s accepted", p)
		}
	}
}

func TestLooksLikeFiles(t *testing.T) {
	for _, k := range []string{"files", "file", "flies", "filed", "profiles", "files2", "fіlеs_list", "fichiers", "файли", ""} {
		if looksLikeFiles(k) {
			t.Errorf("%q refused as a look-alike of files", k)
		}
	}
	for _, k := range []string{"Files", "FILES", "fILES", "ｆｉｌｅｓ", "FILEＳ", "f\u0456l\u0435\u0455", "fi\u04cfes", "\tfiles\n"} {
		if !looksLikeFiles(k) {
			t.Errorf("%q not refused as a look-alike of files", k)
		}
	}
}

// TestSealRefusesLinksOut: a link inside the form's folder that leads out
// of it counts as outside, as does a linked subfolder; a link that stays
// inside is an attachment like any other; AllowOutsideAttachments lets
// both through. Nothing is stored for a refused form.
func TestSealRefusesLinksOut(t *testing.T) {
	f := newFixture(t, 1)
	secret := filepath.Join(f.mkdir("elsewhere"), "identity.age")
	if err := os.WriteFile(secret, []byte("AGE-SECRET-KEY-CANARY"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := f.mkdir("form")
	if err := os.WriteFile(filepath.Join(dir, "real.txt"), []byte("inside"), 0o600); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"out.txt": secret, "outdir": filepath.Dir(secret), "in.txt": "real.txt"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("cannot make links here: %v", err)
		}
	}
	parse := func(file string, allow bool) *Form {
		src := publicTOML + "[testimony]\nfiles = [\"" + file + "\"]\n"
		form, err := ParseFormWith(filepath.Join(dir, "form.toml"), []byte(src), FormOptions{Dir: dir, AllowOutsideAttachments: allow})
		if err != nil {
			t.Fatal(err)
		}
		return form
	}
	f.as("olena", func(v *member) {
		for _, file := range []string{"out.txt", "outdir/identity.age"} {
			_, err := v.Seal(ctx, []*Form{parse(file, false)})
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "leads outside the form's folder") || !strings.Contains(err.Error(), "--allow-outside-attachments") {
				t.Errorf("%s: err = %v, want it refused as outside the folder", file, err)
			}
		}
		if n := listCount(t, v); n != 0 || len(blobIDs(t, v)) != 0 {
			t.Errorf("refused forms left %d records and blobs %v", n, blobIDs(t, v))
		}
		seal(t, v, parse("in.txt", false), parse("out.txt", true), parse("outdir/identity.age", true))
	})
}

// A form whose path holds a newline (a folder named so) cannot add a line
// of its own to an error message.
func TestInputErrorEscapesSource(t *testing.T) {
	err := inputErrorf("/forms/case\ntvault: sealed 3 records/form.toml", "the form is empty")
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q spans lines", err.Error())
	}
}
