package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/csvsafe"
	"github.com/tvault/tvault/vault"
)

// hostile is what a record sealed by an older tvault, or forged by someone
// with the vault folder, may carry now that seal refuses it: terminal
// escapes (clear the line, carriage return, set the title), a bidi
// override, a newline that would forge a row.
var hostile = vault.Listing{
	ID:       "rec\x1b]0;owned\a",
	SealedAt: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
	SealedBy: "olena\x1b[2K\rsealed by iryna",
	Public: map[string]any{
		"region": "Kyiv\u202e oblast",
		"topics": []any{"a;b", "c\nd"},
	},
	Classes: []string{"testimony\x1b[8m"},
}

// terminalSafe fails if out holds anything text.Escape would have escaped,
// other than the line ends (and the tabwriter's spaces) the printer put
// there itself.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\a", "\r", "\u202e", "\t"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s prints %q raw:\n%q", what, bad, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 2 && what == "list" {
		t.Errorf("list printed %d lines, want 2 (a header and one row):\n%s", n, out)
	}
}

func TestListTableEscapes(t *testing.T) {
	var out, errs bytes.Buffer
	e := &env{stdout: &out, stderr: &errs}
	if err := writeListTable(e, []vault.Listing{hostile}, []string{"region", "topics"}); err != nil {
		t.Fatal(err)
	}
	terminalSafe(t, "list", out.String())
	if head, _, _ := strings.Cut(out.String(), "\n"); strings.Contains(head, `\t`) || !strings.Contains(head, "REGION") || !strings.Contains(head, "TOPICS") {
		t.Errorf("list's header row is %q, want the columns REGION and TOPICS apart", head)
	}
	for _, want := range []string{`olena\x1b[2K\rsealed by iryna`, `Kyiv\u202e oblast`, `["a;b","c\nd"]`, `rec\x1b]0;owned\a`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list does not show %s:\n%s", want, out.String())
		}
	}
}

func TestShowEscapes(t *testing.T) {
	var out bytes.Buffer
	info := &vault.RecordInfo{Listing: hostile, Signature: "valid\x1b[1A", PolicyVersion: 1, SealEntry: 3,
		HeaderDigest: "sha256:00\x1b[2J", Parts: []vault.PartInfo{{Class: "identity\u2066", Epoch: 1, Threshold: 1}}}
	if err := writeShow(&out, info); err != nil {
		t.Fatal(err)
	}
	terminalSafe(t, "show", out.String())
	if n := strings.Count(out.String(), "\n"); n != 7 {
		t.Errorf("show printed %d lines, want 7:\n%s", n, out.String())
	}
}

// TestListCSV: to a file or a pipe, CSV keeps every cell exactly (after
// csvsafe.Unescape), lists as JSON arrays; to a terminal it is escaped.
func TestListCSV(t *testing.T) {
	var out bytes.Buffer
	if err := writeListCSV(&out, []vault.Listing{hostile}, []string{"region", "topics"}, false); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows[1] {
		rows[1][i] = csvsafe.Unescape(rows[1][i])
	}
	want := []string{hostile.ID, "2024-03-01T12:00:00Z", hostile.SealedBy, "Kyiv\u202e oblast", `["a;b","c\nd"]`, `["testimony\u001b[8m"]`}
	if !slices.Equal(rows[1], want) {
		t.Errorf("CSV row = %q\nwant      %q", rows[1], want)
	}

	out.Reset()
	if err := writeListCSV(&out, []vault.Listing{hostile}, []string{"region", "topics"}, true); err != nil {
		t.Fatal(err)
	}
	terminalSafe(t, "list --csv on a terminal", out.String())
}

func TestErrorsEscaped(t *testing.T) {
	var errs bytes.Buffer
	e := &env{stderr: &errs}
	e.fail(withHint(errors.New("record \"x\x1b[2J\" sealed by\nolena\u202e"), "try \x07 again"))
	e.note("skipped class %s", "identity\x1b[8m")
	out := errs.String()
	for _, bad := range []string{"\x1b", "\a", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("stderr holds %q raw:\n%q", bad, out)
		}
	}
	if !strings.Contains(out, "sealed by\nolena\\u202e") {
		t.Errorf("a message of two lines should stay two lines:\n%s", out)
	}
}

func TestEscapePolicy(t *testing.T) {
	plain := "name = \"x\"\r\n\tdescription = \"Документи\" # note\n"
	if got := escapePolicy(plain); got != plain {
		t.Errorf("escapePolicy changed plain text: %q", got)
	}
	old := "# \u202e hidden\r\npurposes = [\"a\u200f\"]\n"
	want := "# \\u202e hidden\r\npurposes = [\"a\\u200f\"]\n"
	if got := escapePolicy(old); got != want {
		t.Errorf("escapePolicy(%q) = %q, want %q", old, got, want)
	}
}
