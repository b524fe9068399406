package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	good := map[string]string{"1y": "1y", "10y": "10y", "100y": "100y", "18m": "18m", "1200m": "1200m", "90d": "90d", "36525d": "36525d", "1d": "1d"}
	for in, want := range good {
		r, err := ParseRetention(in)
		if err != nil || r.String() != want || r.IsZero() {
			t.Errorf("ParseRetention(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"", "y", "0y", "00y", "01y", "101y", "1201m", "36526d", "-1y", "+1y", "1.5y", "1 y", " 1y", "1y ",
		"1Y", "1w", "1h", "1y6m", "P10Y", "9999999y", "1e3d", "١y", "1y\n", "10"} {
		if r, err := ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) = %v, want an error", in, r)
		} else if strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("ParseRetention(%q): the error %q is not one line", in, err)
		}
	}
}

func TestRetentionExpires(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct{ r, sealed, expires string }{
		{"1y", "2024-02-29", "2025-03-01"},
		{"10y", "2014-05-06", "2024-05-06"},
		{"1m", "2024-02-29", "2024-03-29"},
		{"18m", "2024-01-15", "2025-07-15"},
		{"90d", "2024-01-01", "2024-03-31"},
	}
	for _, c := range cases {
		r, err := ParseRetention(c.r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Expires(day(c.sealed)); !got.Equal(day(c.expires)) {
			t.Errorf("%s from %s expires %s, want %s", c.r, c.sealed, got.Format(time.DateOnly), c.expires)
		}
		if r.Expired(day(c.sealed), day(c.expires).Add(-time.Nanosecond)) || !r.Expired(day(c.sealed), day(c.expires)) {
			t.Errorf("%s from %s: expired is wrong around %s", c.r, c.sealed, c.expires)
		}
	}
	var forever Retention
	if forever.Expired(day("1900-01-01"), day("2200-01-01")) || !forever.Expires(day("2000-01-01")).IsZero() {
		t.Error("the zero Retention expires")
	}
}

// TestMayShorten compares retentions, including the conservative case of
// days against calendar periods, whose answer must be true whenever some
// sealing day makes the new one expire first.
func TestMayShorten(t *testing.T) {
	cases := []struct {
		old, new string
		want     bool
	}{
		{"", "10y", true}, {"10y", "", false}, {"10y", "10y", false}, {"10y", "5y", true}, {"5y", "10y", false},
		{"1y", "12m", false}, {"1y", "11m", true}, {"13m", "1y", true}, {"90d", "89d", true}, {"89d", "90d", false},
		{"1y", "360d", true}, {"1y", "365d", true}, {"1y", "400d", false}, {"365d", "1y", true}, {"300d", "1y", false},
		{"31d", "1m", true}, {"27d", "1m", false},
	}
	for _, c := range cases {
		var old, new Retention
		if c.old != "" {
			old = mustRetention(t, c.old)
		}
		if c.new != "" {
			new = mustRetention(t, c.new)
		}
		if got := MayShorten(old, new); got != c.want {
			t.Errorf("MayShorten(%q, %q) = %v, want %v", c.old, c.new, got, c.want)
		}
	}
	// Checked against the calendar: over every sealing day of 400 years, if
	// new ever expires before old, MayShorten must say so.
	for _, c := range [][2]string{{"1y", "366d"}, {"1y", "365d"}, {"1m", "28d"}, {"1m", "31d"}, {"365d", "12m"}, {"366d", "1y"}, {"28d", "1m"}, {"100y", "36524d"}} {
		old, new := mustRetention(t, c[0]), mustRetention(t, c[1])
		shorter := false
		for d := time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC); d.Year() < 2400; d = d.AddDate(0, 0, 1) {
			if new.Expires(d).Before(old.Expires(d)) {
				shorter = true
				break
			}
		}
		if shorter && !MayShorten(old, new) {
			t.Errorf("%s -> %s expires sooner on some day, but MayShorten says no", c[0], c[1])
		}
	}
}

func mustRetention(t *testing.T, s string) Retention {
	t.Helper()
	r, err := ParseRetention(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPolicyRetention(t *testing.T) {
	src := testPolicy(t, replace("description = \"i\"\n", "description = \"i\"\nretention = \"10y\"\n"))
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Retention("identity").String(); got != "10y" {
		t.Errorf("identity's retention is %q, want 10y", got)
	}
	if !p.Retention("testimony").IsZero() || !p.Retention("nosuch").IsZero() {
		t.Error("a class without retention has one")
	}
	for _, bad := range []struct{ value, msg string }{
		{`"0y"`, "positive whole number"},
		{`"200y"`, "at most 100 years"},
		{`"1y6m"`, "a number and a unit"},
		{`10`, "must be a string"},
	} {
		src := testPolicy(t, replace("description = \"i\"\n", "description = \"i\"\nretention = "+bad.value+"\n"))
		_, err := Parse([]byte(src))
		var ps Problems
		if !errors.As(err, &ps) || len(ps) != 1 {
			t.Errorf("retention = %s: got %v, want one problem", bad.value, err)
			continue
		}
		if ps[0].Line != lineOf(src, "retention =") || ps[0].Name != `class "identity"` || !strings.Contains(ps[0].Msg, bad.msg) {
			t.Errorf("retention = %s: got %v, want line %d, class \"identity\", %q", bad.value, ps[0], lineOf(src, "retention ="), bad.msg)
		}
	}
}

func TestDiffRetention(t *testing.T) {
	parse := func(retention string) *Policy {
		edits := []edit{}
		if retention != "" {
			edits = append(edits, replace("description = \"i\"\n", "description = \"i\"\nretention = \""+retention+"\"\n"))
		}
		p, err := Parse([]byte(testPolicy(t, edits...)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		old, new, text string
		shortens       bool
	}{
		{"", "10y", `class "identity": retention none (kept for ever) -> 10y`, true},
		{"10y", "5y", `class "identity": retention 10y -> 5y`, true},
		{"5y", "10y", `class "identity": retention 5y -> 10y`, false},
		{"10y", "", `class "identity": retention 10y -> none (kept for ever)`, false},
	}
	for _, c := range cases {
		ch := Diff(parse(c.old), parse(c.new))
		if len(ch) != 1 || ch[0].Kind != "class-retention" || ch[0].Subject != "identity" || ch[0].Text != c.text || ch[0].Shortens != c.shortens {
			t.Errorf("%q -> %q: got %+v, want one class-retention %q (shortens %v)", c.old, c.new, ch, c.text, c.shortens)
		}
	}
	if ch := Diff(parse("10y"), parse("10y")); len(ch) != 0 {
		t.Errorf("the same retention is a change: %+v", ch)
	}
}

// FuzzParseRetention: whatever the input, ParseRetention either fails with
// a one-line error or returns a bounded, positive period that prints back
// as the input, and whose expiry from any sealing time is later, and
// within 100 years and a day.
func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"10y", "18m", "90d", "100y", "1200m", "36525d", "0y", "101y", "1y6m", "", "d", "01d", "９y"} {
		f.Add(s)
	}
	sealed := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRetention(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error %q", err)
			}
			return
		}
		if r.IsZero() || r.String() != s {
			t.Fatalf("ParseRetention(%q) = %q", s, r)
		}
		exp := r.Expires(sealed)
		if !exp.After(sealed) || exp.After(sealed.AddDate(100, 0, 1)) {
			t.Fatalf("%s from %s expires %s", s, sealed, exp)
		}
	})
}
