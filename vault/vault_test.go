package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/blobs/mem"
)

// TestTeamOfFive walks the example team through one record at the library
// level: admin-kyiv initialises, olena seals, everyone lists and shows,
// mykola (analyst) opens testimony only, iryna (legal) opens everything,
// olena and admin-kyiv can open nothing.
func TestTeamOfFive(t *testing.T) {
	f := newFixture(t, 1)
	form := f.exampleForm("c5")
	formDir := filepath.Dir(formClass(form, "testimony").Files[0].Path)
	original := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(formDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	var id string
	f.as("olena", func(v *member) {
		res := seal(t, v, form)
		id = res[0].ID
		if !ValidID(id) {
			t.Fatalf("seal returned id %q", id)
		}
		if want := []string{"identity", "testimony"}; !slices.Equal(res[0].Classes, want) || res[0].Attachments != 4 {
			t.Errorf("seal result = %+v, want classes %v and 4 attachments", res[0], want)
		}
	})
	f.as("admin-kyiv", func(v *member) {
		if _, err := v.Seal(ctx, []*Form{form}); !errors.Is(err, ErrDenied) {
			t.Errorf("admin-kyiv (no seal action) Seal: err = %v, want ErrDenied", err)
		}
	})

	for _, name := range []string{"admin-kyiv", "olena", "mykola", "iryna", "taras"} {
		f.as(name, func(v *member) {
			ls, err := v.List(ctx, ListFilter{})
			if err != nil {
				t.Fatalf("%s List: %v", name, err)
			}
			if len(ls) != 1 || ls[0].ID != id || ls[0].SealedBy != "olena" || ls[0].Public["category"] != "pow-family" ||
				!slices.Equal(ls[0].Classes, []string{"identity", "testimony"}) {
				t.Errorf("%s List = %+v", name, ls)
			}
			ls, err = v.List(ctx, ListFilter{Where: []Condition{{"topics", "incommunicado"}}})
			if err != nil || len(ls) != 1 {
				t.Errorf("%s List where topics=incommunicado: %d records, err %v", name, len(ls), err)
			}
			ls, err = v.List(ctx, ListFilter{Where: []Condition{{"region", "Odesa oblast"}}})
			if err != nil || len(ls) != 0 {
				t.Errorf("%s List where region=Odesa oblast: %d records, err %v", name, len(ls), err)
			}
			info, err := v.Show(ctx, id)
			if err != nil {
				t.Fatalf("%s Show: %v", name, err)
			}
			if info.Signature != "valid" || info.SealedBy != "olena" || len(info.Parts) != 2 || info.PolicyVersion != 1 {
				t.Errorf("%s Show = %+v", name, info)
			}
		})
	}

	f.as("mykola", func(v *member) {
		out := f.mkdir("out")
		rep, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out})
		if err != nil {
			t.Fatalf("mykola Open: %v", err)
		}
		if len(rep.Opened) != 1 || rep.Opened[0].Class != "testimony" {
			t.Errorf("mykola opened %+v, want testimony only", rep.Opened)
		}
		if len(rep.Skipped) != 1 || rep.Skipped[0].Class != "identity" || rep.Skipped[0].Reason == "" {
			t.Errorf("mykola skipped %+v, want identity with a reason", rep.Skipped)
		}
		files := treeFiles(t, out)
		slices.Sort(files)
		want := []string{"testimony/fields.json", "testimony/interview.opus", "testimony/transcript-redacted.txt"}
		if !slices.Equal(files, want) {
			t.Errorf("mykola's output = %v, want %v", files, want)
		}
		for _, n := range []string{"interview.opus", "transcript-redacted.txt"} {
			sameFile(t, filepath.Join(out, "testimony", n), original(n))
		}

		out2 := f.mkdir("out")
		_, err = v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out2, Classes: []string{"identity"}})
		var de *DeniedError
		if !errors.Is(err, ErrDenied) || !errors.As(err, &de) {
			t.Errorf("mykola Open identity: err = %v, want a *DeniedError", err)
		}
		if files := treeFiles(t, out2); len(files) != 0 {
			t.Errorf("a denied open wrote %v", files)
		}
		if err := v.Cat(ctx, id, "identity", "transcript-full.txt", &bytes.Buffer{}, CatOptions{Length: -1}); !errors.Is(err, ErrDenied) {
			t.Errorf("mykola Cat identity: err = %v, want ErrDenied", err)
		}
	})

	f.as("iryna", func(v *member) {
		out := f.mkdir("out")
		rep, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out, Purpose: "case file"})
		if err != nil {
			t.Fatalf("iryna Open: %v", err)
		}
		if len(rep.Opened) != 2 || len(rep.Skipped) != 0 {
			t.Errorf("iryna's report = %+v, want two classes opened", rep)
		}
		for class, names := range map[string][]string{
			"testimony": {"transcript-redacted.txt", "interview.opus"},
			"identity":  {"consent-form.jpg", "transcript-full.txt"},
		} {
			for _, n := range names {
				sameFile(t, filepath.Join(out, class, n), original(n))
			}
			b, err := os.ReadFile(filepath.Join(out, class, "fields.json"))
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]any
			if err := json.Unmarshal(b, &fields); err != nil {
				t.Fatalf("%s/fields.json: %v", class, err)
			}
			if want := formClass(form, class).Fields; !reflect.DeepEqual(fields, want) {
				t.Errorf("%s/fields.json = %v, want %v", class, fields, want)
			}
		}
	})

	for _, name := range []string{"olena", "admin-kyiv"} {
		f.as(name, func(v *member) {
			out := f.mkdir("out")
			if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out}); !errors.Is(err, ErrDenied) {
				t.Errorf("%s Open: err = %v, want ErrDenied", name, err)
			}
			if files := treeFiles(t, out); len(files) != 0 {
				t.Errorf("%s's denied open wrote %v", name, files)
			}
		})
	}
}

