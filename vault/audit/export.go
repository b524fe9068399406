package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/internal/csvsafe"
)

// ExportFormat is the version in an export's header line.
const ExportFormat = 1

// KeyInfo is one signing key in an export's verification material: the
// name it signs under (a member's name), the key as "ed25519:<base64>",
// whether the vault's policy lists it as a member's key (a vault lists no
// other), and in which policy versions.
type KeyInfo struct {
	Name           string  `json:"name"`
	Key            string  `json:"key"`
	Member         bool    `json:"member"`
	PolicyVersions []int64 `json:"policy_versions,omitempty"`
}

// maxAlso bounds ExportOptions.Also.
const maxAlso = 1024

// ExportOptions selects the entries of an export. The zero value selects
// every entry; any non-zero field makes the export filtered, and then each
// entry carries an inclusion proof.
type ExportOptions struct {
	Record string    // only entries about this record id
	Actor  string    // only entries by this actor name
	Since  time.Time // only entries at or after Since (zero: no bound)
	Until  time.Time // only entries strictly before Until (zero: no bound)
	// Also lists, in increasing order, the seqs of entries to include
	// besides those the criteria above select (a custody report includes
	// the bundle-import entry that brought a record in, which names no
	// record). Only with at least one other criterion.
	Also []int64
	// Earlier are earlier checkpoints (signed notes) from which the export
	// proves that the log extends them: a checkpoint an auditor kept
	// (--from-checkpoint), those witnesses cosigned. Each becomes an
	// earlier-checkpoint line with its consistency proof; notes of the same
	// tree are merged into one with every signature. Not a filter: it
	// does not change which entries are exported.
	Earlier [][]byte
}

func (o ExportOptions) filtered() bool {
	return o.Record != "" || o.Actor != "" || !o.Since.IsZero() || !o.Until.IsZero()
}

func (o ExportOptions) match(e *Entry) bool {
	if slices.Contains(o.Also, e.Seq) {
		return true
	}
	return (o.Record == "" || e.Record == o.Record) &&
		(o.Actor == "" || e.Actor == o.Actor) &&
		(o.Since.IsZero() || !e.Time.Before(o.Since)) &&
		(o.Until.IsZero() || e.Time.Before(o.Until))
}

func (o ExportOptions) check() error {
	if err := checkShort(o.Record); err != nil {
		return fmt.Errorf("invalid record filter: %v", err)
	}
	if len(o.Also) > maxAlso || len(o.Also) > 0 && !o.filtered() {
		return fmt.Errorf("invalid also filter: at most %d seqs, with another criterion", maxAlso)
	}
	for i, s := range o.Also {
		if s < 0 || i > 0 && s <= o.Also[i-1] {
			return fmt.Errorf("invalid also filter: seqs must be increasing and not negative")
		}
	}
	if err := checkShort(o.Actor); err != nil {
		return fmt.Errorf("invalid actor filter: %v", err)
	}
	for _, t := range []time.Time{o.Since, o.Until} {
		if y := t.UTC().Year(); !t.IsZero() && (y < 1 || y > 9999) {
			return fmt.Errorf("invalid time filter %s", formatTime(t))
		}
	}
	return nil
}

