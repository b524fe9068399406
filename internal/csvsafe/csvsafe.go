package csvsafe

import (
	"bufio"
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

// Writer writes CSV rows ("," separator, "\n" line ends, RFC 4180
// quoting) whose every cell has passed through Cell. A cell is quoted when
// it holds a quote, a comma, a line break or a tab, begins with a space —
// and also when it holds a semicolon: Excel in the many locales whose list
// separator is ";" (uk-UA, ru-RU, de-DE, fr-FR…) splits an unquoted cell
// there, and what follows the ";" would be read as a cell of its own, a
// formula included. encoding/csv cannot be told to quote more, hence this
// writer.
type Writer struct {
	w   *bufio.Writer
	err error
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriter(w)}
}

// Write writes one row, each cell escaped by Cell. It buffers: call Flush
// at the end.
func (w *Writer) Write(row []string) error {
	if w.err != nil {
		return w.err
	}
	for i, c := range row {
		if i > 0 {
			w.w.WriteByte(',')
		}
		c = Cell(c)
		if !mustQuote(c) {
			w.w.WriteString(c)
			continue
		}
		w.w.WriteByte('"')
		w.w.WriteString(strings.ReplaceAll(c, `"`, `""`))
		w.w.WriteByte('"')
	}
	_, w.err = w.w.WriteString("\n")
	return w.err
}

func mustQuote(c string) bool {
	return strings.ContainsAny(c, "\",;\r\n\t") || strings.HasPrefix(c, " ")
}

// Flush writes any buffered data and returns the first error that a Write
// or this Flush met.
func (w *Writer) Flush() error {
	if err := w.w.Flush(); w.err == nil {
		w.err = err
	}
	return w.err
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
