package policy

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// lineIndex maps the path of every table, key and array element of a TOML
// document to the line where it first appears, so that a problem found in the
// decoded values can point at the text that caused it.
//
// A path is the list of keys from the root, with array elements (including
// each [[array table]] entry) named by their 0-based index: the recipient of
// the third [[members]] entry is members/2/recipient.
type lineIndex struct {
	newlines []int          // offsets of every '\n' in the document
	lines    map[string]int // joined path → 1-based line
}

// newLineIndex walks data with go-toml's unstable parser. It must be called
// on a document that go-toml already decoded without error; if the parser
// stops early anyway, the paths it did not reach are simply unknown (line 0).
func newLineIndex(data []byte) *lineIndex {
	ix := &lineIndex{lines: make(map[string]int)}
	for i, c := range data {
		if c == '\n' {
			ix.newlines = append(ix.newlines, i)
		}
	}

	var p unstable.Parser
	p.Reset(data)
	var current []string           // path of the table the next key-values belong to
	arrays := make(map[string]int) // joined path of each array table → entries seen
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			line := 0
			var path []string
			it := e.Key()
			for it.Next() {
				k := it.Node()
				if line == 0 {
					line = ix.lineAt(k.Raw.Offset)
				}
				path = append(path, string(k.Data))
				n, isArray := arrays[joinPath(path)]
				switch {
				case it.IsLast() && e.Kind == unstable.ArrayTable:
					arrays[joinPath(path)] = n + 1
					path = append(path, strconv.Itoa(n))
				case isArray:
					// A header below an array table refers to its latest entry.
					path = append(path, strconv.Itoa(n-1))
				}
				ix.record(path, line)
			}
			current = path
		case unstable.KeyValue:
			ix.keyValue(current, e)
		}
	}
	return ix
}

// keyValue records a key-value's dotted key under base, then its value.
func (ix *lineIndex) keyValue(base []string, kv *unstable.Node) {
	path := append([]string(nil), base...)
	line := 0
	it := kv.Key()
	for it.Next() {
		k := it.Node()
		line = ix.lineAt(k.Raw.Offset)
		path = append(path, string(k.Data))
		ix.record(path, line)
	}
	ix.value(path, kv.Value(), line)
}

// value records the elements of arrays and the keys of inline tables found
// in v, whose own path is already recorded at line.
func (ix *lineIndex) value(path []string, v *unstable.Node, line int) {
	switch v.Kind {
	case unstable.Array:
		i := 0
		it := v.Children()
		for it.Next() {
			el := it.Node()
			if el.Kind == unstable.Comment {
				continue
			}
			elPath := append(path[:len(path):len(path)], strconv.Itoa(i))
			elLine := ix.nodeLine(el)
			if elLine == 0 {
				elLine = line
			}
			ix.record(elPath, elLine)
			ix.value(elPath, el, elLine)
			i++
		}
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				ix.keyValue(path, kv)
			}
		}
	}
}

// nodeLine is the line where a value starts, or 0 if the parser kept no
// position for it (arrays carry none: their first element's is used).
func (ix *lineIndex) nodeLine(n *unstable.Node) int {
	if n.Kind == unstable.Array {
		it := n.Children()
		for it.Next() {
			if l := ix.nodeLine(it.Node()); l != 0 {
				return l
			}
		}
		return 0
	}
	if n.Raw.Length == 0 && n.Kind != unstable.InlineTable {
		return 0
	}
	return ix.lineAt(n.Raw.Offset)
}

func (ix *lineIndex) lineAt(offset uint32) int {
	return sort.SearchInts(ix.newlines, int(offset)) + 1
}

// record keeps the first line seen for path and each of its prefixes: a
// table created implicitly by a dotted key starts where that key is.
func (ix *lineIndex) record(path []string, line int) {
	for i := 1; i <= len(path); i++ {
		k := joinPath(path[:i])
		if _, ok := ix.lines[k]; !ok {
			ix.lines[k] = line
		}
	}
}

// line returns the line of path, or of its longest known prefix, or 0.
func (ix *lineIndex) line(path ...string) int {
	if ix == nil {
		return 0
	}
	for n := len(path); n > 0; n-- {
		if l, ok := ix.lines[joinPath(path[:n])]; ok {
			return l
		}
	}
	return 0
}

// joinPath joins keys with NUL, which no real key contains (a quoted key
// could, and would at worst be given a wrong line).
func joinPath(path []string) string {
	return strings.Join(path, "\x00")
}
