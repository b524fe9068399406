package vault

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/tvault/tvault/internal/text"
)

// Text in a form is data, never control. Names — of public fields, class
// fields and attachments — and public values are shown by list, show and
// open on a terminal and in file names, so they must hold one line of
// visible text: text.Line refuses control, bidirectional and invisible
// format characters in them. The values of class fields are testimony:
// they are kept exactly as written (see checkClassValue).

// checkPublicText refuses a public field whose name, or any text in whose
// value, is not one line of visible text.
func checkPublicText(source string, pub map[string]any) error {
	for _, k := range sortedKeys(pub) {
		if err := text.Line(k); err != nil {
			return inputErrorf(source, "public field name %q %v", k, err)
		}
		if err := lineValues(pub[k]); err != nil {
			return inputErrorf(source, "public field %q %v", k, err)
		}
	}
	return nil
}

// lineValues checks every string in a public value (a string, or the
// items of a list) with text.Line.
func lineValues(v any) error {
	switch x := v.(type) {
	case string:
		return text.Line(x)
	case []any:
		for _, e := range x {
			if err := lineValues(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if err := text.Line(k); err != nil {
				return err
			}
			if err := lineValues(x[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// looksLikeFiles reports whether a class table's key would pass for
// "files" on screen without being it: another case (Files, FILES), or
// letters from another script (Cyrillic і, ѕ, е; Greek Ι, Ε), fullwidth or
// mathematical letters, with surrounding spaces or combining marks. Such
// a key would silently store the attachment list as a field.
func looksLikeFiles(key string) bool {
	if key == "files" {
		return false
	}
	// Twice: once reading a capital I as i (FILES), once as l (fiIes), as
	// a sans-serif font shows it.
	return skeleton(key, false) == "files" || skeleton(key, true) == "files"
}

// skeleton maps each letter of s to the ASCII letter it looks like, folds
// case and drops marks and joiners that change nothing visible. iAsL
// reads a capital I (and its look-alikes) and the digit 1 as l.
func skeleton(s string, iAsL bool) string {
	var b strings.Builder
	for _, r := range strings.TrimFunc(s, unicode.IsSpace) {
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200c' || r == '\u200d' {
			continue
		}
		r = latinLookalike(r)
		if iAsL && (r == 'I' || r == '1' || r == '|') {
			r = 'l'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// latinLookalike returns the ASCII letter r is drawn like, or r. The table
// covers the letters of "files" (what skeleton is for) in every script
// and style Unicode draws them alike, after Unicode's confusables list
// (UTS #39), plus the fullwidth and mathematical alphabets whole.
func latinLookalike(r rune) rune {
	switch {
	case r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A: // fullwidth A-Z a-z
		return r - 0xFF21 + 'A'
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical alphanumeric letters, 13 styles of A-Z a-z
		i := (r - 0x1D400) % 52
		if i < 26 {
			return 'A' + i
		}
		return 'a' + i - 26
	}
	if l, ok := lookalikes[r]; ok {
		return l
	}
	return r
}

var lookalikes = map[rune]rune{
	// f
	'ſ': 'f', 'ẝ': 'f', 'ϝ': 'f', 'Ϝ': 'F', 'ꞙ': 'f', 'ƒ': 'f', 'ꬵ': 'f', '𝈓': 'F', 'ᖴ': 'F', 'ߓ': 'F',
	// i
	'і': 'i', 'І': 'I', 'ι': 'i', 'Ι': 'I', 'ı': 'i', 'İ': 'I', 'ɩ': 'i', 'ꙇ': 'i', 'ӏ': 'l',
	'Ӏ': 'I', 'ⅰ': 'i', 'Ⅰ': 'I', 'ℹ': 'i', 'ǀ': 'l', 'ɪ': 'i', 'Ꭵ': 'i', 'ⵏ': 'I', 'ꓲ': 'I',
	// l
	'ⅼ': 'l', 'Ⅼ': 'L', 'ℓ': 'l', 'Ɩ': 'l', 'ǁ': 'l', 'ꓡ': 'L', 'Ꮮ': 'L', 'ᒪ': 'L', 'ʟ': 'L', 'ⳑ': 'L', 'ℒ': 'L',
	// e
	'е': 'e', 'Е': 'E', 'ҽ': 'e', 'Ε': 'E', 'ℯ': 'e', 'ⅇ': 'e', '℮': 'e', 'ꬲ': 'e',
	'ꓰ': 'E', 'Ꭼ': 'E', 'ⴹ': 'E', 'ℰ': 'E', 'ᴇ': 'E',
	// s
	'ѕ': 's', 'Ѕ': 'S', 'ꜱ': 's', 'ƽ': 's', 'ꮪ': 's', 'Ꮪ': 'S', 'Տ': 'S', 'ꓢ': 'S',
}

// notLatin points at the first character of k that is not a lower-case
// Latin letter, for a message: " (it has U+0456 at byte 1)".
func notLatin(k string) string {
	for i, r := range k {
		if r < 'a' || r > 'z' {
			return fmt.Sprintf(" (it has %U at byte %d)", r, i)
		}
	}
	return ""
}

// foldName is the form of an attachment name that two names share when a
// case-insensitive file system (macOS, Windows) would write them to the
// same file.
func foldName(name string) string { return strings.ToLower(strings.ToUpper(name)) }
