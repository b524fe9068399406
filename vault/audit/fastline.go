package audit

import (
	"bytes"
	"strconv"
)

// fastEntryLine decodes an unfiltered entry line written exactly as
// appendEntryLine writes it, about five times faster than encoding/json,
// or reports false for any other line. It decides nothing: a line it
// decodes is still checked in full, its canonical form included (rule E8),
// and the verifier keeps its result only if every check passes. The line
// is then the canonical encoding of the values decoded, which is all that
// encoding/json would decode from it too; any line it refuses, or whose
// checks fail, is decoded and checked again with encoding/json, so that
// every failure is reported as before.
func fastEntryLine(line []byte) (entryJSON, bool) {
	var ej entryJSON
	p := fastParser{b: line}
	if !p.lit(`{"seq":`) {
		return ej, false
	}
	end := bytes.IndexByte(p.b, ',')
	if end <= 0 {
		return ej, false
	}
	seq, err := strconv.ParseInt(string(p.b[:end]), 10, 64)
	if err != nil {
		return ej, false
	}
	ej.Seq, p.b = seq, p.b[end:]
	ok := p.field(`,"time":`, &ej.Time) && p.field(`,"actor":`, &ej.Actor) &&
		p.field(`,"actor_key":`, &ej.ActorKey) && p.field(`,"action":`, &ej.Action) &&
		p.field(`,"record":`, &ej.Record) && p.field(`,"class":`, &ej.Class) &&
		p.field(`,"outcome":`, &ej.Outcome) && p.field(`,"detail":`, &ej.Detail)
	if !ok {
		return ej, false
	}
	if bytes.HasPrefix(p.b, []byte(`,"digest":`)) && !p.field(`,"digest":`, &ej.Digest) {
		return ej, false
	}
	ok = p.field(`,"sig":`, &ej.Sig) && p.field(`,"hash":`, &ej.Hash) && p.lit("}") && len(p.b) == 0
	return ej, ok
}

// fastParser is the rest of a line being decoded by fastEntryLine.
type fastParser struct{ b []byte }

func (p *fastParser) lit(s string) bool {
	if !bytes.HasPrefix(p.b, []byte(s)) {
		return false
	}
	p.b = p.b[len(s):]
	return true
}

// field decodes the member named by prefix (with its ',' and ':'), a
// string with only the escapes appendString writes.
func (p *fastParser) field(prefix string, dst *string) bool {
	if !p.lit(prefix) || !p.lit(`"`) {
		return false
	}
	end := bytes.IndexAny(p.b, "\"\\")
	if end < 0 {
		return false
	}
	if p.b[end] == '"' { // no escape: the common case
		*dst, p.b = string(p.b[:end]), p.b[end+1:]
		return true
	}
	var out []byte
	for i := 0; i < len(p.b); i++ {
		c := p.b[i]
		switch {
		case c == '"':
			*dst, p.b = string(out), p.b[i+1:]
			return true
		case c != '\\':
			out = append(out, c)
		case i+1 == len(p.b):
			return false
		default:
			i++
			switch p.b[i] {
			case '"', '\\':
				out = append(out, p.b[i])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u': // \u00xx, a control character
				if i+4 >= len(p.b) || p.b[i+1] != '0' || p.b[i+2] != '0' {
					return false
				}
				v, err := strconv.ParseUint(string(p.b[i+3:i+5]), 16, 8)
				if err != nil {
					return false
				}
				out = append(out, byte(v))
				i += 4
			default:
				return false
			}
		}
	}
	return false
}
