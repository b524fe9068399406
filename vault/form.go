package vault

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault/internal/record"
)

// Form is a parsed form: the record a researcher asks to seal.
type Form struct {
	Source  string         // the form's path, for messages
	Public  map[string]any // as written; validated against the schema at seal time
	Classes []FormClass    // in class-name order
	// Dir is the form's folder: attachments resolve against it and, unless
	// AllowOutside is set, must lie inside it.
	Dir          string
	AllowOutside bool
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

// FormOptions tunes ParseFormWith.
type FormOptions struct {
	// Dir is the form's folder, which relative attachment paths are
	// resolved against.
	Dir string
	// AllowOutsideAttachments lets attachments lie outside Dir: an
	// absolute path, a path that climbs out with "..", or a link inside
	// Dir that points out of it. Without it a form is confined to its
	// folder, so that a form someone else wrote cannot seal the
	// researcher's key file or /proc/self/environ.
	AllowOutsideAttachments bool
}

var classNameRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ParseForm parses a form's bytes; dir is its folder. It is ParseFormWith
// with attachments confined to dir.
func ParseForm(source string, data []byte, dir string) (*Form, error) {
	return ParseFormWith(source, data, FormOptions{Dir: dir})
}

// ParseFormWith parses a form's bytes and checks it against the limits of
// a form (MaxFormSize, MaxManifestJSON, MaxFieldDepth, MaxAttachments,
// MaxNameBytes) and the rules for text that is data. It reads no files:
// checking that the attachments exist, are regular files and do not lead
// out of the folder through a link, and checking the policy, is the
// caller's (Seal's) job. Every refusal is an *InputError naming the form.
func ParseFormWith(source string, data []byte, opts FormOptions) (*Form, error) {
	if len(data) > MaxFormSize {
		return nil, inputErrorf(source, "the form is larger than %d KiB (MaxFormSize): put long text in an attachment file", MaxFormSize>>10)
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
	f := &Form{Source: source, Dir: opts.Dir, AllowOutside: opts.AllowOutsideAttachments}
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
			return nil, inputErrorf(source, "[%s] is not a class name", text.Escape(k))
		}
		fc, err := parseFormClass(f, k, tbl)
		if err != nil {
			return nil, err
		}
		f.Classes = append(f.Classes, fc)
	}
	if f.Public == nil {
		f.Public = map[string]any{}
	}
	if err := checkPublicText(source, f.Public); err != nil {
		return nil, err
	}
	if len(f.Classes) == 0 {
		return nil, inputErrorf(source, "the form has no class table (such as [testimony]): there is nothing to seal")
	}
	return f, nil
}

func parseFormClass(f *Form, class string, tbl map[string]any) (FormClass, error) {
	source := f.Source
	fc := FormClass{Class: class, Fields: map[string]any{}}
	for _, k := range sortedKeys(tbl) {
		val := tbl[k]
		if k == "files" {
			files, err := parseFiles(f, class, val)
			if err != nil {
				return fc, err
			}
			fc.Files = files
			continue
		}
		if err := checkFieldName(k); err != nil {
			return fc, inputErrorf(source, "[%s] field name %q %v", class, k, err)
		}
		if looksLikeFiles(k) {
			return fc, inputErrorf(source, "[%s] %q looks like files but is not%s: write the list of attachments as files, in lower-case Latin letters",
				class, k, notLatin(k))
		}
		j, err := fieldValue(val, k, 0)
		if err != nil {
			return fc, inputErrorf(source, "[%s] %v", class, err)
		}
		fc.Fields[k] = j
	}
	if err := checkManifestSize(source, fc); err != nil {
		return fc, err
	}
	return fc, nil
}

