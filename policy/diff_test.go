package policy

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDiff: each kind of change comes out as one readable line, holders by
// class; an identical policy has none.
func TestDiff(t *testing.T) {
	data, err := os.ReadFile("testdata/policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	old, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(old, old); len(d) != 0 {
		t.Errorf("Diff of a policy with itself: %v", d)
	}
	s := string(data)
	edit := func(from, to string) {
		t.Helper()
		if !strings.Contains(s, from) {
			t.Fatalf("no %q in the policy", from)
		}
		s = strings.Replace(s, from, to, 1)
	}
	edit("name = \"mykola\"\nroles = [\"analyst\"]", "name = \"mykola\"\nroles = [\"legal\"]")
	edit("name = \"taras\"\nroles = [\"legal\"]", "name = \"taras\"\nroles = [\"analyst\"]")
	edit("[public.region]\ntype = \"text\"\n", "[public.region]\ntype = \"text\"\nrequired = true\n")
	edit("[public.topics]", "[public.district]\ntype = \"text\"\n\n[public.topics]")
	edit("name = \"incommunicado-detention-2024\"\n", "name = \"incommunicado-detention-2024\"\npurposes = [\"research\"]\n")
	p, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range Diff(old, p) {
		got = append(got, c.Kind+" "+c.Class+" "+c.Subject+": "+c.Text)
	}
	want := []string{
		`member-roles  mykola: member "mykola": roles "analyst" -> "legal"`,
		`member-roles  taras: member "taras": roles "legal" -> "analyst"`,
		`holder-added identity mykola: class "identity": "mykola" now holds its keys`,
		`holder-removed identity taras: class "identity": "taras" no longer holds its keys`,
		`purpose-added  research: purpose "research" added`,
		`field-added  district: public field "district" added (text)`,
		`field-changed  region: public field "region" changed: text -> text, required`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
