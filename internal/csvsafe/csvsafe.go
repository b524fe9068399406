package csvsafe

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"
)

// Cell returns s as it is written in a CSV cell: with one ' in front if s
// begins with a character a spreadsheet reads as the start of a formula,
// or with ' itself (see the package documentation for the exact list).
func Cell(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// Unescape undoes Cell: it removes one leading ', if there is one.
// Unescape(Cell(s)) == s for every s.
func Unescape(cell string) string {
	return strings.TrimPrefix(cell, "'")
}

func needsQuote(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\'',
		'\uFF1D', '\uFF0B', '\uFF0D', '\uFF20': // ＝ ＋ － ＠
		return true
	}
	return false
}

// List encodes the items of a list cell as a JSON array of strings, with
// no HTML escaping and no spaces: ["a;b","c"]. A nil list is "[]".
// Invalid UTF-8 becomes U+FFFD (tvault refuses it in what it stores).
func List(items []string) string {
	if items == nil {
		items = []string{}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(items); err != nil {
		// A []string always encodes (invalid UTF-8 becomes U+FFFD).
		panic("csvsafe: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Writer writes CSV rows whose every cell has passed through Cell. It is
// encoding/csv's Writer ("," separator, "\n" line ends) with that one rule
// added, so that every CSV tvault writes follows it.
type Writer struct {
	w   *csv.Writer
	row []string
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: csv.NewWriter(w)}
}

// Write writes one row, each cell escaped by Cell. Like csv.Writer it
// buffers: call Flush at the end.
func (w *Writer) Write(row []string) error {
	w.row = w.row[:0]
	for _, c := range row {
		w.row = append(w.row, Cell(c))
	}
	return w.w.Write(w.row)
}

// Flush writes any buffered data and returns the first error that a Write
// or this Flush met.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// ByteOrderMark is the UTF-8 encoding of U+FEFF, which tells Excel that a
// CSV file is UTF-8.
const ByteOrderMark = "\xef\xbb\xbf"

// BOM returns a writer that writes ByteOrderMark to w just before the
// first bytes written through it: if nothing is written, neither is the
// mark.
func BOM(w io.Writer) io.Writer {
	return &bomWriter{w: w}
}

type bomWriter struct {
	w       io.Writer
	written bool
}

func (b *bomWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !b.written {
		if _, err := io.WriteString(b.w, ByteOrderMark); err != nil {
			return 0, err
		}
		b.written = true
	}
	return b.w.Write(p)
}
