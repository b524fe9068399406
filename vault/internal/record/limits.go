package record

// The limits a reader of the stored formats enforces. Seal checks every
// form against the same constants before it writes anything (see
// vault/limits.go), so that a record seal accepts is a record open and cat
// can read: a limit enforced only when reading turns a sealed record into
// lost data and a false tamper alarm.
const (
	// MaxManifestJSON caps a class manifest's JSON (fields plus the list
	// of attachments) as json.Marshal writes it, before any padding is
	// added for encryption. DecodeManifest refuses a longer one; a reader
	// may decrypt up to the padded size of this many bytes.
	MaxManifestJSON = 4 << 20

	// MaxJSONDepth is how deeply encoding/json lets arrays and objects
	// nest when it decodes (a fixed limit inside the standard library;
	// TestJSONDepthLimit pins it). Every stored JSON value is decoded with
	// it.
	MaxJSONDepth = 10000

	// ManifestFieldDepth is the depth of a manifest's "fields" object: a
	// field value that nests d lists or tables reaches depth
	// ManifestFieldDepth + d.
	ManifestFieldDepth = 2
)
