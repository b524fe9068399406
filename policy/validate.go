package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Limits on names. Member names go into signed notes and file paths, class
// and field names into storage keys; neither may hold anything but a short
// lower-case word.
const (
	maxClassName  = 32 // also roles and public fields
	maxMemberName = 64
	maxPolicyName = 256
	maxThreshold  = 255 // Shamir over GF(256) has at most 255 shares
)

// checker collects every problem of one document, located by its lineIndex.
// strictText applies the text rule of Parse; without it (ParseStored) only
// the older rule holds.
type checker struct {
	// schema is set for a seal kit's schema (ParseField): a document
	// without roles and members.
	schema     bool
	lines      *lineIndex
	problems   Problems
	strictText bool
	textLines  map[int]bool // lines with a text problem already reported
}

func (c *checker) add(path []string, name, format string, args ...any) {
	c.problems = append(c.problems, Problem{
		Line: c.lines.line(path...),
		Name: name,
		Msg:  fmt.Sprintf(format, args...),
	})
}

// at returns a new path: path followed by more.
func at(path []string, more ...string) []string {
	return append(path[:len(path):len(path)], more...)
}

// policy checks the decoded document and builds a Policy from it, reporting
// every problem on the way; the Policy is only meaningful if none was found.
// Entries with problems are still kept where they are needed by later
// checks, so that one mistake is reported once, not again by every check that
// refers to it.
func (c *checker) policy(doc map[string]any) *Policy {
	p := &Policy{
		Classes: make(map[string]Class),
		Roles:   make(map[string]Role),
		Public:  make(map[string]Field),
	}
	c.unknownKeys(doc, nil, "", "a policy has name, classes, roles, members, public and purposes",
		"name", "classes", "roles", "members", "public", "purposes")
	c.name(p, doc)
	c.classes(p, doc)
	if !c.schema {
		c.roles(p, doc)
		c.members(p, doc)
	}
	c.purposes(p, doc)
	c.public(p, doc)
	if len(p.Members) > 0 {
		c.holders(p)
		c.administrators(p)
	}
	return p
}

func (c *checker) name(p *Policy, doc map[string]any) {
	v, ok := doc["name"]
	if !ok {
		c.add(nil, "name", "missing: the policy must have a name")
		return
	}
	s, ok := c.str(v, []string{"name"}, "name", "name")
	switch {
	case !ok:
	case s == "":
		c.add([]string{"name"}, "name", "must not be empty")
	case len(s) > maxPolicyName:
		c.add([]string{"name"}, "name", "is longer than %d bytes", maxPolicyName)
	case !c.plainText([]string{"name"}, "name", "the name", s, false):
	default:
		p.Name = s
	}
}

func (c *checker) classes(p *Policy, doc map[string]any) {
	path := []string{"classes"}
	tbl, ok := c.table(doc["classes"], path, "classes")
	if !ok {
		return
	}
	if len(tbl) == 0 {
		c.add(path, "classes", "none: a policy needs at least one [classes.<name>] of encrypted content")
		return
	}
	for _, name := range sortedKeys(tbl) {
		path := at(path, name)
		subj := "class " + quote(name)
		c.checkName(path, subj, "class", name)
		if name == "public" {
			c.add(path, subj, `"public" is the built-in class of unencrypted metadata: its fields are declared under [public]`)
		}
		cl := Class{Name: name, Threshold: 1}
		p.Classes[name] = cl
		t, ok := c.table(tbl[name], path, subj)
		if !ok {
			continue
		}
		c.unknownKeys(t, path, subj, "a class has description, threshold and retention", "description", "threshold", "retention")
		cl.Description = c.optionalText(t, path, subj, "description", true)
		cl.Retention = c.retention(t, path, subj)
		if v, ok := t["threshold"]; ok {
			tpath := at(path, "threshold")
			n, isInt := v.(int64)
			switch {
			case !isInt:
				c.add(tpath, subj, "threshold must be a whole number, not %s", typeName(v))
			case n < 1:
				c.add(tpath, subj, "threshold must be at least 1, not %d", n)
			case n > maxThreshold:
				c.add(tpath, subj, "threshold must be at most %d, not %d", maxThreshold, n)
			default:
				cl.Threshold = int(n)
			}
		}
		p.Classes[name] = cl
	}
}