// parseFiles parses a class's list of attachments.
func parseFiles(f *Form, class string, val any) ([]FormFile, error) {
	source := f.Source
	list, ok := val.([]any)
	if !ok {
		return nil, inputErrorf(source, "[%s] files must be a list of file names", class)
	}
	if len(list) > MaxAttachments {
		return nil, inputErrorf(source, "[%s] has %d attachments, more than the limit of %d (MaxAttachments): put them in fewer files, such as one archive",
			class, len(list), MaxAttachments)
	}
	var files []FormFile
	seen := map[string]bool{}
	for _, e := range list {
		p, ok := e.(string)
		if !ok || p == "" {
			return nil, inputErrorf(source, "[%s] files must be a list of file names", class)
		}
		if !f.AllowOutside && !filepath.IsLocal(p) {
			return nil, inputErrorf(source, "[%s] attachment %q is outside the form's folder: copy it into the folder, or seal with --allow-outside-attachments",
				class, p)
		}
		name := filepath.Base(p)
		if err := checkAttachmentName(name); err != nil {
			return nil, inputErrorf(source, "[%s] attachment name %q %v: rename the file", class, name, err)
		}
		// The folders on the way are not stored, but messages name them.
		if err := text.Line(p); err != nil {
			return nil, inputErrorf(source, "[%s] attachment path %q %v: rename the folder", class, p, err)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(f.Dir, p)
		}
		if seen[foldName(name)] {
			return nil, inputErrorf(source, "[%s] two attachments are named %q (ignoring case): rename one", class, name)
		}
		seen[foldName(name)] = true
		files = append(files, FormFile{Path: p, Name: name})
	}
	return files, nil
}

// checkFieldName checks the name of a class field, or of a table inside
// one; the error completes "field name X ...".
func checkFieldName(k string) error {
	if err := text.Line(k); err != nil {
		return err
	}
	if len(k) > MaxNameBytes {
		return fmt.Errorf("is %d bytes long, more than the limit of %d (MaxNameBytes)", len(k), MaxNameBytes)
	}
	return nil
}

// checkAttachmentName applies to an attachment's name the rule open
// applies when it writes the file back (record.SafeName), and the rules
// for names that are data; the error completes "attachment name X ...".
func checkAttachmentName(name string) error {
	if err := text.Line(name); err != nil {
		return err
	}
	switch {
	case !record.SafeName(name) || strings.EqualFold(name, "fields.json"):
		return errors.New("is not allowed")
	case len(name) > MaxNameBytes:
		return fmt.Errorf("is %d bytes long, more than the limit of %d (MaxNameBytes)", len(name), MaxNameBytes)
	}
	return portableName(name)
}

// portableName refuses a name that open could not write on Windows (a
// member on any platform may open the record): the characters Windows
// reserves, a trailing dot or space, which it strips, and the device names
// CON, PRN, AUX, NUL, COM0–9 and LPT0–9, with or without an extension.
func portableName(name string) error {
	if i := strings.IndexAny(name, `<>:"|?*`); i >= 0 {
		return fmt.Errorf("contains %q, which Windows does not allow in a file name: rename the file", name[i])
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return errors.New("ends in a dot or a space, which Windows drops from a file name: rename the file")
	}
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch {
	case base == "CON" || base == "PRN" || base == "AUX" || base == "NUL",
		len([]rune(base)) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) &&
			strings.ContainsRune("0123456789¹²³", []rune(base)[3]):
		return fmt.Errorf("is a device name on Windows (%s), which no file can have there: rename the file", base)
	}
	return nil
}

// fieldValue turns a decoded TOML value into one encoding/json writes and
// reads back unchanged, checking the names of nested tables and the depth
// of nesting; path names the value in messages, depth is how many lists
// and tables enclose it within its field.
//
// Text values are testimony and are kept exactly as written, control and
// format characters included: they are encrypted, tvault never prints
// them (open writes them JSON-escaped into fields.json), and refusing the
// soft hyphens, direction marks and CR line ends that text pasted from a
// word processor carries would stop real testimony from being sealed, or
// tempt a researcher to edit it. Names are checked (checkFieldName).
func fieldValue(v any, path string, depth int) (any, error) {
	switch x := v.(type) {
	case string, bool, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s: nan and inf are not allowed", path)
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
	}
	if depth+1 > MaxFieldDepth {
		return nil, fmt.Errorf("%s nests lists and tables more than %d deep (MaxFieldDepth)", path, MaxFieldDepth)
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := fieldValue(e, path, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			p := path + "." + k
			if err := checkFieldName(k); err != nil {
				return nil, fmt.Errorf("field name %q %v", p, err)
			}
			j, err := fieldValue(x[k], p, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unsupported kind of value", path)
}
