package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/internal/fault"
)

// TestJSONDepthLimit pins the nesting depth encoding/json decodes, which
// MaxJSONDepth names and seal's MaxFieldDepth is kept inside of: if a Go
// release changes it, this fails before a record can seal and not open.
func TestJSONDepthLimit(t *testing.T) {
	nest := func(d int) []byte { return []byte(strings.Repeat("[", d) + strings.Repeat("]", d)) }
	var v any
	if err := json.Unmarshal(nest(MaxJSONDepth), &v); err != nil {
		t.Errorf("depth %d: %v", MaxJSONDepth, err)
	}
	if err := json.Unmarshal(nest(MaxJSONDepth+1), &v); err == nil {
		t.Errorf("depth %d decoded: encoding/json's limit moved; update MaxJSONDepth", MaxJSONDepth+1)
	}
}

// manifestJSON returns the JSON of a manifest of record id, class
// testimony, with fields as given.
func manifestJSON(t *testing.T, id string, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(Manifest{Record: id, Class: "testimony", Fields: fields, Attachments: []Attachment{}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeManifestLimits: a manifest of exactly MaxManifestJSON bytes
// decodes, padded with spaces or not; one byte more is an integrity
// failure; so is anything but whitespace after the JSON.
func TestDecodeManifestLimits(t *testing.T) {
	id := strings.Repeat("a", 20)
	p := Part{Class: "testimony"}
	base := len(manifestJSON(t, id, map[string]any{"x": ""}))
	for _, extra := range []int{0, 1} {
		b := manifestJSON(t, id, map[string]any{"x": strings.Repeat("y", MaxManifestJSON-base+extra)})
		for _, pad := range []int{0, 1, 1 << 16} {
			_, err := DecodeManifest(append(b, bytes.Repeat([]byte(" "), pad)...), id, p)
			switch {
			case extra == 0 && err != nil:
				t.Errorf("%d bytes + %d of padding: %v", len(b), pad, err)
			case extra == 1 && !errors.Is(err, fault.ErrIntegrity):
				t.Errorf("%d bytes + %d of padding: err = %v, want an integrity failure", len(b), pad, err)
			}
		}
	}
	good := manifestJSON(t, id, nil)
	for _, tail := range []string{"x", " {}", "\n[]", " \x00"} {
		if _, err := DecodeManifest(append(bytes.Clone(good), tail...), id, p); !errors.Is(err, fault.ErrIntegrity) {
			t.Errorf("manifest followed by %q: err = %v, want an integrity failure", tail, err)
		}
	}
	if _, err := DecodeManifest(append(bytes.Clone(good), " \t\r\n"...), id, p); err != nil {
		t.Errorf("manifest followed by whitespace: %v", err)
	}
}

// TestDecodeManifestNumbers: numbers come back as written, not rounded
// through a float64 (9007199254740993 is 2^53+1).
func TestDecodeManifestNumbers(t *testing.T) {
	id := strings.Repeat("a", 20)
	b := []byte(`{"record":"` + id + `","class":"testimony","fields":{"n":9007199254740993,"f":0.1,"l":[-12345678901234567890]},"attachments":[]}`)
	m, err := DecodeManifest(b, id, Part{Class: "testimony"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(m.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"f":0.1,"l":[-12345678901234567890],"n":9007199254740993}`; string(out) != want {
		t.Errorf("fields = %s, want %s", out, want)
	}
}
