//go:build !windows

package main

import (
	"os"
	"strings"
	"testing"
)

// TestBrokenPipe: "tvault list | head -1" where head has gone: tvault
// stops at the first failed write and exits 141 (128 + SIGPIPE, what a
// shell reports for a writer whose pipe closed) with nothing on stderr —
// the reader chose to stop. A seal whose ids nobody read still says, in
// one line, that the record was sealed. Before, SIGPIPE killed the process
// in the middle of the command, the vault still open.
func TestBrokenPipe(t *testing.T) {
	f := newCLIFixture(t)
	closedPipe := func() *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		t.Cleanup(func() { w.Close() })
		return w
	}
	for _, args := range [][]string{
		{"list", "-i", f.key("olena")},
		{"list", "--json", "-i", f.key("olena")},
		{"cat", f.rec, "testimony/interview.opus", "-i", f.key("mykola")},
		{"audit", "export", "-i", f.key("taras")},
	} {
		stderr, code := f.b.runTo(closedPipe(), args...)
		if code != 141 || stderr != "" {
			t.Errorf("%v | (closed): exit %d, want 141 and nothing on stderr, got:\n%s", args, code, stderr)
		}
	}
	stderr, code := f.b.runTo(closedPipe(), "seal", f.form, "-i", f.key("olena"))
	if code != 141 || strings.Count(stderr, "\n") != 1 ||
		!strings.Contains(stderr, "tvault: standard output was closed before tvault finished; the record was sealed all the same") {
		t.Errorf("seal | (closed): exit %d, want 141 and one line saying the record was sealed, got:\n%s", code, stderr)
	}
}
