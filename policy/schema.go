package policy

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

// FieldRole is the one role of a field vault's policy: it may seal and
// read the field vault's own audit log, and decrypts nothing.
const FieldRole = "field"

// Schema returns what a field vault needs of p to seal exactly as the vault
// does, and nothing more: a policy document with p's name, classes,
// purposes and public fields, without its roles and members. It goes into
// a seal kit.
func (p *Policy) Schema() ([]byte, error) {
	var doc map[string]any
	if err := toml.Unmarshal(p.raw, &doc); err != nil {
		return nil, err
	}
	delete(doc, "roles")
	delete(doc, "members")
	return toml.Marshal(doc)
}

// ParseField builds a field vault's policy: schema (from Schema, carried
// by a seal kit), checked as Parse checks a policy except that it has no
// roles or members, plus one role, FieldRole, which may seal and read the
// audit log and decrypts nothing, and the one member m, the researcher who seals, in it. Bytes
// returns schema.
func ParseField(schema []byte, m Member) (*Policy, error) {
	if len(schema) > maxSize {
		return nil, Problems{{Msg: fmt.Sprintf("the schema is larger than %d bytes", maxSize)}}
	}
	schema = bytes.Clone(schema)
	var doc map[string]any
	if err := toml.Unmarshal(schema, &doc); err != nil {
		return nil, Problems{syntaxProblem(err)}
	}
	if _, ok := doc["roles"]; ok {
		return nil, Problems{{Name: "roles", Msg: "a seal kit's schema has no roles"}}
	}
	if _, ok := doc["members"]; ok {
		return nil, Problems{{Name: "members", Msg: "a seal kit's schema names no member"}}
	}
	c := &checker{lines: newLineIndex(schema), strictText: true, schema: true}
	p := c.policy(doc)
	c.rawText(schema)
	if len(c.problems) > 0 {
		c.problems.sort()
		return nil, c.problems
	}
	if !ValidMemberName(m.Name) {
		return nil, Problems{{Name: "member", Msg: fmt.Sprintf("invalid member name %q: use 1 to %d characters a-z, 0-9, \"_\", \".\" and \"-\", starting with a letter", m.Name, maxMemberName)}}
	}
	if len(p.Classes) == 0 {
		return nil, Problems{{Name: "classes", Msg: "a seal kit's schema needs at least one class"}}
	}
	m.Roles = []string{FieldRole}
	p.Roles[FieldRole] = Role{Name: FieldRole, Can: []Action{ActionSeal, ActionAudit}}
	p.Members = []Member{m}
	p.raw = schema
	p.digest = sha256.Sum256(schema)
	p.lines = c.lines
	return p, nil
}

// ValidMemberName reports whether name may name a member: 1 to 64
// characters a-z, 0-9, "_", "." and "-", starting with a letter.
func ValidMemberName(name string) bool { return validName(name, maxMemberName, "_.-") }
