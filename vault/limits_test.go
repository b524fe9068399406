package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/vault/internal/record"
)

// nested returns a TOML value nesting d lists around 1.
func nested(d int) string { return strings.Repeat("[", d) + "1" + strings.Repeat("]", d) }

// dotted returns a TOML key/value line whose field nests d tables.
func dotted(d int) string { return strings.Repeat("t.", d) + "t = 1" }

// filesList returns a TOML list of n attachment names.
func filesList(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%q", fmt.Sprintf("a%d.txt", i))
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// wantRefused fails unless err is an *InputError naming the form and
// saying msg.
func wantRefused(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), "l.toml: ") || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: err = %v, want an input error naming l.toml and saying %q", what, err, msg)
	}
}

// TestParseFormLimits: each limit of a form, exactly at it (accepted) and
// one past it (refused, naming the limit).
func TestParseFormLimits(t *testing.T) {
	cases := []struct {
		name      string
		at, past  string
		msg       string
		wantLimit int
	}{
		{"list depth", "x = " + nested(MaxFieldDepth), "x = " + nested(MaxFieldDepth+1), "x nests lists and tables more than 32 deep (MaxFieldDepth)", 32},
		{"table depth", dotted(MaxFieldDepth), dotted(MaxFieldDepth + 1), "nests lists and tables more than 32 deep (MaxFieldDepth)", 32},
		{"attachments", "files = " + filesList(MaxAttachments), "files = " + filesList(MaxAttachments+1), "has 1001 attachments, more than the limit of 1000 (MaxAttachments)", 1000},
		{"attachment name", `files = ["` + strings.Repeat("й", MaxNameBytes/2) + `a"]`, `files = ["` + strings.Repeat("й", MaxNameBytes/2+1) + `"]`, "256 bytes long, more than the limit of 255 (MaxNameBytes)", 255},
		{"field name", strings.Repeat("k", MaxNameBytes) + " = 1", strings.Repeat("k", MaxNameBytes+1) + " = 1", "more than the limit of 255 (MaxNameBytes)", 255},
		{"nested field name", "[testimony.t]\n" + strings.Repeat("k", MaxNameBytes) + " = 1", "[testimony.t]\n" + strings.Repeat("k", MaxNameBytes+1) + " = 1", "more than the limit of 255 (MaxNameBytes)", 255},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParseForm("l.toml", []byte("[testimony]\n"+c.at+"\n"), formDir); err != nil {
				t.Errorf("at the limit of %d: %v", c.wantLimit, err)
			}
			_, err := ParseForm("l.toml", []byte("[testimony]\n"+c.past+"\n"), formDir)
			wantRefused(t, "one past the limit", err, c.msg)
		})
	}
}

// TestParseFormRefusesIssue11: the forms of issue 11 that sealed and then
// could not be opened.
func TestParseFormRefusesIssue11(t *testing.T) {
	_, err := ParseForm("l.toml", []byte("[testimony]\nx = "+nested(9999)+"\n"), formDir)
	wantRefused(t, "a field nesting 9,999 levels", err, "(MaxFieldDepth)")
	_, err = ParseForm("l.toml", []byte("[testimony]\nfiles = "+filesList(22000)+"\n"), formDir)
	wantRefused(t, "22,000 attachments", err, "(MaxAttachments)")
	// 700,000 '<' is a 700 KB form and, as JSON writes it (\u003c), a
	// 4.2 MB manifest.
	_, err = ParseForm("l.toml", []byte("[testimony]\nx = \""+strings.Repeat("<", 700_000)+"\"\n"), formDir)
	wantRefused(t, "a form that escapes past 4 MiB", err, "[testimony] is 4200088 bytes when stored, more than the limit of 4194304 (MaxManifestJSON)")
	_, err = ParseForm("l.toml", []byte("[testimony]\nx = \"\"\"\n"+strings.Repeat("&>", 350_000)+"\"\"\"\n"), formDir)
	wantRefused(t, "& and >, each six bytes in JSON", err, "(MaxManifestJSON)")
}

