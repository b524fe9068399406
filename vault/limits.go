package vault

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"path/filepath"
	"strings"

	"github.com/tvault/tvault/vault/internal/record"
)

// The limits of a form. ParseForm refuses a form past any of them before
// anything is read or written, naming the limit; each is chosen inside
// what the readers of the stored formats accept (record's limits), so
// that whatever seal accepts, open and cat can read back.
const (
	// MaxFormSize caps a form file. Testimony that is longer than this
	// belongs in an attachment (a transcript), which streams.
	MaxFormSize = 1 << 20

	// MaxManifestJSON caps the JSON of one class of a form as it is
	// stored: its fields and the list of its attachments, before padding.
	// A form far below MaxFormSize can pass it: JSON writes each of < > &
	// as six bytes (\u003c).
	MaxManifestJSON = record.MaxManifestJSON

	// MaxFieldDepth caps how deeply lists and tables nest inside one
	// field of a class: a plain value is depth 0, a list of values or a
	// table such as [testimony.place] depth 1.
	MaxFieldDepth = 32

	// MaxAttachments caps the attachments of one class of a form. It
	// bounds the record's header (one blob reference per attachment) and
	// the work of one seal; scans of many pages belong in one archive or
	// PDF.
	MaxAttachments = 1000

	// MaxNameBytes caps an attachment's name and a field's name, in UTF-8
	// bytes: 255 is the longest file name Linux and macOS allow, so every
	// name open writes back is one the file system takes.
	MaxNameBytes = 255
)

// Every field value must stay decodable: a deeper one would seal and then
// fail to open. This constant overflows, and the build fails, if
// MaxFieldDepth is raised past what encoding/json reads back.
const _ = uint(record.MaxJSONDepth - record.ManifestFieldDepth - MaxFieldDepth)

// Stand-ins for what seal fills in when it stores an attachment, each as
// long as the longest it can be; manifestBound measures with them.
const (
	// maxSniffedType is longer than any media type seal assigns to a
	// file whose extension has none registered (http.DetectContentType's
	// longest is 29 bytes; seal's own additions are shorter).
	maxSniffedType = 64
	recordIDLen    = 20
	sha256HexLen   = 64
)

// checkManifestSize refuses a class whose stored manifest could exceed
// MaxManifestJSON.
func checkManifestSize(source string, c FormClass) error {
	n, err := manifestBound(c)
	if err != nil {
		return inputErrorf(source, "[%s] %v", c.Class, err)
	}
	if n > MaxManifestJSON {
		return inputErrorf(source, "[%s] is %d bytes when stored, more than the limit of %d (MaxManifestJSON): move long text into an attachment file",
			c.Class, n, MaxManifestJSON)
	}
	return nil
}

// manifestBound returns the length of the manifest JSON seal will write for
// c, or more: it is encoded exactly as seal encodes it (json.Marshal of a
// record.Manifest), with the values seal learns only from the files —
// media type, size, hash, record id — at their longest. With no
// attachment it is exact.
func manifestBound(c FormClass) (int, error) {
	id := strings.Repeat("a", recordIDLen)
	m := record.Manifest{Record: id, Class: c.Class, Fields: c.Fields, Attachments: []record.Attachment{}}
	for i, ff := range c.Files {
		mt := mime.TypeByExtension(strings.ToLower(filepath.Ext(ff.Name)))
		m.Attachments = append(m.Attachments, record.Attachment{
			Name:      ff.Name,
			MediaType: strings.Repeat("x", max(len(mt), maxSniffedType)),
			Size:      math.MaxInt64,
			SHA256:    strings.Repeat("0", sha256HexLen),
			Blob:      fmt.Sprintf("%s-%s-%d", id, c.Class, i+1),
		})
	}
	b, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	return len(b), nil
}