// retention returns a class's retention (retention.go), reporting a value
// that is not one.
func (c *checker) retention(t map[string]any, path []string, subj string) Retention {
	v, ok := t["retention"]
	if !ok {
		return Retention{}
	}
	rpath := at(path, "retention")
	s, ok := v.(string)
	if !ok {
		c.add(rpath, subj, `retention must be a string such as "10y", not %s`, typeName(v))
		return Retention{}
	}
	r, err := ParseRetention(s)
	if err != nil {
		c.add(rpath, subj, "%s, not %s", err.Error(), quote(s))
		return Retention{}
	}
	return r
}

func (c *checker) roles(p *Policy, doc map[string]any) {
	path := []string{"roles"}
	tbl, ok := c.table(doc["roles"], path, "roles")
	if !ok {
		return
	}
	for _, name := range sortedKeys(tbl) {
		path := at(path, name)
		subj := "role " + quote(name)
		c.checkName(path, subj, "role", name)
		r := Role{Name: name}
		p.Roles[name] = r
		t, ok := c.table(tbl[name], path, subj)
		if !ok {
			continue
		}
		c.unknownKeys(t, path, subj, "a role has decrypt and can", "decrypt", "can")
		for _, it := range c.strList(t, path, subj, "decrypt") {
			switch _, known := p.Classes[it.s]; {
			case it.s == "public" && !known:
				c.add(it.path, subj, `"public" needs no decrypt: every member can read public metadata`)
			case !known:
				c.add(it.path, subj, "unknown class %s in decrypt%s", quote(it.s), suggest(it.s, sortedKeys(p.Classes)))
			case slices.Contains(r.Decrypt, it.s):
				c.add(it.path, subj, "class %s is listed twice in decrypt", quote(it.s))
			default:
				r.Decrypt = append(r.Decrypt, it.s)
			}
		}
		for _, it := range c.strList(t, path, subj, "can") {
			a := Action(it.s)
			switch {
			case !validAction(a):
				c.add(it.path, subj, "unknown action %s in can; actions are seal, policy, audit, erase and keys", quote(it.s))
			case slices.Contains(r.Can, a):
				c.add(it.path, subj, "action %s is listed twice in can", quote(it.s))
			default:
				r.Can = append(r.Can, a)
			}
		}
		p.Roles[name] = r
	}
}

func (c *checker) members(p *Policy, doc map[string]any) {
	path := []string{"members"}
	v, ok := doc["members"]
	list, isList := v.([]any)
	if !ok || (isList && len(list) == 0) {
		c.add(path, "members", "none: a policy needs at least one [[members]] entry")
		return
	}
	if !isList {
		c.add(path, "members", "must be a list of [[members]] tables, not %s", typeName(v))
		return
	}
	seen := memberSeen{names: map[string]int{}, recipients: map[string]int{}, keys: map[string]int{}}
	for i, v := range list {
		path := at(path, strconv.Itoa(i))
		t, ok := v.(map[string]any)
		if !ok {
			c.add(path, fmt.Sprintf("member #%d", i+1), "must be a table, not %s", typeName(v))
			continue
		}
		p.Members = append(p.Members, c.member(p, t, path, i, seen))
	}
}

// memberSeen is what members has seen so far, to find duplicates.
type memberSeen struct {
	names      map[string]int // name → index of the first member with it
	recipients map[string]int // canonical recipient → index
	keys       map[string]int // signing key bytes → index
}

