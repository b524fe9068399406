package policy

import (
	"strings"
	"testing"
)

// TestTextIsData: text in a policy — its name, a description, a purpose, an
// enum value, a card_sig, a comment — may hold no control character (ESC,
// BEL, a stray carriage return), bidi override or isolate, or other
// invisible format character; each is a problem on its line naming the
// field. TOML escapes ("\u001b", "\u202e") are caught after decoding, the
// characters themselves on the raw line too.
func TestTextIsData(t *testing.T) {
	for _, tc := range []struct {
		desc string
		edit edit
		line int
		name string
		msg  string
	}{
		{"ESC in the name", replace(`name = "test"`, `name = "te\u001b[2Jst"`),
			1, "name", "the name contains U+001B (a control character) at byte 2"},
		{"bidi override in the name", replace(`name = "test"`, "name = \"te\u202est\""),
			1, "name", "the name contains U+202E (a bidirectional control character)"},
		{"BEL in a description", replace(`description = "t"`, `description = "t\u0007"`),
			4, `class "testimony"`, "description contains U+0007"},
		{"isolate in a description", replace(`description = "i"`, "description = \"i\u2066\""),
			7, `class "identity"`, "description contains U+2066"},
		{"escape in an enum value", replace(`values = ["pow", "civilian"]`, `values = ["pow", "civ\u001b]0;x\u0007ilian"]`),
			19, `public field "category"`, `value "civ\x1b]0;x\ailian" contains U+001B`},
		{"zero-width space in an enum value", replace(`values = ["pow", "civilian"]`, "values = [\"pow\", \"civ\u200bilian\"]"),
			19, `public field "category"`, "U+200B (an invisible format character)"},
		{"newline in a purpose", replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\", \"a\\nsealed by iryna\"]\n"),
			2, "purposes", `purpose "a\nsealed by iryna" contains U+000A`},
		{"bidi mark in a purpose", replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\u200f\"]\n"),
			2, "purposes", "U+200F (a bidirectional control character)"},
		{"escape in a card_sig", replace(`signing_key = "ED2"`, "signing_key = \"ED2\"\ncard_sig = \"\\u001b[31m\""),
			42, `member "taras"`, "card_sig contains U+001B"},
		{"bidi override in a comment", replace("[roles.admin]", "# admins \u202e nimda\n[roles.admin]"),
			10, "", "this line contains U+202E (a bidirectional control character) at byte 9"},
		{"carriage return alone (TOML refuses it too)", replace("[roles.admin]", "# a\rb\n[roles.admin]"),
			10, "", "carriage returns are not allowed"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ps := mustProblems(t, testPolicy(t, tc.edit))
			if len(ps) != 1 {
				t.Errorf("want one problem, got %d:\n%v", len(ps), ps)
			}
			p := ps[0]
			if p.Line != tc.line || p.Name != tc.name || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("got %+v\nwant line %d, name %q, msg containing %q", p, tc.line, tc.name, tc.msg)
			}
			if strings.ContainsAny(p.String(), "\x1b\a\r\u202e\u2066\u200b\u200f") {
				t.Errorf("the problem carries the character itself: %q", p.String())
			}
		})
	}
}

// TestTextAllowed: living scripts, a multi-line description, tabs, Windows
// line ends and the joiners ZWNJ and ZWJ are text, not control.
func TestTextAllowed(t *testing.T) {
	src := testPolicy(t,
		replace(`name = "test"`, "name = \"Документація — مستندات\"\t# tab before a comment"),
		replace(`description = "t"`, "description = \"\"\"\nРедаговані стенограми\nمی\u200cخواهم\n\"\"\""),
		replace(`values = ["pow", "civilian"]`, `values = ["pow", "цивільний"]`),
	)
	src = strings.ReplaceAll(src, "\n", "\r\n")
	if _, err := Parse([]byte(src)); err != nil {
		t.Fatal(err)
	}
}

// TestParseStoredKeepsOlderVaults: a policy version an older tvault stored
// with a bidi mark in a description or purpose still parses with
// ParseStored (the team keeps its vault), while Parse refuses it; a control
// character in the name or a purpose stays refused by both, as before.
func TestParseStoredKeepsOlderVaults(t *testing.T) {
	old := testPolicy(t,
		replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\u200f\"]\n# \u202e a comment\n"),
		replace(`description = "t"`, "description = \"t\u202e\""))
	if _, err := Parse([]byte(old)); err == nil {
		t.Error("Parse accepted a bidi override")
	}
	p, err := ParseStored([]byte(old))
	if err != nil {
		t.Fatalf("ParseStored: %v", err)
	}
	if p.Purposes[0] != "research\u200f" || p.Classes["testimony"].Description != "t\u202e" {
		t.Errorf("ParseStored changed the text: %q, %q", p.Purposes, p.Classes["testimony"].Description)
	}
	for _, e := range []edit{
		replace(`name = "test"`, `name = "te\u001bst"`),
		replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"a\\nb\"]\n"),
	} {
		if _, err := ParseStored([]byte(testPolicy(t, e))); err == nil {
			t.Error("ParseStored accepted a control character the older rule refused")
		}
	}
}
