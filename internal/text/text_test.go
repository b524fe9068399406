package text

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	ok := []string{"", "iryna", "Ірина Коваль", "نسرین", "می‌خواهم", "क्‍ष", "👩‍⚖️", "a b", "tab-free"}
	for _, s := range ok {
		if err := Line(s); err != nil {
			t.Errorf("Line(%q) = %v, want nil", s, err)
		}
	}
	bad := map[string]string{
		"a\x1b[31mred":  "U+001B (a control character) at byte 1",
		"bell\a":        "U+0007",
		"two\nlines":    "U+000A",
		"tab\there":     "U+0009",
		"del\x7f":       "U+007F",
		"c1\u0085":      "U+0085",
		"evil\u202egpj": "U+202E (a bidirectional control character)",
		"iso\u2066x":    "U+2066",
		"mark\u200f":    "U+200F",
		"alm\u061c":     "U+061C",
		"zw\u200bsp":    "U+200B (an invisible format character)",
		"\ufeffbom":     "U+FEFF",
		"sep\u2028":     "U+2028 (a line or paragraph separator)",
		"pua\ue000":     "U+E000",
		"bad\xffutf8":   "not valid UTF-8 (at byte 3)",
	}
	for s, want := range bad {
		err := Line(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Line(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

func TestParagraph(t *testing.T) {
	if err := Paragraph("line one\n\tline two"); err != nil {
		t.Errorf("Paragraph refused newline and tab: %v", err)
	}
	for _, s := range []string{"a\rb", "a\x1bb", "a\u202eb"} {
		if Paragraph(s) == nil {
			t.Errorf("Paragraph(%q) accepted", s)
		}
	}
}

func TestEscape(t *testing.T) {
	cases := map[string]string{
		"plain Ірина":        "plain Ірина",
		"a\x1b[2Jb":          `a\x1b[2Jb`,
		"x\u202ey":           `x\u202ey`,
		"nl\n":               `nl\n`,
		"bad\xff":            `bad\xff`,
		"zwnj\u200cstays":    "zwnj\u200cstays",
		`back\slash \x1b ok`: `back\slash \x1b ok`,
	}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if err := Line(Escape(in)); err != nil {
			t.Errorf("Escape(%q) is still refused: %v", in, err)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a\x1b", "\u202e", "\xff\xfe", "Ірина"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if err := Line(e); err != nil {
			t.Fatalf("Escape(%q) = %q, which Line refuses: %v", s, e, err)
		}
		if Line(s) == nil && e != s {
			t.Fatalf("Escape changed accepted text %q to %q", s, e)
		}
	})
}