// Export writes the log as JSON Lines (see the package documentation,
// section "Export") and returns the number of entry lines written. keys
// are the signing keys the caller vouches for, normally every member key of
// every policy version. An entry whose key is not listed under its actor's
// name is an error, raised before anything is written.
//
// Export reads the log twice, one entry at a time: once to check that the
// keys line, which precedes the entries, lists every signer, and once to
// write them. It covers
// the entries of the latest checkpoint, which Head checks first. On error,
// part of the export may have been written; the caller discards it.
func (l *Log) Export(w io.Writer, b Backend, keys []KeyInfo, opts ExportOptions) (int, error) {
	if err := opts.check(); err != nil {
		return 0, err
	}
	cp, err := l.Head(b)
	if err != nil {
		return 0, err
	}
	kr, err := newKeySet(keys)
	if err != nil {
		return 0, err
	}
	if err := checkSigners(b, cp.Size, kr); err != nil {
		return 0, err
	}
	earlier, err := l.proveEarlier(b, kr, cp, opts.Earlier, nil)
	if err != nil {
		return 0, err
	}
	filtered := opts.filtered()

	bw := bufio.NewWriterSize(w, 64<<10)
	line := appendHeaderLine(nil, l.origin, cp.Size, opts)
	line = appendKeysLine(line, keys)
	for _, e := range earlier {
		line = appendEarlierLine(line, e.cp.Text, e.proof)
	}
	if _, err := bw.Write(line); err != nil {
		return 0, err
	}
	count := 0
	for seq := int64(0); seq < cp.Size; seq++ {
		e, leaf, err := readEntry(b, seq)
		if err != nil {
			return count, err
		}
		if !opts.match(&e) {
			continue
		}
		var proof tlog.RecordProof
		if filtered {
			if proof, err = tlog.ProveRecord(cp.Size, seq, b); err != nil {
				return count, fmt.Errorf("failed to prove audit entry %d: %w", seq, err)
			}
		}
		line = appendEntryLine(line[:0], &e, tlog.RecordHash(leaf), proof, filtered)
		if _, err := bw.Write(line); err != nil {
			return count, err
		}
		count++
	}
	line = appendCheckpointLine(line[:0], cp.Text)
	if _, err := bw.Write(line); err != nil {
		return count, err
	}
	return count, bw.Flush()
}

// readEntry reads and parses entry seq; a malformed stored entry is a
// *TamperError.
func readEntry(b Backend, seq int64) (Entry, []byte, error) {
	leaf, err := b.ReadEntry(seq)
	if err != nil {
		return Entry{}, nil, fmt.Errorf("failed to read audit entry %d: %w", seq, err)
	}
	e, err := ParseLeaf(leaf)
	if err != nil {
		return Entry{}, nil, tamperf(seq, 0, "entry %d: %v", seq, err)
	}
	if e.Seq != seq {
		return Entry{}, nil, tamperf(seq, 0, "entry %d: stored entry says seq %d", seq, e.Seq)
	}
	return e, leaf, nil
}

// checkSigners checks that the key of each of the first size entries is
// listed in kr under its actor's name.
func checkSigners(b Backend, size int64, kr *keySet) error {
	for seq := int64(0); seq < size; seq++ {
		leaf, err := b.ReadEntry(seq)
		if err != nil {
			return fmt.Errorf("failed to read audit entry %d: %w", seq, err)
		}
		// Only the actor fields are needed here; the second pass parses
		// and checks the whole entry.
		var who struct {
			Actor    string `json:"actor"`
			ActorKey string `json:"actor_key"`
		}
		if err := json.Unmarshal(leaf, &who); err != nil {
			return tamperf(seq, 0, "entry %d: malformed entry", seq)
		}
		if !kr.listed(who.Actor, who.ActorKey) {
			return fmt.Errorf("entry %d: the key of %s is not among the keys given", seq, truncate(who.Actor))
		}
	}
	return nil
}

// ExportCSV writes the entries of the latest checkpoint selected by opts as
// CSV (encoding/csv, "\n" line ends): a header row with the columns seq,
// time, actor, actor_key, action, record, class, outcome, detail, hash, then
// one row per entry. It returns the number of rows written after the
// header. CSV carries no signatures or proofs: it is for reading, and
// VerifyExport does not accept it; the JSON Lines of Export are the
// evidence.
//
// Every cell is written by csvsafe: one that a spreadsheet would run as a
// formula (a detail such as "=HYPERLINK(…)", "@SUM(…)" or "-2+3") or that
// begins with an apostrophe gets one ' in front, so that it opens as text.
// To recover a cell exactly, remove that one leading ' (csvsafe.Unescape).
func (l *Log) ExportCSV(w io.Writer, b Backend, opts ExportOptions) (int, error) {
	if err := opts.check(); err != nil {
		return 0, err
	}
	cp, err := l.Head(b)
	if err != nil {
		return 0, err
	}
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return 0, err
	}
	count := 0
	row := make([]string, len(csvHeader))
	for seq := int64(0); seq < cp.Size; seq++ {
		e, leaf, err := readEntry(b, seq)
		if err != nil {
			return count, err
		}
		if !opts.match(&e) {
			continue
		}
		row[0] = strconv.FormatInt(e.Seq, 10)
		row[1] = formatTime(e.Time)
		row[2], row[3], row[4], row[5] = e.Actor, e.ActorKey, e.Action, e.Record
		row[6], row[7], row[8] = e.Class, e.Outcome, e.Detail
		row[9] = tlog.RecordHash(leaf).String()
		if err := cw.Write(row); err != nil {
			return count, err
		}
		count++
	}
	return count, cw.Flush()
}