// formClass returns the class table of form (zero if absent).
func formClass(form *Form, class string) FormClass {
	for _, c := range form.Classes {
		if c.Class == class {
			return c
		}
	}
	return FormClass{}
}

// TestCatRanges reads a 3 MiB attachment whole and in ranges that start and
// end on both sides of age's 64 KiB chunks and the store's 1 MiB chunks.
func TestCatRanges(t *testing.T) {
	const size = 3 << 20
	f := newFixture(t, 1)
	data := pseudoRandom(size, 3)
	form := f.customForm(publicTOML+"[testimony]\nfiles = [\"big.bin\"]\n", map[string][]byte{"big.bin": data})
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })

	f.as("mykola", func(v *member) {
		var buf bytes.Buffer
		if err := v.Cat(ctx, id, "testimony", "big.bin", &buf, CatOptions{Length: -1}); err != nil {
			t.Fatalf("Cat: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("Cat returned %d bytes that differ from the original", buf.Len())
		}

		const k64, m1 = 64 << 10, 1 << 20
		type rng struct{ off, n int64 }
		cases := []rng{
			{0, 0}, {0, 1}, {0, k64}, {0, k64 + 1}, {1, -1}, {7, 0},
			{k64 - 1, 2}, {k64, k64}, {k64 + 1, 3*k64 + 5},
			{m1 - 1, 2}, {m1, 1}, {m1 - 100, k64 + 200}, {m1 + 1, m1},
			{2*m1 - k64/2, m1 + k64}, {size - k64 - 1, k64 + 1}, {size - 1, 1},
			{size - 1, -1}, {size - 10, 1000}, {size, -1}, {size, 5},
			{0, -1}, {5, math.MaxInt64},
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range 6 {
			off := r.Int64N(size)
			cases = append(cases, rng{off, r.Int64N(2 * m1)})
		}
		for _, c := range cases {
			buf.Reset()
			if err := v.Cat(ctx, id, "testimony", "big.bin", &buf, CatOptions{Offset: c.off, Length: c.n}); err != nil {
				t.Errorf("Cat offset %d length %d: %v", c.off, c.n, err)
				continue
			}
			end := int64(size)
			if c.n > 0 && c.n < end-c.off { // a length of 0 or less means to the end
				end = c.off + c.n
			}
			if !bytes.Equal(buf.Bytes(), data[c.off:end]) {
				t.Errorf("Cat offset %d length %d: %d bytes, want bytes %d..%d of the original", c.off, c.n, buf.Len(), c.off, end)
			}
		}

		for _, off := range []int64{-1, size + 1} {
			var ie *InputError
			if err := v.Cat(ctx, id, "testimony", "big.bin", &buf, CatOptions{Offset: off, Length: -1}); !errors.As(err, &ie) {
				t.Errorf("Cat offset %d: err = %v, want *InputError", off, err)
			}
		}
		if err := v.Cat(ctx, id, "testimony", "nope.bin", &buf, CatOptions{Length: -1}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Cat of a missing attachment: err = %v, want ErrNotFound", err)
		}
		if err := v.Cat(ctx, id, "identity", "big.bin", &buf, CatOptions{Length: -1}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Cat of a class the record lacks: err = %v, want ErrNotFound", err)
		}
	})
}

// TestThreshold: with identity at threshold 2, one legal member alone cannot
// unmask a record, but still opens its testimony.
func TestThreshold(t *testing.T) {
	f := newFixture(t, 2)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("th"))[0].ID })

	f.as("iryna", func(v *member) {
		if p, _ := v.Policy(); p.Threshold("identity") != 2 || p.Threshold("testimony") != 1 {
			t.Errorf("policy thresholds: identity %d, testimony %d", p.Threshold("identity"), p.Threshold("testimony"))
		}
		info, err := v.Show(ctx, id)
		if err != nil {
			t.Fatalf("Show: %v", err)
		}
		for _, p := range info.Parts {
			want := map[string]int{"identity": 2, "testimony": 1}[p.Class]
			if p.Threshold != want {
				t.Errorf("part %s has threshold %d, want %d", p.Class, p.Threshold, want)
			}
		}

		out := f.mkdir("out")
		_, err = v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out, Classes: []string{"identity"}})
		var de *DeniedError
		if !errors.As(err, &de) || !errors.Is(err, ErrDenied) || !strings.Contains(de.Reason, "unmask") {
			t.Fatalf("iryna Open identity: err = %v, want a denial mentioning unmask", err)
		}
		if files := treeFiles(t, out); len(files) != 0 {
			t.Errorf("a denied open wrote %v", files)
		}

		rep, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out})
		if err != nil {
			t.Fatalf("iryna Open: %v", err)
		}
		if len(rep.Opened) != 1 || rep.Opened[0].Class != "testimony" {
			t.Errorf("opened %+v, want testimony", rep.Opened)
		}
		if len(rep.Skipped) != 1 || rep.Skipped[0].Class != "identity" || !strings.Contains(rep.Skipped[0].Reason, "unmask") {
			t.Errorf("skipped %+v, want identity with a reason mentioning unmask", rep.Skipped)
		}
		if _, err := os.Stat(filepath.Join(out, "identity")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("identity folder: %v, want it absent", err)
		}
		if err := v.Cat(ctx, id, "identity", "transcript-full.txt", &bytes.Buffer{}, CatOptions{Length: -1}); !errors.Is(err, ErrDenied) {
			t.Errorf("iryna Cat identity: err = %v, want ErrDenied", err)
		}
	})
}

