package policy

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// decodePublic decodes a form as the vault does and returns its [public].
func decodePublic(t *testing.T, form string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := toml.Unmarshal([]byte(form), &doc); err != nil {
		t.Fatal(err)
	}
	pub, _ := doc["public"].(map[string]any)
	return pub
}

func TestValidatePublicExampleForm(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	form, err := os.ReadFile("testdata/form.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.ValidatePublic(decodePublic(t, string(form)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"category":    "pow-family",
		"region":      "Kharkiv oblast",
		"interviewed": "2024-05",
		"language":    "uk",
		"topics":      []string{"incommunicado", "denial-of-medical-care"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ValidatePublic = %#v, want %#v", got, want)
	}
}

func TestValidatePublicGood(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	for _, tc := range []struct {
		desc, form string
		want       map[string]any
	}{
		{"required only", `[public]
category = "civilian"`, map[string]any{"category": "civilian"}},
		{"Cyrillic text", `[public]
category = "pow"
region = "Харківська область"
topics = ["катування", "зникнення"]`, map[string]any{
			"category": "pow",
			"region":   "Харківська область",
			"topics":   []string{"катування", "зникнення"},
		}},
		{"empty list", `[public]
category = "pow"
topics = []`, map[string]any{"category": "pow", "topics": []string{}}},
		{"text of exactly 1024 bytes", "[public]\ncategory = \"pow\"\nregion = \"" + strings.Repeat("я", 512) + "\"",
			map[string]any{"category": "pow", "region": strings.Repeat("я", 512)}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := p.ValidatePublic(decodePublic(t, tc.form))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestValidatePublicBad(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	for _, tc := range []struct {
		desc, form string
		field      string // the field named
		msg        string // part of the message
	}{
		{"unlisted field", "category = \"pow\"\ninterviewee = \"Олена Петренко\"",
			"interviewee", "not in the policy's public schema"},
		{"unlisted field close to a listed one", "category = \"pow\"\nregoin = \"Kyiv\"",
			"regoin", `did you mean "region"?`},
		{"day-precise month as a TOML date", "category = \"pow\"\ninterviewed = 2024-05-03",
			"interviewed", "a day is precise enough to re-identify"},
		{"day-precise month as a string", "category = \"pow\"\ninterviewed = \"2024-05-03\"",
			"interviewed", "a day is precise enough to re-identify"},
		{"month as a date-time", "category = \"pow\"\ninterviewed = 2024-05-03T10:00:00",
			"interviewed", "a day is precise enough to re-identify"},
		{"month as an offset date-time", "category = \"pow\"\ninterviewed = 2024-05-03T10:00:00Z",
			"interviewed", "a day is precise enough to re-identify"},
		{"month out of range", "category = \"pow\"\ninterviewed = \"2024-13\"",
			"interviewed", `must be a month as YYYY-MM, not "2024-13"`},
		{"month without zero", "category = \"pow\"\ninterviewed = \"2024-5\"",
			"interviewed", "must be a month as YYYY-MM"},
		{"month as a number", "category = \"pow\"\ninterviewed = 202405",
			"interviewed", "not a whole number"},
		{"unknown enum value", "category = \"prisoner\"",
			"category", `"prisoner" is not one of the values "pow", "pow-family"`},
		{"enum value of the wrong case", "category = \"POW\"",
			"category", `"POW" is not one of`},
		{"missing required", "region = \"Kyiv\"",
			"category", "missing: the policy requires it"},
		{"empty required", "category = \"\"",
			"category", "not one of the values"},
		{"text as a number", "category = \"pow\"\nregion = 3",
			"region", "must be text, not a whole number"},
		{"text as a list", "category = \"pow\"\nregion = [\"Kyiv\"]",
			"region", "must be text, not a list"},
		{"text as a table", "category = \"pow\"\nregion = {name = \"Kyiv\"}",
			"region", "must be text, not a table"},
		{"text too long", "category = \"pow\"\nregion = \"" + strings.Repeat("я", 513) + "\"",
			"region", "1026 bytes long, more than the 1024 allowed"},
		{"list as a string", "category = \"pow\"\ntopics = \"torture\"",
			"topics", "must be a list of strings, not a string"},
		{"list of numbers", "category = \"pow\"\ntopics = [\"torture\", 2]",
			"topics", "item 2: must be text, not a whole number"},
		{"list item too long", "category = \"pow\"\ntopics = [\"" + strings.Repeat("x", 1025) + "\"]",
			"topics", "item 1: is 1025 bytes long"},
		{"enum as a boolean", "category = true",
			"category", "must be one of the values"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			out, err := p.ValidatePublic(decodePublic(t, "[public]\n"+tc.form))
			if out != nil {
				t.Errorf("returned values with an error: %v", out)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %v is not Problems", err)
			}
			for _, p := range ps {
				if p.Name == "public field "+quote(tc.field) && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("want a problem naming %q with %q, got:\n%v", tc.field, tc.msg, ps)
		})
	}
}

func TestValidatePublicAllProblems(t *testing.T) {
	p := parseFile(t, "testdata/policy.toml")
	_, err := p.ValidatePublic(decodePublic(t, `[public]
dob = 1990-01-01
interviewed = 2024-05-03
topics = 7
`))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v is not Problems", err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	want := []string{`public field "dob"`, `public field "interviewed"`, `public field "topics"`, `public field "category"`}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("problems name %q, want %q:\n%v", names, want, ps)
	}
}

func TestValidatePublicNonUTF8(t *testing.T) {
	// go-toml never produces invalid UTF-8, but a caller building the map by
	// hand could.
	p := parseFile(t, "testdata/policy.toml")
	for _, pub := range []map[string]any{
		{"category": "pow", "region": "Ky\xffiv"},
		{"category": "pow", "topics": []any{"ok", "\xc3"}},
		{"category": "pow", "topics": []string{"\xc3"}},
	} {
		_, err := p.ValidatePublic(pub)
		if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("ValidatePublic(%q) = %v, want a UTF-8 problem", pub, err)
		}
	}
	_, err := p.ValidatePublic(map[string]any{"category": "pow", "\xff": "x"})
	if err == nil || strings.Contains(err.Error(), "\xff") {
		t.Errorf("a non-UTF-8 field name must be refused and quoted: %q", err)
	}
}

func TestValidatePublicDateAndConsent(t *testing.T) {
	src := testPolicy(t,
		replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"research\", \"prosecution\"]\n"),
		replace("[public.interviewed]", "[public.born]\ntype = \"date\"\n\n[public.interviewed]"))
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.ValidatePublic(decodePublic(t, `[public]
category = "pow"
born = 1998-04-02
consent = ["research"]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"category": "pow", "born": "1998-04-02", "consent": []string{"research"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	for form, msg := range map[string]string{
		`born = "1998-04-31"`:         `must be a date as YYYY-MM-DD, not "1998-04-31"`,
		`born = "1998-04"`:            "must be a date as YYYY-MM-DD",
		`born = 1998-04-02T10:00:00Z`: "without a time",
		`consent = ["marketing"]`:     `item 1: "marketing" is not one of "research" or "prosecution"`,
		`consent = "research"`:        "must be a list of strings",
	} {
		_, err := p.ValidatePublic(decodePublic(t, "[public]\ncategory = \"pow\"\n"+form))
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %q", form, err, msg)
		}
	}

	// Without purposes, consent is an ordinary, unlisted name.
	p = parseFile(t, "testdata/policy.toml")
	if _, err := p.ValidatePublic(map[string]any{"category": "pow", "consent": []any{"research"}}); err == nil {
		t.Error("consent accepted by a policy without purposes")
	}
}