// member checks member table t, the i'th of the list, and returns it.
func (c *checker) member(p *Policy, t map[string]any, path []string, i int, seen memberSeen) Member {
	m := Member{}
	subj := fmt.Sprintf("member #%d", i+1)
	if nv, ok := t["name"]; ok {
		if s, ok := nv.(string); ok {
			m.Name = s
			subj = "member " + quote(s)
		}
	}
	c.unknownKeys(t, path, subj, "a member has name, roles, recipient, signing_key and card_sig",
		"name", "roles", "recipient", "signing_key", "card_sig")

	if s, ok := c.required(t, path, subj, "name"); ok {
		npath := at(path, "name")
		c.checkName(npath, subj, "member", s)
		if s == "unknown" {
			// Reserved: earlier formats named non-members "unknown" in the audit log.
			c.add(npath, subj, `"unknown" is reserved for identities that are not members: choose another name`)
		}
		if j, dup := seen.names[s]; dup {
			c.add(npath, subj, "defined twice (first at line %d)", c.lines.line("members", strconv.Itoa(j), "name"))
		} else {
			seen.names[s] = i
		}
	}
	m.Roles = c.memberRoles(p, t, path, subj)

	if s, ok := c.required(t, path, subj, "recipient"); ok {
		rpath := at(path, "recipient")
		canonical, pq, plug, err := parseRecipient(s)
		if err != nil {
			c.add(rpath, subj, "%v", err)
		} else if j, dup := seen.recipients[canonical]; dup {
			c.add(rpath, subj, "same recipient as member %s: every member needs a key of their own", quote(p.Members[j].Name))
		} else {
			seen.recipients[canonical] = len(p.Members)
			m.Recipient, m.PostQuantum, m.Plugin = canonical, pq, plug
		}
	}

	if s, ok := c.required(t, path, subj, "signing_key"); ok {
		kpath := at(path, "signing_key")
		pub, err := parseSigningKey(s)
		if err != nil {
			c.add(kpath, subj, "%v", err)
		} else if j, dup := seen.keys[string(pub)]; dup {
			c.add(kpath, subj, "same signing key as member %s: every member needs a key of their own", quote(p.Members[j].Name))
		} else {
			seen.keys[string(pub)] = len(p.Members)
			m.SigningKey, m.SigningPublicKey = s, pub
		}
	}

	m.CardSig = c.optionalText(t, path, subj, "card_sig", false)
	return m
}

// memberRoles checks a member's roles: at least one, each known, none twice.
func (c *checker) memberRoles(p *Policy, t map[string]any, path []string, subj string) []string {
	var roles []string
	if _, ok := t["roles"]; !ok {
		c.add(path, subj, "missing roles: every member needs at least one role")
	} else if items, ok := c.strListOK(t, path, subj, "roles"); ok && len(items) == 0 {
		c.add(at(path, "roles"), subj, "no roles: every member needs at least one role")
	} else {
		for _, it := range items {
			switch _, known := p.Roles[it.s]; {
			case !known:
				c.add(it.path, subj, "unknown role %s%s", quote(it.s), suggest(it.s, sortedKeys(p.Roles)))
			case slices.Contains(roles, it.s):
				c.add(it.path, subj, "role %s is listed twice", quote(it.s))
			default:
				roles = append(roles, it.s)
			}
		}
	}
	return roles
}

func (c *checker) purposes(p *Policy, doc map[string]any) {
	if _, ok := doc["purposes"]; !ok {
		return
	}
	for _, it := range c.strList(doc, nil, "purposes", "purposes") {
		switch {
		case strings.TrimSpace(it.s) == "":
			c.add(it.path, "purposes", "a purpose must not be empty")
		case len(it.s) > maxText:
			c.add(it.path, "purposes", "purpose %s is longer than %d bytes", quote(it.s), maxText)
		case !c.plainText(it.path, "purposes", "purpose "+quote(it.s), it.s, false):
		case slices.Contains(p.Purposes, it.s):
			c.add(it.path, "purposes", "purpose %s is listed twice", quote(it.s))
		default:
			p.Purposes = append(p.Purposes, it.s)
		}
	}
}

