package policy

import (
	"bytes"
	"strings"
	"unicode"

	itext "github.com/tvault/tvault/internal/text"
)

// plainText reports whether s, the value at path, is text as the policy
// allows it, reporting it if not: one line (paragraph: newlines and tabs
// allowed too) with no control, bidi or invisible format character
// (text.Line, text.Paragraph; a paragraph may also end its lines in
// "\r\n"). what names the value in the message, e.g.
// `purpose "research"` or "description". Under ParseStored only the older
// rule holds: no control character in a one-line value.
func (c *checker) plainText(path []string, subj, what, s string, paragraph bool) bool {
	var err error
	switch {
	case c.strictText && paragraph:
		// A multi-line string in a file with Windows line ends keeps them.
		err = itext.Paragraph(strings.ReplaceAll(s, "\r\n", "\n"))
	case c.strictText:
		err = itext.Line(s)
	case !paragraph && strings.IndexFunc(s, unicode.IsControl) >= 0:
		c.add(path, subj, "%s must not contain control characters", what)
		return false
	}
	if err == nil {
		return true
	}
	c.add(path, subj, "%s %v; text in a policy is data: write it without control, bidi or invisible format characters", what, err)
	c.markText(c.lines.line(path...))
	return false
}

// optionalText returns t[key] if it is a string that plainText accepts,
// else "" (reporting why); an absent key is "".
func (c *checker) optionalText(t map[string]any, path []string, subj, key string, paragraph bool) string {
	v, ok := t[key]
	if !ok {
		return ""
	}
	kpath := at(path, key)
	if s, ok := c.str(v, kpath, subj, key); ok && c.plainText(kpath, subj, key, s, paragraph) {
		return s
	}
	return ""
}

func (c *checker) markText(line int) {
	if c.textLines == nil {
		c.textLines = make(map[int]bool)
	}
	c.textLines[line] = true
}

// rawText checks every line of the file as written, comments included
// (`tvault policy show` prints them), except lines where a value's check
// already found a problem: a value's problem names its field, which says
// more. A line may end in "\r\n" and hold tabs; anything else that
// text.Paragraph refuses is reported with its line and byte.
func (c *checker) rawText(data []byte) {
	for i, line := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		if c.textLines[n] {
			continue
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if err := itext.Paragraph(string(line)); err != nil {
			c.problems = append(c.problems, Problem{Line: n, Msg: "this line " + err.Error() +
				"; a policy is plain text, comments included: remove the character"})
		}
	}
}
