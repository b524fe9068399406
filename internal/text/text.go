package text

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line checks text meant to stay on one line: a name, a purpose, a reason,
// a public field. The error says what was found and where, without
// repeating the text: "contains U+001B (a control character) at byte 4".
func Line(s string) error { return check(s, false) }

// Paragraph is Line, but allows newline and tab.
func Paragraph(s string) error { return check(s, true) }

func check(s string, paragraph bool) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return fmt.Errorf("is not valid UTF-8 (at byte %d)", i)
			}
		}
		if paragraph && (r == '\n' || r == '\t') {
			continue
		}
		if kind := refused(r); kind != "" {
			return fmt.Errorf("contains %U (%s) at byte %d", r, kind, i)
		}
	}
	return nil
}

// refused names the kind of r if Line refuses it, or returns "".
func refused(r rune) string {
	switch {
	case r == '\u200c' || r == '\u200d':
		return ""
	case unicode.Is(unicode.Cc, r):
		return "a control character"
	case isBidi(r):
		return "a bidirectional control character"
	case unicode.Is(unicode.Cf, r):
		return "an invisible format character"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case unicode.Is(unicode.Cs, r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError:
		return "a private-use or invalid character"
	}
	return ""
}

func isBidi(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || 0x202A <= r && r <= 0x202E || 0x2066 <= r && r <= 0x2069
}

// Escape returns s with every character Line refuses, and every byte that
// is not valid UTF-8, written as a Go escape sequence (\x1b, \u202e,
// \xff). A string Line accepts is returned unchanged; a backslash is
// never escaped, so Escape is for display, not a reversible encoding.
func Escape(s string) string {
	if Line(s) == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case refused(r) != "":
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
