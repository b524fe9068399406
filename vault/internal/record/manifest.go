package record

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/tvault/tvault/vault/internal/fault"
)

// Manifest is a part's encrypted table of contents: its fields and, for
// each attachment, the name, media type, size and plaintext hash.
type Manifest struct {
	Record      string         `json:"record"`
	Class       string         `json:"class"`
	Fields      map[string]any `json:"fields"`
	Attachments []Attachment   `json:"attachments"`
}

// Attachment describes one file of a part.
type Attachment struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // hex SHA-256 of the plaintext
	Blob      string `json:"blob"`
}

// DecodeManifest parses a decrypted manifest and checks it against the
// signed header's part: the same record and class, one attachment per blob
// in the same order, and names that are safe as file names. The manifest
// is authenticated by the DEK that decrypted it, not signed: these checks
// bind it to the header, which is. Trailing spaces (padding) are ignored;
// the JSON before them may be at most MaxManifestJSON bytes. Numbers in
// the fields are kept as written (json.Number), so an integer too large
// for a float64 comes back exactly as it was sealed.
func DecodeManifest(b []byte, recordID string, p Part) (*Manifest, error) {
	b = bytes.TrimRight(b, " ")
	if len(b) > MaxManifestJSON {
		return nil, fault.Integrityf("record %s: the manifest of class %s is larger than %d bytes", recordID, p.Class, MaxManifestJSON)
	}
	var m Manifest
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || d.InputOffset() != int64(len(b)) && !onlySpace(b[d.InputOffset():]) {
		return nil, fault.Integrityf("record %s: the manifest of class %s is unreadable", recordID, p.Class)
	}
	if m.Record != recordID || m.Class != p.Class || len(m.Attachments) != len(p.Blobs) {
		return nil, fault.Integrityf("record %s: the manifest of class %s belongs elsewhere", recordID, p.Class)
	}
	for i, a := range m.Attachments {
		if a.Blob != p.Blobs[i].ID || !SafeName(a.Name) || a.Size < 0 {
			return nil, fault.Integrityf("record %s: the manifest of class %s does not match its header", recordID, p.Class)
		}
	}
	return &m, nil
}

// onlySpace reports whether b is JSON whitespace, as json.Unmarshal
// allows after a value.
func onlySpace(b []byte) bool { return len(bytes.TrimLeft(b, " \t\r\n")) == 0 }

// SafeName reports whether an attachment name can be used as a file name
// inside an output folder: not empty, not hidden, no separator, not the
// fields file.
func SafeName(n string) bool {
	return n != "" && n != "." && n != ".." && n != "fields.json" && !strings.ContainsAny(n, "/\\\x00") && !strings.HasPrefix(n, ".")
}
