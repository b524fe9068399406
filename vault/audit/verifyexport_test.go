package audit

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// The exportVerifier moves through its states one line at a time, ends
// in the state the input ends in, and keeps its first error.
func TestExportVerifierStates(t *testing.T) {
	l, b := buildLog(t, 5)
	g := lines(export(t, l, b, ExportOptions{}))
	feed := func(v *exportVerifier, ls []string) error {
		for _, line := range ls {
			if err := v.feed([]byte(strings.TrimSuffix(line, "\n"))); err != nil {
				return err
			}
		}
		return nil
	}

	// A whole export: header, keys, entries, checkpoint, done.
	v := newExportVerifier(0)
	for i, want := range []exportState{expectKeys, expectEarlier, expectEntries, expectEntries, expectEntries, expectEntries, expectEntries, done} {
		if err := feed(v, g[i:i+1]); err != nil || v.state != want {
			t.Fatalf("after line %d: state %d, error %v; want state %d", i+1, v.state, err, want)
		}
	}
	sum, err := v.finish()
	want, _ := VerifyExport(strings.NewReader(strings.Join(g, "")))
	if err != nil || !reflect.DeepEqual(sum, want) {
		t.Errorf("finish: %v, %v; want %v", sum, err, want)
	}

	// The end of the input in each state.
	for _, tc := range []struct {
		n    int // lines fed
		want string
	}{
		{0, "export is empty"},
		{1, "keys missing"},
		{2, "checkpoint missing"},
		{4, "checkpoint missing"},
	} {
		v := newExportVerifier(0)
		if err := feed(v, g[:tc.n]); err != nil {
			t.Fatal(err)
		}
		_, err := v.finish()
		var te *TamperError
		if !errors.As(err, &te) || te.Reason != tc.want || te.Line != tc.n+1 {
			t.Errorf("end after %d lines: %+v, want %q at line %d", tc.n, err, tc.want, tc.n+1)
		}
	}

	// Anything after the checkpoint, a second checkpoint included, and
	// the first error is final.
	for _, extra := range []string{g[len(g)-1], g[2], "\n"} {
		v := newExportVerifier(0)
		err := feed(v, append(append([]string(nil), g...), extra))
		if err == nil || err.Error() != "line 9: data after the checkpoint" || v.state != failed {
			t.Errorf("%q after the checkpoint: %v", extra, err)
		}
		if err2 := v.feed([]byte(g[0])); err2 != err {
			t.Errorf("feed after an error: %v", err2)
		}
		if _, err2 := v.finish(); err2 != err {
			t.Errorf("finish after an error: %v", err2)
		}
		if err2 := v.abort(io.ErrUnexpectedEOF); err2 != err {
			t.Errorf("abort after an error: %v", err2)
		}
	}
}

// An error reading the input is returned as is, unless an entry before it
// has a bad signature, which comes first.
func TestExportVerifierReadError(t *testing.T) {
	l, b := buildLog(t, 5)
	g := lines(export(t, l, b, ExportOptions{}))
	boom := errors.New("boom")
	for _, n := range []int{0, 1, 2, 4, len(g)} {
		r := io.MultiReader(strings.NewReader(strings.Join(g[:n], "")), iotest.ErrReader(boom))
		if _, err := VerifyExport(r); err != boom {
			t.Errorf("read error after %d lines: %v", n, err)
		}
	}
	bad := reencode(t, g[3], func(e *Entry) { e.Sig = b64(make([]byte, 64)) })
	r := io.MultiReader(strings.NewReader(g[0]+g[1]+g[2]+bad+g[4]), iotest.ErrReader(boom))
	if _, err := VerifyExport(r); err == nil || err.Error() != "entry 1: signature does not verify" {
		t.Errorf("read error after a bad signature: %v", err)
	}
}
