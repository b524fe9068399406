package vault

import (
	"errors"
	"sync/atomic"
	"testing"
)

// secondReadFails is a FormSource whose form bad loads once (the check)
// and fails the second time (as a form file changed under the seal would).
type secondReadFails struct {
	forms []*Form
	bad   int
	reads atomic.Int32
}

var errChanged = errors.New("form changed")

func (s *secondReadFails) Len() int { return len(s.forms) }

func (s *secondReadFails) Form(i int) (*Form, error) {
	if i == s.bad && s.reads.Add(1) == 2 {
		return nil, errChanged
	}
	return s.forms[i], nil
}

// A form that fails on its second reading stops the seal there: the
// records before it are committed and returned, none after it is, and
// the failure is recorded. Twenty forms on at most four goroutines reuse
// every result slot several times.
func TestSealFromStopsAtFormThatFailsLater(t *testing.T) {
	f := newFixture(t, 1)
	src := &secondReadFails{bad: 13}
	for range 20 {
		src.forms = append(src.forms, f.exampleForm("bulk"))
	}
	f.as("olena", func(v *member) {
		before := listCount(t, v)
		res, err := v.SealFrom(ctx, src)
		if !errors.Is(err, errChanged) {
			t.Fatalf("SealFrom: %v, want the source's error", err)
		}
		if len(res) != 13 {
			t.Fatalf("SealFrom returned %d records, want the 13 before the failing form", len(res))
		}
		if n := listCount(t, v); n != before+13 {
			t.Fatalf("List: %d records, want %d", n, before+13)
		}
		for i, r := range res {
			if _, err := v.Show(ctx, r.ID); err != nil {
				t.Errorf("record %d (%s): %v", i, r.ID, err)
			}
		}
	})
}

// Every form is read twice, in order of need: once by the check and once
// by its record, so a bulk intake holds only the forms in flight.
func TestSealFromReadsEachFormTwice(t *testing.T) {
	f := newFixture(t, 1)
	src := &countingSource{}
	for range 9 {
		src.forms = append(src.forms, f.exampleForm("bulk"))
	}
	src.reads = make([]atomic.Int32, len(src.forms))
	f.as("olena", func(v *member) {
		if _, err := v.SealFrom(ctx, src); err != nil {
			t.Fatal(err)
		}
	})
	for i := range src.reads {
		if n := src.reads[i].Load(); n != 2 {
			t.Errorf("form %d was read %d times, want 2", i, n)
		}
	}
}

type countingSource struct {
	forms []*Form
	reads []atomic.Int32
}

func (s *countingSource) Len() int { return len(s.forms) }

func (s *countingSource) Form(i int) (*Form, error) {
	s.reads[i].Add(1)
	return s.forms[i], nil
}
