package policy

import (
	"errors"
	"strings"
	"testing"
)

// policyTemplate is a small valid policy; "PQ0", "X0", "ED0"… stand for the
// test keys. Its line numbers are part of the tests below.
const policyTemplate = `name = "test"

[classes.testimony]
description = "t"

[classes.identity]
description = "i"
threshold = 2

[roles.admin]
can = ["policy", "audit"]

[roles.legal]
decrypt = ["testimony", "identity"]
can = ["erase"]

[public.category]
type = "enum"
values = ["pow", "civilian"]
required = true

[public.interviewed]
type = "month"

[[members]]
name = "admin-kyiv"
roles = ["admin"]
recipient = "PQ0"
signing_key = "ED0"

[[members]]
name = "iryna"
roles = ["legal"]
recipient = "PQ1"
signing_key = "ED1"

[[members]]
name = "taras"
roles = ["legal"]
recipient = "X0"
signing_key = "ED2"
`

// edit changes the policy template before its keys are filled in.
type edit func(t testing.TB, s string) string

// replace replaces old, which must occur exactly once, with new.
func replace(old, new string) edit {
	return func(t testing.TB, s string) string {
		t.Helper()
		if n := strings.Count(s, old); n != 1 {
			t.Fatalf("edit: %q occurs %d times in the policy", old, n)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// truncate cuts the policy where at first occurs.
func truncate(at string) edit {
	return func(t testing.TB, s string) string {
		t.Helper()
		i := strings.Index(s, at)
		if i < 0 {
			t.Fatalf("edit: %q is not in the policy", at)
		}
		return s[:i]
	}
}

var testKeys = map[string]string{
	"PQ0": keyPQ0, "PQ1": keyPQ1, "PQ2": keyPQ2, "PQ3": keyPQ3, "PQ4": keyPQ4,
	"X0": keyX0, "X1": keyX1, "X2": keyX2,
	"ED0": keyEd0, "ED1": keyEd1, "ED2": keyEd2, "ED3": keyEd3,
	"ED4": keyEd4, "ED5": keyEd5, "ED6": keyEd6, "ED7": keyEd7,
}

// testPolicy returns the template with edits applied and keys filled in.
func testPolicy(t testing.TB, edits ...edit) string {
	t.Helper()
	s := policyTemplate
	for _, e := range edits {
		s = e(t, s)
	}
	for k, v := range testKeys {
		s = strings.ReplaceAll(s, `"`+k+`"`, `"`+v+`"`)
	}
	return s
}

// lineOf is the 1-based line where substr first occurs in s.
func lineOf(s, substr string) int {
	i := strings.Index(s, substr)
	if i < 0 {
		return 0
	}
	return strings.Count(s[:i], "\n") + 1
}

func mustProblems(t *testing.T, src string) Problems {
	t.Helper()
	p, err := Parse([]byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded, want problems")
	}
	if p != nil {
		t.Errorf("Parse returned a policy and an error")
	}
	var ps Problems
	if !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("Parse error %T %v is not Problems", err, err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Line < ps[i-1].Line {
			t.Errorf("problems not sorted by line:\n%v", ps)
		}
	}
	return ps
}

func TestTemplateParses(t *testing.T) {
	if _, err := Parse([]byte(testPolicy(t))); err != nil {
		t.Fatal(err)
	}
}

func TestParseProblems(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		edits []edit
		line  int
		name  string // Problem.Name
		msg   string // a part of Problem.Msg
	}{
		{"syntax error", []edit{replace(`description = "t"`, `description = "t`)},
			4, "", "syntax error"},
		{"duplicate key is a syntax error", []edit{replace(`threshold = 2`, "threshold = 2\nthreshold = 3")},
			9, `key "threshold"`, "syntax error: key threshold is already defined"},
		{"unknown top-level key", []edit{replace("name = \"test\"\n", "name = \"test\"\nretention = 3\n")},
			2, "", `unknown key "retention"`},
		{"unknown top-level table", []edit{replace("[classes.testimony]", "[retention]\ndays = 3\n\n[classes.testimony]")},
			3, "", `unknown key "retention"`},
		{"unknown key in class", []edit{replace(`description = "t"`, `descripton = "t"`)},
			4, `class "testimony"`, `unknown key "descripton" (did you mean "description"?)`},
		{"unknown key in role", []edit{replace(`decrypt = [`, `decrypts = [`)},
			14, `role "legal"`, `unknown key "decrypts" (did you mean "decrypt"?)`},
		{"unknown key in member", []edit{replace(`signing_key = "ED2"`, "signing_key = \"ED2\"\ncardsig = \"x\"")},
			42, `member "taras"`, `unknown key "cardsig"`},
		{"unknown key in public field", []edit{replace(`required = true`, `mandatory = true`)},
			20, `public field "category"`, `unknown key "mandatory"`},
		{"missing name", []edit{replace("name = \"test\"\n", "\n")},
			0, "name", "missing"},
		{"empty name", []edit{replace(`name = "test"`, `name = ""`)},
			1, "name", "must not be empty"},
		{"name not a string", []edit{replace(`name = "test"`, `name = 7`)},
			1, "name", "must be a string, not a whole number"},
		{"no classes", []edit{replace("[classes.testimony]\ndescription = \"t\"\n\n[classes.identity]\ndescription = \"i\"\nthreshold = 2\n", "classes = {}\n")},
			3, "classes", "none"},
		{"classes missing", []edit{replace("[classes.testimony]\ndescription = \"t\"\n\n[classes.identity]\ndescription = \"i\"\nthreshold = 2\n", "")},
			0, "classes", "none"},
		{"class not a table", []edit{
			replace("[classes.identity]\ndescription = \"i\"\nthreshold = 2\n", ""),
			replace("[classes.testimony]", "[classes]\nidentity = \"secret\"\n\n[classes.testimony]")},
			4, `class "identity"`, "must be a table, not a string"},
		{"invalid class name", []edit{replace(`[classes.identity]`, `[classes.Identity]`)},
			6, `class "Identity"`, "invalid class name"},
		{"class name too long", []edit{replace(`[classes.identity]`, `[classes.`+strings.Repeat("x", 33)+`]`)},
			6, `class "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"`, "invalid class name"},
		{"class public is reserved", []edit{replace(`[roles.admin]`, "[classes.public]\ndescription = \"p\"\n\n[roles.admin]")},
			10, `class "public"`, "built-in"},
		{"invalid role name", []edit{replace(`[roles.admin]`, `[roles."admin kyiv"]`)},
			10, `role "admin kyiv"`, "invalid role name"},
		{"invalid member name", []edit{replace(`name = "iryna"`, `name = "../iryna"`)},
			32, `member "../iryna"`, "invalid member name"},
		{"member name with a capital", []edit{replace(`name = "iryna"`, `name = "Iryna"`)},
			32, `member "Iryna"`, "invalid member name"},
		{"invalid public field name", []edit{replace(`[public.interviewed]`, `[public.interviewed_on_day-1_of_the_war_in_the_east]`)},
			22, `public field "interviewed_on_day-1_of_the_war_in_the_east"`, "invalid field name"},
		{"unknown class in decrypt", []edit{replace(`decrypt = ["testimony", "identity"]`, `decrypt = ["testimony", "identty"]`)},
			14, `role "legal"`, `unknown class "identty" in decrypt (did you mean "identity"?)`},
		{"public in decrypt", []edit{replace(`decrypt = ["testimony", "identity"]`, `decrypt = ["testimony", "identity", "public"]`)},
			14, `role "legal"`, `"public" needs no decrypt`},
		{"class twice in decrypt", []edit{replace(`decrypt = ["testimony", "identity"]`, "decrypt = [\n  \"testimony\",\n  \"identity\",\n  \"testimony\",\n]")},
			17, `role "legal"`, `class "testimony" is listed twice`},
		{"decrypt not a list", []edit{replace(`decrypt = ["testimony", "identity"]`, `decrypt = "testimony"`)},
			14, `role "legal"`, "decrypt must be a list of strings, not a string"},
		{"unknown action", []edit{replace(`can = ["erase"]`, "can = [\"erase\",\n  \"delete\"]")},
			16, `role "legal"`, `unknown action "delete"`},
		{"action not a string", []edit{replace(`can = ["erase"]`, `can = ["erase", 1]`)},
			15, `role "legal"`, "item 2 is a whole number"},
		{"member with no roles", []edit{replace(`roles = ["legal"]`+"\nrecipient = \"PQ1\"", `roles = []`+"\nrecipient = \"PQ1\"")},
			33, `member "iryna"`, "no roles"},
		{"member without roles", []edit{replace("name = \"iryna\"\nroles = [\"legal\"]\n", "name = \"iryna\"\n")},
			31, `member "iryna"`, "missing roles"},
		{"unknown role", []edit{replace(`roles = ["legal"]`+"\nrecipient = \"X0\"", `roles = ["lawyer"]`+"\nrecipient = \"X0\"")},
			39, `member "taras"`, `unknown role "lawyer"`},
		{"member without name", []edit{replace("name = \"taras\"\n", "")},
			37, "member #3", "missing name"},
		{"member without recipient", []edit{replace("recipient = \"X0\"\n", "")},
			37, `member "taras"`, "missing recipient"},
		{"member without signing key", []edit{replace("signing_key = \"ED2\"\n", "")},
			37, `member "taras"`, "missing signing_key"},
		{"duplicate member name", []edit{replace(`name = "taras"`, `name = "iryna"`)},
			38, `member "iryna"`, "defined twice (first at line 32)"},
		{"duplicate recipient", []edit{replace(`recipient = "X0"`, `recipient = "PQ1"`)},
			40, `member "taras"`, `same recipient as member "iryna"`},
		{"duplicate signing key", []edit{replace(`signing_key = "ED2"`, `signing_key = "ED0"`)},
			41, `member "taras"`, `same signing key as member "admin-kyiv"`},
		{"malformed X25519 recipient", []edit{replace(`recipient = "X0"`, `recipient = "age1notakey"`)},
			40, `member "taras"`, "not a valid X25519 age key"},
		{"malformed post-quantum recipient", []edit{replace(`recipient = "X0"`, `recipient = "`+keyPQ3[:len(keyPQ3)-1]+`q"`)},
			40, `member "taras"`, "not a valid post-quantum age key"},
		{"malformed plugin recipient", []edit{replace(`recipient = "X0"`, `recipient = "age1yubikey1qqqqq"`)},
			40, `member "taras"`, "not a valid age plugin recipient"},
		{"tag recipient", []edit{replace(`recipient = "X0"`, `recipient = "age1tag1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t"`)},
			40, `member "taras"`, "tag recipient"},
		{"ssh key as recipient", []edit{replace(`recipient = "X0"`, `recipient = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG"`)},
			40, `member "taras"`, "must be an age key"},
		{"placeholder recipient", []edit{replace(`recipient = "X0"`, `recipient = "age1pq1…"`)},
			40, `member "taras"`, "tvault keygen"},
		{"signing key without prefix", []edit{replace(`signing_key = "ED2"`, `signing_key = "`+strings.TrimPrefix(keyEd5, "ed25519:")+`"`)},
			41, `member "taras"`, `must start with "ed25519:"`},
		{"signing key too short", []edit{replace(`signing_key = "ED2"`, `signing_key = "ed25519:AAAA"`)},
			41, `member "taras"`, "must be 32 bytes, not 3"},
		{"signing key not base64", []edit{replace(`signing_key = "ED2"`, `signing_key = "ed25519:***"`)},
			41, `member "taras"`, "not valid standard base64"},
		{"signing key in URL base64", []edit{replace(`signing_key = "ED2"`, `signing_key = "ed25519:_-8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`)},
			41, `member "taras"`, "not valid standard base64"},
		{"class no role decrypts", []edit{replace(`decrypt = ["testimony", "identity"]`, `decrypt = ["testimony"]`)},
			6, `class "identity"`, "no role can decrypt it"},
		{"class without holders", []edit{
			replace(`decrypt = ["testimony", "identity"]`, `decrypt = ["testimony"]`),
			replace("[roles.admin]", "[roles.keeper]\ndecrypt = [\"identity\"]\n\n[roles.admin]")},
			6, `class "identity"`, `has no holders: no member has role "keeper"`},
		{"threshold below 1", []edit{replace(`threshold = 2`, `threshold = 0`)},
			8, `class "identity"`, "threshold must be at least 1"},
		{"threshold not a number", []edit{replace(`threshold = 2`, `threshold = "2"`)},
			8, `class "identity"`, "threshold must be a whole number, not a string"},
		{"threshold above holders", []edit{replace(`threshold = 2`, `threshold = 3`)},
			8, `class "identity"`, `threshold 3 is more than its 2 holders ("iryna" and "taras")`},
		{"unknown field type", []edit{replace(`type = "month"`, `type = "datetime"`)},
			23, `public field "interviewed"`, `unknown type "datetime"`},
		{"field without type", []edit{replace("type = \"month\"\n", "required = false\n")},
			22, `public field "interviewed"`, "missing type"},
		{"enum without values", []edit{replace("values = [\"pow\", \"civilian\"]\n", "")},
			17, `public field "category"`, "an enum needs values"},
		{"enum with empty values", []edit{replace(`values = ["pow", "civilian"]`, `values = []`)},
			19, `public field "category"`, "at least one value"},
		{"enum with duplicate values", []edit{replace(`values = ["pow", "civilian"]`, `values = ["pow", "civilian", "pow"]`)},
			19, `public field "category"`, `value "pow" is listed twice`},
		{"values on a non-enum", []edit{replace("type = \"month\"\n", "type = \"month\"\nvalues = [\"2024-05\"]\n")},
			24, `public field "interviewed"`, "values are only for enum fields, not month"},
		{"required not a boolean", []edit{replace(`required = true`, `required = "yes"`)},
			20, `public field "category"`, "required must be true or false"},
		{"duplicate purposes", []edit{replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\", \"court\", \"research\"]\n")},
			2, "purposes", `purpose "research" is listed twice`},
		{"purposes not strings", []edit{replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\", 2024-05-01]\n")},
			2, "purposes", "purposes must be a list of strings, but item 2 is a date"},
		{"empty purpose", []edit{replace("name = \"test\"\n", "name = \"test\"\npurposes = [\" \"]\n")},
			2, "purposes", "must not be empty"},
		{"consent is built in with purposes", []edit{
			replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\"]\n"),
			replace("[public.interviewed]", "[public.consent]\ntype = \"list\"\n\n[public.interviewed]")},
			23, `public field "consent"`, "built in"},
		{"nobody may change the policy", []edit{replace(`can = ["policy", "audit"]`, `can = ["audit"]`)},
			0, "roles", `no member has a role that can "policy"`},
		{"no members", []edit{truncate("[[members]]")},
			0, "members", "none"},
		{"members as a table", []edit{truncate("[[members]]"), func(t testing.TB, s string) string {
			return s + "[members.iryna]\nroles = [\"legal\"]\n"
		}},
			25, "members", "must be a list of [[members]] tables, not a table"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ps := mustProblems(t, testPolicy(t, tc.edits...))
			for _, p := range ps {
				if p.Line == tc.line && p.Name == tc.name && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("want a problem {line %d, name %s, msg containing %q}, got:\n%v", tc.line, tc.name, tc.msg, ps)
		})
	}
}