// TestBulkSeal seals 20 forms in one call, then shows that one bad form
// among many seals none of them.
func TestBulkSeal(t *testing.T) {
	f := newFixture(t, 1)
	forms := make([]*Form, 20)
	for i := range forms {
		forms[i] = f.exampleForm("bulk")
	}
	f.as("olena", func(v *member) {
		res := seal(t, v, forms...)
		seen := map[string]bool{}
		for _, r := range res {
			if !ValidID(r.ID) || seen[r.ID] {
				t.Errorf("id %q is invalid or repeated", r.ID)
			}
			seen[r.ID] = true
		}
		if n := listCount(t, v); n != 20 {
			t.Fatalf("List after the bulk seal: %d records, want 20", n)
		}
		blobs := len(blobIDs(t, v))

		bad := []*Form{
			f.customForm("[public]\ncategory = \"pow\"\ninterviewee = \"x\"\n[testimony]\nsummary = \"s\"\n", nil),
			f.customForm(publicTOML+"[testimony]\nfiles = [\"missing.opus\"]\n", nil),
			f.customForm(publicTOML+"[diary]\nsummary = \"s\"\n", nil),
		}
		for i, b := range bad {
			batch := append(append(slices.Clone(forms[:10]), b), forms[10:]...)
			res, err := v.Seal(ctx, batch)
			var ie *InputError
			if !errors.As(err, &ie) || len(res) != 0 {
				t.Errorf("bad form %d: Seal = %d results, err %v; want none and an *InputError", i, len(res), err)
			}
		}
		if n := listCount(t, v); n != 20 {
			t.Errorf("List after refused seals: %d records, want 20", n)
		}
		if n := len(blobIDs(t, v)); n != blobs {
			t.Errorf("refused seals left %d blobs, want %d", n, blobs)
		}
	})
}

