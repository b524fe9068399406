package vault

import (
	"errors"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"

	"github.com/tvault/tvault/vault/internal/record"
)

// MaxFormSize caps a form file. Testimony that is longer than this belongs
// in an attachment (a transcript), which streams.
const MaxFormSize = 1 << 20

// Form is a parsed form: the record a researcher asks to seal.
type Form struct {
	Source  string         // the form's path, for messages
	Public  map[string]any // as written; validated against the schema at seal time
	Classes []FormClass    // in class-name order
}

// FormClass is one class table of a form.
type FormClass struct {
	Class  string
	Fields map[string]any // JSON-ready values
	Files  []FormFile
}

// FormFile is one attachment named by a form.
type FormFile struct {
	Path string // resolved against the form's folder
	Name string // the base name stored in the manifest
}

var classNameRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ParseForm parses a form's bytes. dir is the folder that relative
// attachment paths are resolved against. It reads no files: checking the
// attachments and the policy is the caller's (Seal's) job.
func ParseForm(source string, data []byte, dir string) (*Form, error) {
	if len(data) > MaxFormSize {
		return nil, inputErrorf(source, "the form is larger than %d KiB: put long text in an attachment file", MaxFormSize>>10)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, inputErrorf(source, "the form is empty")
	}
	if !utf8.Valid(data) {
		return nil, inputErrorf(source, "the form is not UTF-8 text")
	}
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return nil, inputErrorf(source, "line %d: not valid TOML: %s", line, de.Error())
		}
		return nil, inputErrorf(source, "not valid TOML: %v", err)
	}
	f := &Form{Source: source}
	var names []string
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		tbl, ok := raw[k].(map[string]any)
		if !ok {
			return nil, inputErrorf(source, "%q must be a table such as [%s]; every value belongs under [public] or a class", k, k)
		}
		if k == "public" {
			f.Public = tbl
			continue
		}
		if !classNameRe.MatchString(k) {
			return nil, inputErrorf(source, "[%s] is not a class name", k)
		}
		fc, err := parseFormClass(source, k, tbl, dir)
		if err != nil {
			return nil, err
		}
		f.Classes = append(f.Classes, fc)
	}
	if f.Public == nil {
		f.Public = map[string]any{}
	}
	if len(f.Classes) == 0 {
		return nil, inputErrorf(source, "the form has no class table (such as [testimony]): there is nothing to seal")
	}
	return f, nil
}

func parseFormClass(source, class string, tbl map[string]any, dir string) (FormClass, error) {
	fc := FormClass{Class: class, Fields: map[string]any{}}
	seen := map[string]bool{}
	for k, val := range tbl {
		if k != "files" {
			j, err := jsonValue(val)
			if err != nil {
				return fc, inputErrorf(source, "[%s] %s: %v", class, k, err)
			}
			fc.Fields[k] = j
			continue
		}
		list, ok := val.([]any)
		if !ok {
			return fc, inputErrorf(source, "[%s] files must be a list of file names", class)
		}
		for _, e := range list {
			p, ok := e.(string)
			if !ok || p == "" {
				return fc, inputErrorf(source, "[%s] files must be a list of file names", class)
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			name := filepath.Base(p)
			// The same rule open applies when writing the file back: a
			// name it would refuse must not be sealed.
			if !record.SafeName(name) || !utf8.ValidString(name) {
				return fc, inputErrorf(source, "[%s] attachment name %q is not allowed: rename the file", class, name)
			}
			if seen[name] {
				return fc, inputErrorf(source, "[%s] two attachments are named %q: rename one", class, name)
			}
			seen[name] = true
			fc.Files = append(fc.Files, FormFile{Path: p, Name: name})
		}
	}
	return fc, nil
}

// jsonValue turns a decoded TOML value into one encoding/json writes and
// reads back unchanged.
func jsonValue(v any) (any, error) {
	switch x := v.(type) {
	case string, bool, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("nan and inf are not allowed")
		}
		return x, nil
	case toml.LocalDate:
		return x.String(), nil
	case toml.LocalDateTime:
		return x.String(), nil
	case toml.LocalTime:
		return x.String(), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	default:
		return nil, errors.New("unsupported kind of value")
	}
}
