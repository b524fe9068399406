package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
)

// maxText is the longest text a public field (or one item of a list) may
// hold, in bytes: public metadata is for listing and searching, not prose.
const maxText = 1024

// maxListItems is the most items a public list may hold.
const maxListItems = 256

// ValidatePublic checks a form's [public] table, as go-toml/v2 decodes it into
// a map[string]any, against the policy's schema. It returns the normalised
// values — a string for every type but list, a []string for a list, dates as
// "YYYY-MM-DD" — or Problems naming each bad field. Problems carry no line
// (the map has none); their Name is `public field "<name>"`.
//
// Public metadata is stored unencrypted, so anything not in the schema is
// refused, and a month field refuses a day: a day is precise enough to
// re-identify an interviewee. When the policy lists purposes, the built-in
// field "consent" holds the purposes the interviewee agreed to, as a list.
func (p *Policy) ValidatePublic(pub map[string]any) (map[string]any, error) {
	var probs Problems
	bad := func(name, format string, args ...any) {
		probs = append(probs, Problem{Name: "public field " + quote(name), Msg: fmt.Sprintf(format, args...)})
	}
	out := make(map[string]any, len(pub))
	for _, name := range sortedKeys(pub) {
		v := pub[name]
		f, ok := p.Public[name]
		if !ok && name == consentField && len(p.Purposes) > 0 {
			f, ok = Field{Name: consentField, Type: TypeList, Values: p.Purposes}, true
		}
		if !ok {
			bad(name, "not in the policy's public schema, so it may not be stored unencrypted%s%s",
				suggest(name, p.publicNames()), p.allowedPublic())
			continue
		}
		s, err := f.normalise(v)
		if err != nil {
			bad(name, "%v", err)
			continue
		}
		if f.Required && empty(s) {
			bad(name, "is required and must not be empty")
			continue
		}
		out[name] = s
	}
	for _, name := range sortedKeys(p.Public) {
		if _, ok := pub[name]; !ok && p.Public[name].Required {
			bad(name, "missing: the policy requires it")
		}
	}
	if len(probs) > 0 {
		probs.sort()
		return nil, probs
	}
	return out, nil
}

func (p *Policy) publicNames() []string {
	names := sortedKeys(p.Public)
	if len(p.Purposes) > 0 && p.Public[consentField].Name == "" {
		names = append(names, consentField)
	}
	return names
}

func (p *Policy) allowedPublic() string {
	names := p.publicNames()
	if len(names) == 0 {
		return "; the policy allows no public fields"
	}
	return "; allowed: " + strings.Join(names, ", ")
}

// normalise checks one value against the field and returns it normalised.
// For a list, Values (set only for the built-in consent) restricts the items.
func (f Field) normalise(v any) (any, error) {
	switch f.Type {
	case TypeEnum:
		s, err := text(v, "one of the values "+quoteList(f.Values, " or "))
		if err != nil {
			return nil, err
		}
		for _, allowed := range f.Values {
			if s == allowed {
				return s, nil
			}
		}
		return nil, fmt.Errorf("%s is not one of the values %s", quote(s), quoteList(f.Values, " or "))
	case TypeText:
		return text(v, "text")
	case TypeMonth:
		const refuse = "a day is precise enough to re-identify an interviewee: give the month only, as YYYY-MM"
		switch d := v.(type) {
		case toml.LocalDate, toml.LocalDateTime, time.Time:
			return nil, fmt.Errorf("%s", refuse)
		case string:
			if isDate(d) || len(d) > len("2006-01-02") && isDate(d[:len("2006-01-02")]) {
				return nil, fmt.Errorf("%s", refuse)
			}
			if !isMonth(d) {
				return nil, fmt.Errorf("must be a month as YYYY-MM, not %s", quote(d))
			}
			return d, nil
		}
		return nil, fmt.Errorf("must be a month as a string \"YYYY-MM\", not %s", typeName(v))
	case TypeDate:
		switch d := v.(type) {
		case toml.LocalDate:
			if s := d.String(); isDate(s) {
				return s, nil
			}
		case string:
			if isDate(d) {
				return d, nil
			}
			return nil, fmt.Errorf("must be a date as YYYY-MM-DD, not %s", quote(d))
		case toml.LocalDateTime, time.Time:
			return nil, fmt.Errorf("must be a date as YYYY-MM-DD, without a time")
		}
		return nil, fmt.Errorf("must be a date as YYYY-MM-DD, not %s", typeName(v))
	case TypeList:
		var list []any
		switch l := v.(type) {
		case []any:
			list = l
		case []string:
			for _, s := range l {
				list = append(list, s)
			}
		default:
			return nil, fmt.Errorf("must be a list of strings, not %s", typeName(v))
		}
		if len(list) > maxListItems {
			return nil, fmt.Errorf("has %d items, more than the %d allowed", len(list), maxListItems)
		}
		out := make([]string, 0, len(list))
		for i, e := range list {
			s, err := text(e, "text")
			if err != nil {
				return nil, fmt.Errorf("item %d: %v", i+1, err)
			}
			if f.Values != nil && !slices.Contains(f.Values, s) {
				return nil, fmt.Errorf("item %d: %s is not one of %s", i+1, quote(s), quoteList(f.Values, " or "))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("has unknown type %s", quote(string(f.Type)))
}

// text checks that v is valid UTF-8 text of at most maxText bytes; want
// describes the expected value for the message when v is not a string.
func text(v any, want string) (string, error) {
	s, ok := v.(string)
	switch {
	case !ok:
		return "", fmt.Errorf("must be %s, not %s", want, typeName(v))
	case !utf8.ValidString(s):
		return "", fmt.Errorf("is not valid UTF-8")
	case len(s) > maxText:
		return "", fmt.Errorf("is %d bytes long, more than the %d allowed", len(s), maxText)
	}
	return s, nil
}

func isMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == len("2006-01")
}

func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil && len(s) == len("2006-01-02")
}

func empty(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	}
	return false
}
