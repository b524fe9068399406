package policy

import (
	"crypto/ed25519"
	"slices"
	"strings"
)

// Member returns the member called name.
func (p *Policy) Member(name string) (Member, bool) {
	for _, m := range p.Members {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// MemberBySigningKey returns the member whose signing key is pub.
func (p *Policy) MemberBySigningKey(pub ed25519.PublicKey) (Member, bool) {
	for _, m := range p.Members {
		if m.SigningPublicKey.Equal(pub) {
			return m, true
		}
	}
	return Member{}, false
}

// MemberByRecipient returns the member whose age recipient is r, in any
// letter case (Bech32 is case-insensitive).
func (p *Policy) MemberByRecipient(r string) (Member, bool) {
	r = strings.ToLower(r)
	for _, m := range p.Members {
		if m.Recipient == r {
			return m, true
		}
	}
	return Member{}, false
}

// May reports whether the member called member holds a role that can take
// action a. It is false for unknown members and unknown actions: deny by
// default.
func (p *Policy) May(member string, a Action) bool {
	m, ok := p.Member(member)
	if !ok {
		return false
	}
	for _, r := range m.Roles {
		if slices.Contains(p.Roles[r].Can, a) {
			return true
		}
	}
	return false
}

// Holders returns the members whose roles decrypt class, in policy order:
// the members its slot secrets are wrapped to. It is empty for an unknown
// class, including "public", which needs no key.
func (p *Policy) Holders(class string) []Member {
	var hs []Member
	for _, m := range p.Members {
		if p.decrypts(m, class) {
			hs = append(hs, m)
		}
	}
	return hs
}

// Decryptable returns the sorted names of the classes the member called
// member may decrypt; nil for an unknown member.
func (p *Policy) Decryptable(member string) []string {
	m, ok := p.Member(member)
	if !ok {
		return nil
	}
	var cs []string
	for _, c := range p.ClassNames() {
		if p.decrypts(m, c) {
			cs = append(cs, c)
		}
	}
	return cs
}

func (p *Policy) decrypts(m Member, class string) bool {
	for _, r := range m.Roles {
		if slices.Contains(p.Roles[r].Decrypt, class) {
			return true
		}
	}
	return false
}

// ClassNames returns the names of the policy's classes, sorted. The built-in
// "public" is not among them.
func (p *Policy) ClassNames() []string {
	return sortedKeys(p.Classes)
}

// Threshold returns how many holders must take part to decrypt one record of
// class: 1 unless the policy sets it, 0 for an unknown class.
func (p *Policy) Threshold(class string) int {
	return p.Classes[class].Threshold
}

// Warnings lists non-fatal findings: each class with a holder whose recipient
// is classic X25519, naming the class and those members. Such a class's slot
// secrets are only as safe as X25519 against a future quantum computer,
// whatever the slot keys are. A holder with a hardware key (an age plugin
// recipient) gets a warning of its own: no such plugin is post-quantum, but
// a key that cannot be copied off a token may be worth it. The list is
// sorted by line.
func (p *Policy) Warnings() []Problem {
	var ws Problems
	for _, name := range p.ClassNames() {
		var classic, hardware, plugins []string
		for _, m := range p.Holders(name) {
			switch {
			case m.Plugin != "":
				hardware = append(hardware, m.Name)
				if !slices.Contains(plugins, "age-plugin-"+m.Plugin) {
					plugins = append(plugins, "age-plugin-"+m.Plugin)
				}
			case !m.PostQuantum:
				classic = append(classic, m.Name)
			}
		}
		line := p.lines.line("classes", name)
		if len(classic) > 0 {
			ws = append(ws, Problem{Line: line, Name: "class " + quote(name),
				Msg: "held by " + quoteList(classic, " and ") + " with classic X25519 keys: " +
					"its records are only as safe as X25519 against a future quantum computer; " +
					"give them post-quantum keys (age1pq1…)",
			})
		}
		if len(hardware) > 0 {
			ws = append(ws, Problem{Line: line, Name: "class " + quote(name),
				Msg: "held by " + quoteList(hardware, " and ") + " with hardware keys (" + strings.Join(plugins, ", ") +
					") that are not post-quantum: its records are only as safe as those keys against a future " +
					"quantum computer; keep them if a stolen laptop is the greater risk, or give them post-quantum keys (age1pq1…)",
			})
		}
	}
	ws.sort()
	return ws
}