func TestParseAllProblemsAtOnce(t *testing.T) {
	src := testPolicy(t,
		replace("name = \"test\"\n", "naem = \"test\"\n"),                                          // 1: unknown key, and name missing
		replace(`threshold = 2`, `threshold = 0`),                                                  // 8
		replace(`can = ["policy", "audit"]`, `can = ["admin", "audit"]`),                           // 11: unknown action; nobody may change the policy
		replace(`decrypt = ["testimony", "identity"]`, `decrypt = ["testimony", "identity", "x"]`), // 14
		replace(`type = "month"`, `type = "day"`),                                                  // 23
		replace(`roles = ["admin"]`, `roles = ["admin", "boss"]`),                                  // 27
		replace(`signing_key = "ED1"`, `signing_key = "ED0"`),                                      // 35
		replace(`name = "taras"`, `name = "Taras"`),                                                // 38
		replace(`recipient = "X0"`, `recipient = "PQ0"`),                                           // 40
	)
	ps := mustProblems(t, src)
	type want struct {
		line int
		name string
		msg  string
	}
	wants := []want{
		{0, "name", "missing"},
		{0, "roles", `can "policy"`},
		{1, "", `unknown key "naem" (did you mean "name"?)`},
		{8, `class "identity"`, "at least 1"},
		{11, `role "admin"`, `unknown action "admin"`},
		{14, `role "legal"`, `unknown class "x"`},
		{23, `public field "interviewed"`, `unknown type "day"`},
		{27, `member "admin-kyiv"`, `unknown role "boss"`},
		{35, `member "iryna"`, `same signing key as member "admin-kyiv"`},
		{38, `member "Taras"`, "invalid member name"},
		{40, `member "Taras"`, `same recipient as member "admin-kyiv"`},
	}
	if len(ps) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), len(wants), ps)
	}
	for i := 0; i < len(ps) && i < len(wants); i++ {
		p, w := ps[i], wants[i]
		if p.Line != w.line || p.Name != w.name || !strings.Contains(p.Msg, w.msg) {
			t.Errorf("problem %d = %v, want {%d %s …%s…}", i, p, w.line, w.name, w.msg)
		}
	}
	// Error lists every problem, one a line.
	if got := strings.Count(ps.Error(), "\n") + 1; got != len(ps) {
		t.Errorf("Error() has %d lines for %d problems", got, len(ps))
	}
}

