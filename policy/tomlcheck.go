package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
)

// The TOML-walking helpers of the checker: typed lookups that record a
// problem with its path, and the wording of those problems (quoting,
// suggestions for a misspelt key).

// unknownKeys reports every key of t not in allowed: a typo such as
// "decrypts" must not be silently ignored.
func (c *checker) unknownKeys(t map[string]any, path []string, subj, hint string, allowed ...string) {
	for _, k := range sortedKeys(t) {
		if !slices.Contains(allowed, k) {
			c.add(at(path, k), subj, "unknown key %s%s; %s", quote(k), suggest(k, allowed), hint)
		}
	}
}

// table returns v as a table, reporting anything else.
func (c *checker) table(v any, path []string, subj string) (map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	t, ok := v.(map[string]any)
	if !ok {
		c.add(path, subj, "must be a table, not %s", typeName(v))
	}
	return t, ok
}

func (c *checker) str(v any, path []string, subj, key string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.add(path, subj, "%s must be a string, not %s", key, typeName(v))
	}
	return s, ok
}

// required returns t[key] as a string, reporting it missing or of the wrong
// type.
func (c *checker) required(t map[string]any, path []string, subj, key string) (string, bool) {
	v, ok := t[key]
	if !ok {
		c.add(path, subj, "missing %s", key)
		return "", false
	}
	return c.str(v, at(path, key), subj, key)
}

// item is one string of a list, with its path for locating problems.
type item struct {
	s    string
	path []string
}

// strList returns the strings of the list t[key] (nil if absent), reporting
// the list if it is not one and each element that is not a string.
func (c *checker) strList(t map[string]any, path []string, subj, key string) []item {
	items, _ := c.strListOK(t, path, subj, key)
	return items
}

// strListOK is strList that also says whether t[key] is a list at all.
func (c *checker) strListOK(t map[string]any, path []string, subj, key string) ([]item, bool) {
	v, ok := t[key]
	if !ok {
		return nil, true
	}
	lpath := at(path, key)
	list, ok := v.([]any)
	if !ok {
		c.add(lpath, subj, "%s must be a list of strings, not %s", key, typeName(v))
		return nil, false
	}
	items := make([]item, 0, len(list))
	for i, e := range list {
		epath := at(lpath, strconv.Itoa(i))
		s, ok := e.(string)
		if !ok {
			c.add(epath, subj, "%s must be a list of strings, but item %d is %s", key, i+1, typeName(e))
			continue
		}
		items = append(items, item{s, epath})
	}
	return items, true
}

// typeName names the TOML type of a decoded value, for messages.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64, int, int32:
		return "a whole number"
	case float64, float32:
		return "a number"
	case bool:
		return "a boolean"
	case toml.LocalDate:
		return "a date"
	case toml.LocalTime:
		return "a time of day"
	case toml.LocalDateTime, time.Time:
		return "a date and time"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a table"
	case nil:
		return "nothing"
	default:
		return "an unsupported value"
	}
}

// quote quotes a user-supplied string for a message, shortened to 64 bytes.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return strconv.Quote(s)
}

func quoteKey(k []string) string {
	return "key " + quote(strings.Join(k, "."))
}

// quoteList quotes each string and joins them, the last with conj.
func quoteList(list []string, conj string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + conj + q[len(q)-1]
}

// suggest returns `; did you mean "x"?` for the known name closest to s, if
// one is close enough to be a likely typo, else "".
func suggest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" || bestD >= len(s) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", quote(best))
}

// distance is the Levenshtein distance between a and b, counted in bytes
// and capped for long inputs, which are never typos of short names.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