// TestRecordIDValidation: a path-like id never reaches the store; a
// well-formed unknown id is not found.
func TestRecordIDValidation(t *testing.T) {
	f := newFixture(t, 1)
	f.as("iryna", func(v *member) {
		out := f.mkdir("out")
		for _, id := range []string{"../../etc", "", "AAAAAAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaaaaaaa/", "aaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaa"} {
			var ie *InputError
			if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out}); !errors.As(err, &ie) {
				t.Errorf("Open(%q): err = %v, want *InputError", id, err)
			}
			if _, err := v.Show(ctx, id); !errors.As(err, &ie) {
				t.Errorf("Show(%q): err = %v, want *InputError", id, err)
			}
			if err := v.Cat(ctx, id, "testimony", "x", &bytes.Buffer{}, CatOptions{Length: -1}); !errors.As(err, &ie) {
				t.Errorf("Cat(%q): err = %v, want *InputError", id, err)
			}
		}
		const unknown = "abcdefghijklmnopqrst"
		if !ValidID(unknown) {
			t.Fatal("test id is not valid")
		}
		if _, err := v.OpenRecord(ctx, unknown, OpenRecordOptions{Dir: out}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(unknown): err = %v, want ErrNotFound", err)
		}
		if _, err := v.Show(ctx, unknown); !errors.Is(err, ErrNotFound) {
			t.Errorf("Show(unknown): err = %v, want ErrNotFound", err)
		}
		if err := v.Cat(ctx, unknown, "testimony", "x", &bytes.Buffer{}, CatOptions{Length: -1}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Cat(unknown): err = %v, want ErrNotFound", err)
		}
		if files := treeFiles(t, out); len(files) != 0 {
			t.Errorf("failed opens wrote %v", files)
		}
	})
}

// TestOpenNeverOverwrites: a file already at an output path is kept as it
// was, the open fails, and no temporary file is left.
func TestOpenNeverOverwrites(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("ow"))[0].ID })
	f.as("iryna", func(v *member) {
		out := f.mkdir("out")
		if err := os.MkdirAll(filepath.Join(out, "testimony"), 0o700); err != nil {
			t.Fatal(err)
		}
		existing := filepath.Join(out, "testimony", "interview.opus")
		keep := []byte("the researcher's own notes, not to be lost")
		if err := os.WriteFile(existing, keep, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out})
		if err == nil {
			t.Fatal("Open over an existing file succeeded")
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("err = %v, want *InputError", err)
		}
		sameFile(t, existing, keep)
		noPartials(t, out)

		// fields.json is taken the same way.
		out2 := f.mkdir("out")
		if err := os.MkdirAll(filepath.Join(out2, "identity"), 0o700); err != nil {
			t.Fatal(err)
		}
		fj := filepath.Join(out2, "identity", "fields.json")
		if err := os.WriteFile(fj, keep, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out2}); err == nil {
			t.Fatal("Open over an existing fields.json succeeded")
		}
		sameFile(t, fj, keep)
		noPartials(t, out2)
	})
}

// TestInitAppliesPolicyCheck: Init refuses what policy check refuses, a
// forged card_sig included (an input error naming the member), and leaves
// no vault behind.
func TestInitAppliesPolicyCheck(t *testing.T) {
	team, err := testkit.NewTeam(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	sig := func(name string) string {
		m := regexp.MustCompile(`(?s)name = "` + name + `".*?card_sig = "([^"]+)"`).FindSubmatch(team.Policy)
		if m == nil {
			t.Fatalf("no card_sig for %s in the team's policy", name)
		}
		return string(m[1])
	}
	forged := bytes.Replace(team.Policy, []byte(sig("olena")), []byte(sig("mykola")), 1)
	if _, err := CheckPolicy(forged); err == nil {
		t.Fatal("CheckPolicy accepted a forged card_sig")
	}
	dir := filepath.Join(t.TempDir(), "vault")
	v, err := Init(dir, team.Get("admin-kyiv").Identity, forged, Options{Blobs: mem.New()})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `member "olena"`) {
		t.Fatalf("Init with a forged card_sig: %v, want an input error naming olena", err)
	}
	if v != nil {
		v.Close()
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Init left %s behind: %v", dir, err)
	}
}