func TestSyntaxErrorStops(t *testing.T) {
	// Many problems, but the syntax error comes first and alone.
	src := "name = 1\nroles = 2\n[classes.x\n"
	ps := mustProblems(t, src)
	if len(ps) != 1 || ps[0].Line != 3 || !strings.HasPrefix(ps[0].Msg, "syntax error") {
		t.Errorf("problems = %v, want one syntax error on line 3", ps)
	}
	if strings.Contains(ps[0].String(), "\n") {
		t.Errorf("syntax error spans lines: %q", ps[0].String())
	}
}

// TestLinesInlineAndDotted checks that problems are located in the other ways
// TOML allows the same document to be written.
func TestLinesInlineAndDotted(t *testing.T) {
	src := testPolicy(t,
		replace("[classes.identity]\ndescription = \"i\"\nthreshold = 2\n",
			"[classes]\nidentity.description = \"i\"\nidentity.threshold = 9\n"),
		truncate("[[members]]"),
		replace("name = \"test\"\n", `name = "test"
members = [
  { name = "admin-kyiv", roles = ["admin"], recipient = "PQ0", signing_key = "ED0" },
  { name = "iryna", roles = ["legal"], recipient = "PQ1", signing_key = "ED1" },
  { name = "taras",
    roles = ["legal", "clerk"],
    recipient = "X0", signing_key = "ED2" },
]
`))
	ps := mustProblems(t, src)
	want := []string{
		`line 6: member "taras": unknown role "clerk"`,
		`line 15: class "identity": threshold 9 is more than its 2 holders ("iryna" and "taras")`,
	}
	if len(ps) != len(want) {
		t.Fatalf("problems:\n%v\nwant:\n%s", ps, strings.Join(want, "\n"))
	}
	for i, w := range want {
		if ps[i].String() != w {
			t.Errorf("problem %d = %q, want %q", i, ps[i], w)
		}
	}
}

func TestNamesAreQuoted(t *testing.T) {
	// A name with a newline or terminal escape cannot break a report line.
	src := testPolicy(t, replace(`roles = ["admin"]`, `roles = ["admin", "x\n\u001b[2Jy"]`),
		replace(`[roles.admin]`, "[roles.\"a\\nb\"]\ncan = [\"seal\"]\n\n[roles.admin]"))
	ps := mustProblems(t, src)
	if len(ps) != 2 {
		t.Fatalf("problems = %v", ps)
	}
	for _, p := range ps {
		if s := p.String(); strings.ContainsAny(s, "\n\x1b") {
			t.Errorf("problem %q contains a control character", s)
		}
	}
}

func TestMemberSubjectWhenNameIsBad(t *testing.T) {
	src := testPolicy(t, replace(`name = "taras"`, `name = 5`))
	ps := mustProblems(t, src)
	found := false
	for _, p := range ps {
		if p.Name == "member #3" && p.Line == 38 && strings.Contains(p.Msg, "name must be a string") {
			found = true
		}
	}
	if !found {
		t.Errorf("problems = %v", ps)
	}
}