// atManifestLimit returns a form of one class [testimony] whose stored
// manifest, as manifestBound measures it, is exactly MaxManifestJSON+extra
// bytes: a field of '<' (six bytes each in JSON) topped up with 'a'.
// Other fields and the attachment list come before it.
func atManifestLimit(t *testing.T, head string, extra int) []byte {
	t.Helper()
	form := func(fill string) []byte { return []byte(head + "\nfill = \"" + fill + "\"\n") }
	f, err := ParseForm("l.toml", form(""), formDir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := manifestBound(f.Classes[len(f.Classes)-1])
	if err != nil {
		t.Fatal(err)
	}
	gap := MaxManifestJSON + extra - n
	return form(strings.Repeat("<", gap/6) + strings.Repeat("a", gap%6))
}

func TestParseFormManifestLimit(t *testing.T) {
	for _, head := range []string{"[testimony]", "[testimony]\nfiles = " + filesList(MaxAttachments)} {
		if _, err := ParseForm("l.toml", atManifestLimit(t, head, 0), formDir); err != nil {
			t.Errorf("a manifest of exactly %d bytes: %v", MaxManifestJSON, err)
		}
		_, err := ParseForm("l.toml", atManifestLimit(t, head, 1), formDir)
		wantRefused(t, "one byte more", err, fmt.Sprintf("is %d bytes when stored, more than the limit of %d (MaxManifestJSON)", MaxManifestJSON+1, MaxManifestJSON))
	}
}

// TestManifestDecodesAtLimits: record's reader accepts a manifest exactly
// at MaxManifestJSON, padded with spaces, and refuses one byte more; a
// field nested MaxFieldDepth deep and an integer past 2^53 read back
// exactly.
func TestManifestDecodesAtLimits(t *testing.T) {
	id := strings.Repeat("a", recordIDLen)
	part := record.Part{Class: "testimony"}
	deep := any(json.Number("9007199254740993"))
	for range MaxFieldDepth {
		deep = []any{deep}
	}
	m := record.Manifest{Record: id, Class: "testimony", Fields: map[string]any{"deep": deep, "fill": ""}, Attachments: []record.Attachment{}}
	base := len(mustJSON(m))
	for _, extra := range []int{0, 1} {
		m.Fields["fill"] = strings.Repeat("a", MaxManifestJSON-base+extra)
		b := append(mustJSON(m), bytes.Repeat([]byte(" "), 4096)...)
		got, err := record.DecodeManifest(b, id, part)
		if extra == 1 {
			if err == nil {
				t.Errorf("a manifest of %d bytes decoded", MaxManifestJSON+1)
			}
			continue
		}
		if err != nil {
			t.Fatalf("a manifest of exactly %d bytes, padded: %v", MaxManifestJSON, err)
		}
		if string(mustJSON(got.Fields["deep"])) != string(mustJSON(deep)) {
			t.Errorf("deep field = %s, want %s", mustJSON(got.Fields["deep"]), mustJSON(deep))
		}
	}
}

// TestSealLargestRecord: a record at the limits seals, and opens and cats
// back whole. testimony: a manifest of exactly MaxManifestJSON bytes with
// a field nested MaxFieldDepth deep, a field name of MaxNameBytes and an
// integer past 2^53; identity: MaxAttachments attachments with names of
// MaxNameBytes. (Both classes cannot reach MaxManifestJSON within
// MaxFormSize.)
func TestSealLargestRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and opens a thousand attachments")
	}
	f := newFixture(t, 1)
	dir := f.mkdir("largest")
	var names []string
	for i := range MaxAttachments {
		n := fmt.Sprintf("%04d-", i) + strings.Repeat("я", (MaxNameBytes-9)/2) + ".txt"
		if len(n) != MaxNameBytes {
			t.Fatalf("name of %d bytes", len(n))
		}
		names = append(names, n)
		if err := os.WriteFile(filepath.Join(dir, n), []byte(fmt.Sprintf("attachment %d\n", i)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := json.Marshal(names)
	testimony := fmt.Sprintf("[testimony]\ndeep = %s\nbig = 9007199254740993\n%s = \"long name\"", nested(MaxFieldDepth), strings.Repeat("k", MaxNameBytes))
	identity := "[identity]\nfiles = " + string(list)
	src := string(atManifestLimit(t, publicTOML+identity+"\n"+testimony, 0))
	p := filepath.Join(dir, "form.toml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	form := parseFormFile(t, p)
	var id string
	start := time.Now()
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })
	t.Logf("sealed in %v", time.Since(start))
	f.as("iryna", func(v *member) {
		out := f.mkdir("out")
		start := time.Now()
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out}); err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Logf("opened in %v", time.Since(start))
		fields, err := os.ReadFile(filepath.Join(out, "testimony", "fields.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(fields, []byte(`"big": 9007199254740993`)) {
			t.Errorf("fields.json lost the integer 9007199254740993")
		}
		for _, i := range []int{0, MaxAttachments - 1} {
			var buf bytes.Buffer
			if err := v.Cat(ctx, id, "identity", names[i], &buf, CatOptions{}); err != nil || buf.String() != fmt.Sprintf("attachment %d\n", i) {
				t.Errorf("cat %s: %q, %v", names[i], buf.String(), err)
			}
			if b, err := os.ReadFile(filepath.Join(out, "identity", names[i])); err != nil || string(b) != fmt.Sprintf("attachment %d\n", i) {
				t.Errorf("opened %s: %q, %v", names[i], b, err)
			}
		}
		// The stored manifests: testimony's exactly at the limit (its
		// bound is exact without attachments), identity's within its bound.
		_, access, err := v.accessAll(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer forget(access)
		for _, pa := range access {
			var buf bytes.Buffer
			if err := v.decryptBlob(ctx, pa.dek, pa.part.Manifest, &buf, 0); err != nil {
				t.Fatal(err)
			}
			n := len(bytes.TrimRight(buf.Bytes(), " "))
			switch {
			case pa.part.Class == "testimony" && n != MaxManifestJSON:
				t.Errorf("testimony's manifest is %d bytes, want exactly %d", n, MaxManifestJSON)
			case n > MaxManifestJSON:
				t.Errorf("%s's manifest is %d bytes, more than %d", pa.part.Class, n, MaxManifestJSON)
			}
			t.Logf("%s: manifest of %d bytes", pa.part.Class, n)
		}
	})
}
