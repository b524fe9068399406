package policy

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Action is something a role may do besides decrypting.
type Action string

// The actions a role's `can` list may name.
const (
	ActionSeal   Action = "seal"   // seal new records
	ActionPolicy Action = "policy" // sign and apply a new policy version
	ActionAudit  Action = "audit"  // export the audit log
	ActionErase  Action = "erase"  // crypto-shred records, place legal holds
	ActionKeys   Action = "keys"   // rotate class keys and rewrap records
)

// actions lists every valid Action, in the order the documentation gives.
var actions = []Action{ActionSeal, ActionPolicy, ActionAudit, ActionErase, ActionKeys}

func validAction(a Action) bool {
	for _, v := range actions {
		if a == v {
			return true
		}
	}
	return false
}

// Class is a confidentiality level of record content. Threshold is the number
// of holders who must take part to decrypt one record of the class (1 unless
// the policy says otherwise); Retention how long its content is kept after
// sealing (zero: for ever), which `tvault retention run` enforces.
type Class struct {
	Name, Description string
	Threshold         int
	Retention         Retention
}

// Role is a set of classes its holders may decrypt and actions they may take.
type Role struct {
	Name    string
	Decrypt []string
	Can     []Action
}

// Member is a person named in the policy. Recipient is the member's age
// recipient in canonical (lower-case) form; SigningKey is the policy's text
// ("ed25519:<base64>") and SigningPublicKey its decoded key. PostQuantum
// reports whether Recipient is a hybrid post-quantum ("age1pq1…") key;
// Plugin names the age plugin of a hardware key's recipient ("yubikey" for
// "age1yubikey1…"), empty for a native key. CardSig is kept as written,
// unverified.
type Member struct {
	Name             string
	Roles            []string
	Recipient        string
	SigningKey       string
	SigningPublicKey ed25519.PublicKey
	CardSig          string
	PostQuantum      bool
	Plugin           string
}

// FieldType is the shape of a public metadata field.
type FieldType string

// The types a [public.<field>] may have.
const (
	TypeEnum  FieldType = "enum"  // one of Values
	TypeText  FieldType = "text"  // free text, at most 1024 bytes
	TypeMonth FieldType = "month" // YYYY-MM, never a day
	TypeDate  FieldType = "date"  // YYYY-MM-DD
	TypeList  FieldType = "list"  // a list of texts
)

func validFieldType(t FieldType) bool {
	switch t {
	case TypeEnum, TypeText, TypeMonth, TypeDate, TypeList:
		return true
	}
	return false
}

// Field is one field of the public-metadata schema.
type Field struct {
	Name     string
	Type     FieldType
	Values   []string
	Required bool
}

// Policy is a parsed and validated policy. It is read-only once Parse returns
// it and safe for concurrent use; callers must not modify its maps or slices.
type Policy struct {
	Name     string
	Classes  map[string]Class
	Roles    map[string]Role
	Members  []Member // in policy order
	Public   map[string]Field
	Purposes []string

	raw    []byte
	digest [32]byte
	lines  *lineIndex
}

// maxSize is the largest policy Parse accepts, in bytes.
const maxSize = 1 << 20

// Problem is one thing wrong with a policy or a form's public table, located
// by Line (1-based; 0 when unknown) and the name at fault. Name says what the
// problem is about as it should be shown, e.g. `member "olena"`, `class
// "identity"`, `public field "dob"` or `name`; every user-supplied string in
// Name and Msg is quoted, so that neither can carry a newline or a terminal
// escape into a report.
type Problem struct {
	Line int
	Name string
	Msg  string
}

// String formats p as `line 12: member "olena": unknown role "reseacher"`,
// leaving out the line when it is unknown and the name when there is none.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Name != "" {
		b.WriteString(p.Name)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is an error listing every problem found, sorted by line (problems
// with no line first, as they concern the whole file).
type Problems []Problem

// Error returns every problem, one per line, as Problem.String formats it.
func (ps Problems) Error() string {
	if len(ps) == 0 {
		return "no problems"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}

// Parse parses and validates a policy. On any problem it returns (nil,
// Problems) listing every problem found, each with its line; a TOML syntax
// error is the one exception, reported alone since nothing else can be
// checked. Parse keeps its own copy of data.
//
// Text in a policy is data, never control: Parse refuses a control
// character (other than the tab and line ends), a bidi override or isolate,
// or another invisible format character anywhere in the file — in the
// policy's name, a class's description, a purpose, an enum value, a
// card_sig, and in comments too, since `tvault policy show` prints the file
// as it is (see package internal/text for the exact rule).
func Parse(data []byte) (*Policy, error) {
	return parse(data, true)
}

// ParseStored is Parse for a policy version a vault already holds, signed
// when it was applied. It checks everything Parse checks except the text
// rule above, which is newer than some vaults: an older tvault accepted,
// say, a bidi mark in a class's description, and refusing it now would
// lock a team out of its own vault. Only the older rule holds here (no
// control character in the name or a purpose). Whatever prints text from
// such a policy escapes it.
func ParseStored(data []byte) (*Policy, error) {
	return parse(data, false)
}

func parse(data []byte, strictText bool) (*Policy, error) {
	if len(data) > maxSize {
		return nil, Problems{{Msg: fmt.Sprintf("the policy is larger than %d bytes", maxSize)}}
	}
	data = bytes.Clone(data)
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{syntaxProblem(err)}
	}
	c := &checker{lines: newLineIndex(data), strictText: strictText}
	p := c.policy(doc)
	if strictText {
		c.rawText(data)
	}
	if len(c.problems) > 0 {
		c.problems.sort()
		return nil, c.problems
	}
	p.raw = data
	p.digest = sha256.Sum256(data)
	p.lines = c.lines
	return p, nil
}

// syntaxProblem turns a go-toml decoding error into a Problem. Only the
// message and position are kept: go-toml's human-readable form quotes the
// offending line, which is not needed to fix it.
func syntaxProblem(err error) Problem {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if k := de.Key(); len(k) > 0 {
			return Problem{Line: line, Name: quoteKey(k), Msg: "syntax error: " + msg}
		}
		return Problem{Line: line, Msg: "syntax error: " + msg}
	}
	return Problem{Msg: "syntax error: " + strings.TrimPrefix(err.Error(), "toml: ")}
}

// Bytes returns a copy of the exact bytes Parse was given.
func (p *Policy) Bytes() []byte {
	return bytes.Clone(p.raw)
}

// Digest returns the SHA-256 of the exact bytes Parse was given: it names
// this policy version in seal kits and records.
func (p *Policy) Digest() [32]byte {
	return p.digest
}