var csvHeader = []string{"seq", "time", "actor", "actor_key", "action", "record", "class", "outcome", "detail", "hash"}

// The line encoders below define the export's exact bytes: members in the
// order written, no whitespace, strings escaped by appendString, each line
// ending in '\n'. VerifyExport re-encodes every line it parses with them
// and requires the same bytes.

func appendHeaderLine(dst []byte, origin string, size int64, opts ExportOptions) []byte {
	dst = append(dst, `{"tvault_audit_export":`...)
	dst = strconv.AppendInt(dst, ExportFormat, 10)
	dst = append(dst, `,"origin":`...)
	dst = appendString(dst, origin)
	dst = append(dst, `,"tree_size":`...)
	dst = strconv.AppendInt(dst, size, 10)
	if opts.filtered() {
		dst = append(dst, `,"filter":{`...)
		sep := ""
		field := func(name, value string) {
			if value != "" {
				dst = append(dst, sep...)
				dst = appendString(dst, name)
				dst = append(dst, ':')
				dst = appendString(dst, value)
				sep = ","
			}
		}
		field("record", opts.Record)
		field("actor", opts.Actor)
		if !opts.Since.IsZero() {
			field("since", formatTime(opts.Since))
		}
		if !opts.Until.IsZero() {
			field("until", formatTime(opts.Until))
		}
		if len(opts.Also) > 0 {
			dst = append(dst, `,"also":[`...)
			for i, s := range opts.Also {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = strconv.AppendInt(dst, s, 10)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	return append(dst, "}\n"...)
}

func appendKeysLine(dst []byte, keys []KeyInfo) []byte {
	dst = append(dst, `{"keys":[`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, k.Name)
		dst = append(dst, `,"key":`...)
		dst = appendString(dst, k.Key)
		dst = append(dst, `,"member":`...)
		dst = strconv.AppendBool(dst, k.Member)
		if len(k.PolicyVersions) > 0 {
			dst = append(dst, `,"policy_versions":[`...)
			for j, v := range k.PolicyVersions {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = strconv.AppendInt(dst, v, 10)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}\n"...)
}

func appendEntryLine(dst []byte, e *Entry, hash tlog.Hash, proof tlog.RecordProof, filtered bool) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, e.Seq, 10)
	for _, f := range [...]struct{ name, value string }{
		{"time", formatTime(e.Time)},
		{"actor", e.Actor},
		{"actor_key", e.ActorKey},
		{"action", e.Action},
		{"record", e.Record},
		{"class", e.Class},
		{"outcome", e.Outcome},
		{"detail", e.Detail},
		{"digest", e.Digest},
		{"sig", e.Sig},
		{"hash", hash.String()},
	} {
		if f.name == "digest" && f.value == "" {
			continue
		}
		dst = append(dst, ',')
		dst = appendString(dst, f.name)
		dst = append(dst, ':')
		dst = appendString(dst, f.value)
	}
	if filtered {
		dst = append(dst, `,"proof":[`...)
		for i, h := range proof {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, h.String())
		}
		dst = append(dst, ']')
	}
	return append(dst, "}\n"...)
}

func appendCheckpointLine(dst []byte, text []byte) []byte {
	dst = append(dst, `{"checkpoint":`...)
	dst = appendString(dst, string(text))
	return append(dst, "}\n"...)
}
