// Package text decides which text from forms, policies and flags tvault
// accepts, and how text of unknown origin is printed on a terminal.
//
// Text that reaches the vault (public fields, attachment names, member
// names, purposes, reasons) is data, never control: Line and Paragraph
// refuse control characters (Unicode category Cc, such as ESC, BEL and
// newline; Paragraph allows newline and tab), format characters (Cf: the
// bidirectional overrides U+202A–U+202E and isolates U+2066–U+2069, marks
// such as U+200E, U+200F and U+061C, zero-width spaces, U+FEFF), the line
// and paragraph separators U+2028 and U+2029, and invalid UTF-8. Two format
// characters are allowed because living scripts need them: U+200C ZERO
// WIDTH NON-JOINER (Persian, Kurdish, the Indic scripts) and U+200D ZERO
// WIDTH JOINER (the Indic scripts, emoji sequences).
//
// Escape makes any string safe to print on a terminal: what Line would
// refuse is written as a Go escape (\x1b, \u202e), so text read from a
// vault written by an older tvault, or forged, paints nothing.
//
// It imports only the standard library, so every layer may use it.
package text
