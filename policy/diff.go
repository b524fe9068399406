package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Change is one difference between two policy versions, in words: Kind
// says what changed ("member-added", "member-removed", "member-keys",
// "member-roles", "role-added", "role-removed", "role-changed",
// "class-added", "class-removed", "class-threshold", "class-retention",
// "holder-added",
// "holder-removed", "purpose-added", "purpose-removed", "field-added",
// "field-removed", "field-changed", "name"), Subject what it is about (a
// member, role, class, purpose or field name) and Text the line people
// read.
type Change struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Class   string `json:"class,omitempty"` // for holder-added and holder-removed
	Text    string `json:"text"`
	// Shortens is set on a class-retention change that can make records
	// already sealed expire sooner (MayShorten): a retention set where
	// there was none, or a shorter one.
	Shortens bool `json:"shortens,omitempty"`
}

// Diff lists what changes from old to new, in a fixed order: the policy's
// name, members, roles, classes and their holders, purposes, public
// fields. A member whose recipient changes is a holder removed (the old
// key) and added (the new one) of each class they hold.
func Diff(old, new *Policy) []Change {
	var out []Change
	add := func(kind, subject, class, format string, args ...any) {
		out = append(out, Change{Kind: kind, Subject: subject, Class: class, Text: fmt.Sprintf(format, args...)})
	}
	if old.Name != new.Name {
		add("name", new.Name, "", "policy renamed from %q to %q", old.Name, new.Name)
	}
	diffMembers(old, new, add)
	diffRoles(old, new, add)
	diffClasses(old, new, add)
	for i, c := range out {
		if c.Kind == "class-retention" {
			out[i].Shortens = MayShorten(old.Classes[c.Subject].Retention, new.Classes[c.Subject].Retention)
		}
	}
	for _, p := range minus(new.Purposes, old.Purposes) {
		add("purpose-added", p, "", "purpose %q added", p)
	}
	for _, p := range minus(old.Purposes, new.Purposes) {
		add("purpose-removed", p, "", "purpose %q removed", p)
	}
	for _, f := range sortedKeys(new.Public) {
		o, ok := old.Public[f]
		switch n := new.Public[f]; {
		case !ok:
			add("field-added", f, "", "public field %q added (%s%s)", f, n.Type, required(n))
		case o.Type != n.Type || o.Required != n.Required || !slices.Equal(o.Values, n.Values):
			add("field-changed", f, "", "public field %q changed: %s%s%s -> %s%s%s", f,
				o.Type, required(o), values(o), n.Type, required(n), values(n))
		}
	}
	for _, f := range sortedKeys(old.Public) {
		if _, ok := new.Public[f]; !ok {
			add("field-removed", f, "", "public field %q removed", f)
		}
	}
	return out
}

type addFunc func(kind, subject, class, format string, args ...any)

func diffMembers(old, new *Policy, add addFunc) {
	for _, m := range new.Members {
		o, ok := old.Member(m.Name)
		switch {
		case !ok:
			add("member-added", m.Name, "", "member %q added with roles %s", m.Name, quoteList(m.Roles, ", "))
			continue
		case o.Recipient != m.Recipient || o.SigningKey != m.SigningKey:
			add("member-keys", m.Name, "", "member %q has new keys", m.Name)
		}
		if !slices.Equal(sorted(o.Roles), sorted(m.Roles)) {
			add("member-roles", m.Name, "", "member %q: roles %s -> %s", m.Name, quoteList(o.Roles, ", "), quoteList(m.Roles, ", "))
		}
	}
	for _, m := range old.Members {
		if _, ok := new.Member(m.Name); !ok {
			add("member-removed", m.Name, "", "member %q removed", m.Name)
		}
	}
}

func diffRoles(old, new *Policy, add addFunc) {
	for _, r := range sortedKeys(new.Roles) {
		o, ok := old.Roles[r]
		n := new.Roles[r]
		switch {
		case !ok:
			add("role-added", r, "", "role %q added: decrypts %s, can %s", r, listOrNone(n.Decrypt), listOrNone(actionStrings(n.Can)))
		case !slices.Equal(sorted(o.Decrypt), sorted(n.Decrypt)) || !slices.Equal(sorted(actionStrings(o.Can)), sorted(actionStrings(n.Can))):
			add("role-changed", r, "", "role %q: decrypts %s -> %s, can %s -> %s", r, listOrNone(o.Decrypt), listOrNone(n.Decrypt),
				listOrNone(actionStrings(o.Can)), listOrNone(actionStrings(n.Can)))
		}
	}
	for _, r := range sortedKeys(old.Roles) {
		if _, ok := new.Roles[r]; !ok {
			add("role-removed", r, "", "role %q removed", r)
		}
	}
}

func diffClasses(old, new *Policy, add addFunc) {
	for _, c := range new.ClassNames() {
		o, ok := old.Classes[c]
		switch {
		case !ok:
			add("class-added", c, "", "class %q added%s", c, retentionNote(new.Classes[c].Retention))
		case o.Threshold != new.Classes[c].Threshold:
			add("class-threshold", c, "", "class %q: threshold %d -> %d", c, max(o.Threshold, 1), max(new.Classes[c].Threshold, 1))
		}
		if r := new.Classes[c].Retention; ok && r != o.Retention {
			add("class-retention", c, "", "class %q: retention %s -> %s", c, retentionText(o.Retention), retentionText(r))
		}
		if !ok {
			continue
		}
		was, now := holderKeys(old, c), holderKeys(new, c)
		for _, h := range new.Holders(c) {
			if !was[h.Name+"\x00"+h.Recipient] {
				add("holder-added", h.Name, c, "class %q: %q now holds its keys", c, h.Name)
			}
		}
		for _, h := range old.Holders(c) {
			if !now[h.Name+"\x00"+h.Recipient] {
				add("holder-removed", h.Name, c, "class %q: %q no longer holds its keys", c, h.Name)
			}
		}
	}
	for _, c := range old.ClassNames() {
		if _, ok := new.Classes[c]; !ok {
			add("class-removed", c, "", "class %q removed", c)
		}
	}
}

// holderKeys returns the class's holders as name and recipient.
func holderKeys(p *Policy, class string) map[string]bool {
	out := map[string]bool{}
	for _, h := range p.Holders(class) {
		out[h.Name+"\x00"+h.Recipient] = true
	}
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func actionStrings(as []Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return quoteList(s, ", ")
}

func required(f Field) string {
	if f.Required {
		return ", required"
	}
	return ""
}

func values(f Field) string {
	if len(f.Values) == 0 {
		return ""
	}
	return " [" + strings.Join(f.Values, ", ") + "]"
}

// retentionText is a retention as a change names it.
func retentionText(r Retention) string {
	if r.IsZero() {
		return "none (kept for ever)"
	}
	return r.String()
}

func retentionNote(r Retention) string {
	if r.IsZero() {
		return ""
	}
	return " (retention " + r.String() + ")"
}
