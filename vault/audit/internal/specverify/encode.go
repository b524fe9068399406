package specverify

import "strconv"

// appendString appends s as a JSON string escaped as doc.go requires
// ("Strings are escaped as RFC 8785 requires"): '"' and '\' with a
// backslash; U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r;
// other characters below U+0020 as \u00xx in lower-case hex; everything
// else as its UTF-8 bytes.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendMember appends ,"name":"value" (without the comma when first).
func appendMember(b []byte, name, value string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendString(b, name)
	b = append(b, ':')
	return appendString(b, value)
}

func appendIntMember(b []byte, name string, v int64, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendString(b, name)
	b = append(b, ':')
	return strconv.AppendInt(b, v, 10)
}

func appendInts(b []byte, vs []int64) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return append(b, ']')
}

func appendStrings(b []byte, vs []string) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// entry holds an entry's fields as doc.go's "Entries" lists them.
type entry struct {
	seq                                 int64
	time, actor, actorKey, action       string
	record, class, outcome, detail, sig string
	digest                              *string // absent, not empty, when there is none
}

// signedBytes is doc.go's "An entry's signed bytes": the members in
// RFC 8785 order without "sig", with "format" and, when present, "digest"
// between "detail" and "format".
func (e *entry) signedBytes() []byte { return e.encode(false) }

// leaf is doc.go's "The entry's leaf": the same with "sig" between "seq"
// and "time".
func (e *entry) leaf() []byte { return e.encode(true) }

func (e *entry) encode(withSig bool) []byte {
	b := make([]byte, 0, 256+len(e.detail))
	b = append(b, '{')
	b = appendMember(b, "action", e.action, true)
	b = appendMember(b, "actor", e.actor, false)
	b = appendMember(b, "actor_key", e.actorKey, false)
	b = appendMember(b, "class", e.class, false)
	b = appendMember(b, "detail", e.detail, false)
	if e.digest != nil {
		b = appendMember(b, "digest", *e.digest, false)
	}
	b = appendMember(b, "format", "tvault-audit-entry v1", false)
	b = appendMember(b, "outcome", e.outcome, false)
	b = appendMember(b, "record", e.record, false)
	b = appendIntMember(b, "seq", e.seq, false)
	if withSig {
		b = appendMember(b, "sig", e.sig, false)
	}
	b = appendMember(b, "time", e.time, false)
	return append(b, '}')
}

// exportLine is the entry's line in an export (doc.go, "Export"): members in
// the order shown there, "digest" after "detail" when present, "proof" last
// in a filtered export.
func (e *entry) exportLine(hash string, proof []string, filtered bool) []byte {
	b := make([]byte, 0, 320+len(e.detail)+45*len(proof))
	b = append(b, '{')
	b = appendIntMember(b, "seq", e.seq, true)
	b = appendMember(b, "time", e.time, false)
	b = appendMember(b, "actor", e.actor, false)
	b = appendMember(b, "actor_key", e.actorKey, false)
	b = appendMember(b, "action", e.action, false)
	b = appendMember(b, "record", e.record, false)
	b = appendMember(b, "class", e.class, false)
	b = appendMember(b, "outcome", e.outcome, false)
	b = appendMember(b, "detail", e.detail, false)
	if e.digest != nil {
		b = appendMember(b, "digest", *e.digest, false)
	}
	b = appendMember(b, "sig", e.sig, false)
	b = appendMember(b, "hash", hash, false)
	if filtered {
		b = append(b, `,"proof":`...)
		b = appendStrings(b, proof)
	}
	return append(b, '}')
}
