package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestPurposeIsOneLine: a purpose goes into the audit log, so one holding a
// newline (which would forge a second line, "sealed by iryna"), a terminal
// escape or a bidi override is bad input (*InputError, exit 2), refused
// before any entry or plaintext is written — never an invalid audit entry
// (exit 1), and never logged. So is one too long for an entry's detail.
func TestPurposeIsOneLine(t *testing.T) {
	f := newFixture(t, 1)
	form := f.exampleForm("c11")
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })
	bad := []string{
		"trend\nsealed by iryna",
		"a\x1b[31mred",
		"x\u202egpj",
		strings.Repeat("x", maxPurpose+1),
	}
	f.as("mykola", func(v *member) {
		for _, p := range bad {
			out := f.mkdir("out")
			_, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out, Purpose: p})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Errorf("OpenRecord with purpose %.20q: err = %v, want an *InputError", p, err)
			}
			if files := treeFiles(t, out); len(files) != 0 {
				t.Errorf("OpenRecord with purpose %.20q wrote %v", p, files)
			}
			var buf bytes.Buffer
			err = v.Cat(ctx, id, "testimony", "transcript-redacted.txt", &buf, CatOptions{Purpose: p})
			if !errors.As(err, &ie) || buf.Len() != 0 {
				t.Errorf("Cat with purpose %.20q: err = %v, %d bytes written, want an *InputError and none", p, err, buf.Len())
			}
		}
	})
	f.as("taras", func(v *member) {
		var log bytes.Buffer
		if _, err := v.ExportAudit(ctx, &log, ExportOptions{}); err != nil {
			t.Fatalf("ExportAudit: %v", err)
		}
		for _, s := range []string{"sealed by iryna", "red", "gpj", "xxxxxxxx"} {
			if strings.Contains(log.String(), s) {
				t.Errorf("the audit log holds %q from a refused purpose", s)
			}
		}
	})
}