// TestConcurrentActors: one open Vault serves several members at once (as
// a team server will): seals, lists and shows from several goroutines
// interleave, and the audit log still holds every entry exactly once and
// verifies.
func TestConcurrentActors(t *testing.T) {
	f := newFixture(t, 1)
	v, err := Open(f.dir, f.options())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	olena, iryna := as(v, f.team.Get("olena").Identity), as(v, f.team.Get("iryna").Identity)
	before := logSize(t, olena)
	const rounds = 6
	var wg sync.WaitGroup
	errs := make(chan error, 64*rounds)
	for g := range 2 {
		wg.Go(func() {
			for i := range rounds {
				form := f.customForm(publicTOML+"[testimony]\nsummary = \"s\"\n", nil)
				if _, err := olena.Seal(ctx, []*Form{form}); err != nil {
					errs <- fmt.Errorf("seal %d/%d: %w", g, i, err)
				}
			}
		})
	}
	for g := range 4 {
		wg.Go(func() {
			for i := range 4 * rounds {
				ls, err := iryna.List(ctx, ListFilter{})
				if err != nil {
					errs <- fmt.Errorf("list %d/%d: %w", g, i, err)
					continue
				}
				for _, l := range ls[:min(len(ls), 2)] {
					if _, err := iryna.Show(ctx, l.ID); err != nil {
						errs <- fmt.Errorf("show %s: %w", l.ID, err)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := listCount(t, iryna); n != 2*rounds {
		t.Fatalf("%d records listed, want %d", n, 2*rounds)
	}
	sum, err := iryna.VerifyAudit(ctx, audit.VerifyOptions{})
	if err != nil {
		t.Fatalf("audit log after concurrent use: %v", err)
	}
	// At least the seals and the lists are on record (the shows too).
	if sum.TreeSize <= before+3*rounds {
		t.Errorf("audit tree of %d entries after %d concurrent operations", sum.TreeSize, 3*rounds)
	}
}

// TestOpenInterrupted: an open whose context is cancelled while it writes
// leaves no byte of plaintext in the output folder; and the staging folder
// a killed open left behind (which no signal handler could remove) is
// removed, and counted, by the next open into the same folder.
func TestOpenInterrupted(t *testing.T) {
	f := newFixture(t, 1)
	const canary = "INTERRUPTED-OPEN-CANARY"
	big := bytes.Repeat([]byte(canary+"\n"), (12<<20)/(len(canary)+1))
	form := f.customForm(publicTOML+"[testimony]\nsummary = \""+canary+"\"\nfiles = [\"big.txt\"]\n", map[string][]byte{"big.txt": big})
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })
	f.as("iryna", func(v *member) {
		out := f.mkdir("out")
		cctx, cancel := context.WithCancel(ctx)
		// Cancel once plaintext has started to reach the staging folder.
		go func() {
			for cctx.Err() == nil {
				filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
					if fi, ierr := os.Stat(p); err == nil && ierr == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
						cancel()
					}
					return nil
				})
			}
		}()
		_, err := v.OpenRecord(cctx, id, OpenRecordOptions{Dir: out})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted open: err = %v, want context.Canceled", err)
		}
		if got := findNeedle(t, out, canary); len(got) > 0 {
			t.Fatalf("plaintext left after an interrupted open: %v", got)
		}

		// A staging folder as a killed open leaves it.
		left := filepath.Join(out, stagingPrefix+"123")
		os.MkdirAll(filepath.Join(left, "testimony"), 0o700)
		os.WriteFile(filepath.Join(left, "testimony", "fields.json"), []byte(canary), 0o600)
		rep, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out, Classes: []string{"testimony"}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Leftovers != 1 {
			t.Errorf("Leftovers = %d, want 1", rep.Leftovers)
		}
		if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the killed open's staging folder is still there: %v", err)
		}
	})
}
