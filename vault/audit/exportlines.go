package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file holds the decoding side of an export's lines: their JSON
// shapes, the header's parser, and the description of a decoding error.
// The encoders, which define the exact bytes, are in export.go; the
// verifier re-encodes every line with them and requires the same bytes
// (sameLine).

// maxLine caps one line of an export.
const maxLine = 1 << 20

// headerJSON is line 1, the header.
type headerJSON struct {
	Version  int64       `json:"tvault_audit_export"`
	Origin   string      `json:"origin"`
	TreeSize int64       `json:"tree_size"`
	Filter   *filterJSON `json:"filter"`
}

// filterJSON is the header's filter, present exactly when the export is
// filtered; times are as formatTime writes them.
type filterJSON struct {
	Record string  `json:"record"`
	Actor  string  `json:"actor"`
	Since  string  `json:"since"`
	Until  string  `json:"until"`
	Also   []int64 `json:"also"`
}

// keysJSON is line 2, the verification material.
type keysJSON struct {
	Keys []KeyInfo `json:"keys"`
}

// entryJSON is an entry line; Proof is present exactly when the export is
// filtered.
type entryJSON struct {
	Seq      int64    `json:"seq"`
	Time     string   `json:"time"`
	Actor    string   `json:"actor"`
	ActorKey string   `json:"actor_key"`
	Action   string   `json:"action"`
	Record   string   `json:"record"`
	Class    string   `json:"class"`
	Outcome  string   `json:"outcome"`
	Detail   string   `json:"detail"`
	Digest   string   `json:"digest"`
	Sig      string   `json:"sig"`
	Hash     string   `json:"hash"`
	Proof    []string `json:"proof"`
}

// entry returns the entry an entry line states, at time t (its Time parsed).
func (ej *entryJSON) entry(t time.Time) Entry {
	return Entry{Seq: ej.Seq, Time: t, Actor: ej.Actor, ActorKey: ej.ActorKey, Action: ej.Action,
		Record: ej.Record, Class: ej.Class, Outcome: ej.Outcome, Detail: ej.Detail, Digest: ej.Digest, Sig: ej.Sig}
}

// checkpointJSON is the last line, the signed checkpoint note.
type checkpointJSON struct {
	Checkpoint string `json:"checkpoint"`
}

// checkpointPrefix begins the checkpoint line and no entry line: it is how
// the verifier tells the end of the entries.
var checkpointPrefix = []byte(`{"checkpoint":`)

// sameLine reports whether line, as read without its line end, is the
// encoder's output enc, which ends in '\n'.
func sameLine(enc, line []byte) bool {
	return len(enc) == len(line)+1 && bytes.Equal(enc[:len(line)], line)
}

// parseHeader parses and checks an export's first line and returns it with
// the filter it states.
func parseHeader(line []byte) (headerJSON, ExportOptions, error) {
	var hdr headerJSON
	var opts ExportOptions
	if err := decodeStrict(line, &hdr); err != nil {
		return hdr, opts, tamperf(-1, 1, "line 1: not an audit export header: %s", jsonProblem(err))
	}
	if hdr.Version != ExportFormat {
		return hdr, opts, tamperf(-1, 1, "line 1: unsupported export format %d", hdr.Version)
	}
	if err := checkOrigin(hdr.Origin); err != nil {
		return hdr, opts, tamperf(-1, 1, "line 1: %v", err)
	}
	if hdr.TreeSize < 0 || hdr.TreeSize > maxTreeSize {
		return hdr, opts, tamperf(-1, 1, "line 1: tree size %d out of range", hdr.TreeSize)
	}
	if f := hdr.Filter; f != nil {
		opts.Record, opts.Actor, opts.Also = f.Record, f.Actor, f.Also
		var err error
		if f.Since != "" {
			if opts.Since, err = parseTime(f.Since); err != nil {
				return hdr, opts, tamperf(-1, 1, "line 1: filter: %v", err)
			}
		}
		if f.Until != "" {
			if opts.Until, err = parseTime(f.Until); err != nil {
				return hdr, opts, tamperf(-1, 1, "line 1: filter: %v", err)
			}
		}
		if err := opts.check(); err != nil {
			return hdr, opts, tamperf(-1, 1, "line 1: %v", err)
		}
		if !opts.filtered() {
			return hdr, opts, tamperf(-1, 1, "line 1: empty filter")
		}
	}
	if !sameLine(appendHeaderLine(nil, hdr.Origin, hdr.TreeSize, opts), line) {
		return hdr, opts, tamperf(-1, 1, "line 1 is not in canonical form")
	}
	return hdr, opts, nil
}

// jsonProblem describes a decoding error without Go type names.
func jsonProblem(err error) string {
	var typ *json.UnmarshalTypeError
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "json: unknown field "):
		return "unknown field " + truncate(strings.TrimPrefix(msg, "json: unknown field "))
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("field %q has the wrong type", truncate(typ.Field))
	case errors.As(err, &typ):
		return "not a JSON object"
	default:
		return "malformed JSON"
	}
}

// scanLines is bufio.ScanLines except that only a '\r' before '\n' is a
// line end: a last line ending in a lone '\r' keeps it (and is then not in
// canonical form), as the package documentation says.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, bytes.TrimSuffix(data[:i], []byte{'\r'}), nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}