func (c *checker) public(p *Policy, doc map[string]any) {
	v, ok := doc["public"]
	if !ok {
		return
	}
	path := []string{"public"}
	tbl, ok := c.table(v, path, "public")
	if !ok {
		return
	}
	for _, name := range sortedKeys(tbl) {
		path := at(path, name)
		subj := "public field " + quote(name)
		c.checkName(path, subj, "field", name)
		if name == consentField && len(p.Purposes) > 0 {
			c.add(path, subj, "%s is built in when purposes are listed: it holds the purposes the interviewee agreed to", quote(consentField))
		}
		t, ok := c.table(tbl[name], path, subj)
		if !ok {
			continue
		}
		c.unknownKeys(t, path, subj, "a public field has type, values and required", "type", "values", "required")
		f := Field{Name: name}
		if s, ok := c.required(t, path, subj, "type"); ok {
			f.Type = FieldType(s)
			if !validFieldType(f.Type) {
				c.add(at(path, "type"), subj, "unknown type %s; types are enum, text, month, date and list", quote(s))
			}
		}
		if v, ok := t["required"]; ok {
			if b, ok := v.(bool); ok {
				f.Required = b
			} else {
				c.add(at(path, "required"), subj, "required must be true or false, not %s", typeName(v))
			}
		}
		_, hasValues := t["values"]
		switch {
		case f.Type == TypeEnum && !hasValues:
			c.add(path, subj, "an enum needs values, the list of its allowed values")
		case f.Type == TypeEnum:
			items, ok := c.strListOK(t, path, subj, "values")
			if ok && len(items) == 0 {
				c.add(at(path, "values"), subj, "an enum needs at least one value")
			}
			for _, it := range items {
				switch {
				case it.s == "":
					c.add(it.path, subj, "an enum value must not be empty")
				case len(it.s) > maxText:
					c.add(it.path, subj, "value %s is longer than %d bytes", quote(it.s), maxText)
				case !c.plainText(it.path, subj, "value "+quote(it.s), it.s, false):
				case slices.Contains(f.Values, it.s):
					c.add(it.path, subj, "value %s is listed twice", quote(it.s))
				default:
					f.Values = append(f.Values, it.s)
				}
			}
		case hasValues && validFieldType(f.Type):
			c.add(at(path, "values"), subj, "values are only for enum fields, not %s", f.Type)
		}
		p.Public[name] = f
	}
}

// holders checks that every class can be decrypted by enough members.
func (c *checker) holders(p *Policy) {
	for _, name := range p.ClassNames() {
		path := []string{"classes", name}
		subj := "class " + quote(name)
		var roles []string
		for _, r := range sortedKeys(p.Roles) {
			if slices.Contains(p.Roles[r].Decrypt, name) {
				roles = append(roles, r)
			}
		}
		holders := p.Holders(name)
		cl := p.Classes[name]
		switch {
		case len(roles) == 0:
			c.add(path, subj, "no role can decrypt it: add it to the decrypt list of a role")
		case len(holders) == 0:
			c.add(path, subj, "has no holders: no member has role %s", quoteList(roles, " or "))
		case cl.Threshold > len(holders):
			c.add(at(path, "threshold"), subj, "threshold %d is more than its %d holders (%s)",
				cl.Threshold, len(holders), quoteList(memberNames(holders), " and "))
		}
	}
}

// administrators checks that someone can change the policy: a vault nobody
// may administer could never add, revoke or rotate anyone.
func (c *checker) administrators(p *Policy) {
	for _, m := range p.Members {
		if p.May(m.Name, ActionPolicy) {
			return
		}
	}
	c.add(nil, "roles", `no member has a role that can "policy": nobody could ever change this policy`)
}

// consentField is the public field built in when the policy lists purposes.
const consentField = "consent"

// checkName reports a name that is not a short lower-case word. kind is
// "class", "role", "field" or "member"; only members may contain dots.
func (c *checker) checkName(path []string, subj, kind, name string) {
	max, extra, rule := maxClassName, "_-", `"_" and "-"`
	if kind == "member" {
		max, extra, rule = maxMemberName, "_.-", `"_", "." and "-"`
	}
	if !validName(name, max, extra) {
		c.add(path, subj, "invalid %s name: use 1 to %d characters a-z, 0-9, %s, starting with a letter", kind, max, rule)
	}
}

func validName(s string, max int, extra string) bool {
	if len(s) == 0 || len(s) > max || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || strings.IndexByte(extra, b) >= 0) {
			return false
		}
	}
	return true
}

func memberNames(ms []Member) []string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return names
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
