package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/store"
)

// SealResult describes one sealed record.
type SealResult struct {
	ID          string   `json:"id"`
	Classes     []string `json:"classes"`
	Attachments int      `json:"attachments"`
	Bytes       int64    `json:"bytes"`
}

// Limits of one seal commit: records, and inline blob bytes held in memory.
const (
	maxRecordsPerCommit = 32
	maxPendingBytes     = 16 << 20
)

type checkedForm struct {
	form   *Form
	public map[string]any
	bytes  int64 // attachment content, for progress
	sealed int64 // a bound on what its attachments take stored (sealedSize)
}

// FormSource yields the forms of one seal by position, 0 to Len()-1. Seal
// asks for every form twice: first to check them all before anything is
// sealed, then each again as its record is prepared. A bulk intake thus
// holds in memory only the forms being sealed, whatever their number. Form
// is called from several goroutines at once, and must return the same form
// both times: a source that reads files refuses one that changed in
// between.
type FormSource interface {
	Len() int
	Form(i int) (*Form, error)
}

// Forms is a FormSource over forms parsed already.
type Forms []*Form

func (fs Forms) Len() int                  { return len(fs) }
func (fs Forms) Form(i int) (*Form, error) { return fs[i], nil }

// Seal seals every form, in order, and returns the new records. All forms
// are checked first — schema, classes, attachments — and if any is wrong
// nothing is sealed. A record becomes visible only when its header, DEK
// wraps, index entries and audit entry commit together, after all its
// ciphertext is stored. When ctx is cancelled, the records already
// committed stay (they are returned with the error) and what the record in
// progress stored is removed.
func (a *Actor) Seal(ctx context.Context, forms []*Form) ([]SealResult, error) {
	return a.SealFrom(ctx, Forms(forms))
}

// SealFrom is Seal over a FormSource: what a bulk intake of many form
// files uses, so that its memory does not grow with their number. A form
// that fails to load or check on the second reading stops the seal there,
// as an attachment that changed does, after the records before it.
func (a *Actor) SealFrom(ctx context.Context, src FormSource) ([]SealResult, error) {
	if err := a.authorize("seal", policy.ActionSeal); err != nil {
		return nil, err
	}
	// A record sealed "before" the vault existed would read as forged.
	if now := a.v.now(); now.Before(a.v.origin.created) {
		return nil, fmt.Errorf("this computer's clock (%s) is behind the time this vault was created (%s): set the clock right, then seal again", formatTime(now), formatTime(a.v.origin.created))
	}
	var epochs map[string]*keys.Epoch
	err := a.v.view(func(t *store.Txn) (err error) {
		epochs, err = a.v.currentEpochs(t)
		return err
	})
	if err != nil {
		return nil, err
	}
	total, err := a.v.checkForms(src, epochs)
	if err != nil {
		return nil, err
	}
	s := &sealer{a: a, ctx: ctx, src: src, epochs: epochs, prog: newProgress(a.v.opts.Progress, total)}
	if err := s.run(src.Len()); err != nil {
		// Recorded whatever the cause, an attachment that changed since
		// it was checked included; the detail is only its kind.
		entry := audit.Entry{Action: "seal", Outcome: audit.OutcomeError, Detail: failureDetail(err)}
		if aerr := a.record(entry); aerr != nil {
			return s.out, errors.Join(err, aerr)
		}
		return s.out, err
	}
	return s.out, nil
}

// checkForms checks every form of src — against the policy, the classes'
// keys and the free space their records need — keeping none of them, and
// returns the bytes of all their attachments. The records are prepared on
// several goroutines, which wrap DEKs to the same epochs: their recipients
// are parsed here, once.
func (v *Vault) checkForms(src FormSource, epochs map[string]*keys.Epoch) (int64, error) {
	var total, need int64
	for i := range src.Len() {
		cf, err := v.loadForm(src, i, true)
		if err != nil {
			return 0, err
		}
		total += cf.bytes
		need += cf.sealed
		for _, c := range cf.form.Classes {
			if epochs[c.Class] == nil {
				return 0, &NoKeysError{Class: c.Class}
			}
			if err := epochs[c.Class].ParseRecipients(); err != nil {
				return 0, err
			}
		}
	}
	// Ciphertext is the padded content plus 16 bytes per 64 KiB and an age
	// header per blob (sealedSize), and each record's manifests, header
	// and wraps.
	if err := v.st.CheckFreeSpace(need + int64(src.Len())*64<<10); err != nil {
		return 0, err
	}
	return total, nil
}

// loadForm gets form i of src and checks it; files as for checkForm. The
// second reading leaves the attachments to openAttachment, which confines
// them to the form's folder as it opens them.
func (v *Vault) loadForm(src FormSource, i int, files bool) (checkedForm, error) {
	f, err := src.Form(i)
	if err != nil {
		return checkedForm{}, err
	}
	return v.checkForm(f, files)
}

// sealWorkers is how many records a seal prepares at once (encrypts,
// stores, wraps): the cores, up to four. Records still commit one batch
// after another, in the order of the forms. (A variable: a test that
// swaps a file between two forms' preparations needs them one by one.)
var sealWorkers = func() int { return min(runtime.GOMAXPROCS(0), 4) }

// prepared is the outcome of preparing one record.
type prepared struct {
	r   *preparedRecord
	err error
}

// run prepares the records on sealWorkers goroutines and commits them in
// order, as add does: the first form that fails, in order, stops the seal
// with its error, after the records before it were committed; every
// record prepared and not committed is discarded before run returns.
func (s *sealer) run(n int) error {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	// ahead bounds the records prepared and not yet taken in order, and so
	// the memory their forms and inline ciphertext hold. Record i reports
	// on slot i%k, free by then: record i-k was taken before i started.
	k := sealWorkers()
	ahead := make(chan struct{}, k)
	results := make([]chan prepared, k)
	for i := range results {
		results[i] = make(chan prepared, 1)
	}
	go func() {
		for i := range n {
			ahead <- struct{}{} // freed as the results are taken, in order
			go func() {
				if err := ctx.Err(); err != nil {
					results[i%k] <- prepared{err: err}
					return
				}
				cf, err := s.a.v.loadForm(s.src, i, false)
				var r *preparedRecord
				if err == nil {
					r, err = s.a.prepareRecord(ctx, cf, s.epochs, s.prog)
				}
				results[i%k] <- prepared{r, err}
			}()
		}
	}()
	var stop error
	for i := range n {
		p := <-results[i%k]
		if p.err == nil && stop == nil {
			stop = s.add(p.r, i == n-1)
		} else if p.r != nil {
			p.r.discard(s.a.v)
		}
		if p.err != nil && stop == nil {
			// The records before this form are whole: they commit, as
			// the doc of run says, and only then does the seal stop.
			stop = p.err
			if err := s.flush(); err != nil {
				stop = errors.Join(p.err, err)
			}
		}
		if stop != nil {
			cancel()
		}
		<-ahead
	}
	if stop != nil {
		s.discard()
	}
	return stop
}

// sealer seals records one after another and commits them in batches.
type sealer struct {
	a      *Actor
	ctx    context.Context
	src    FormSource
	epochs map[string]*keys.Epoch
	prog   *progress
	batch  []*preparedRecord
	bytes  int // inline bytes in batch
	out    []SealResult
}

// add takes one prepared record and commits the batch when it is due:
// small records commit together (bulk intake is bound by synced commits),
// a record with blobs in the blob store, which are durable already, at
// once.
func (s *sealer) add(r *preparedRecord, last bool) error {
	s.batch = append(s.batch, r)
	s.bytes += r.inlineBytes()
	if !last && len(s.batch) < maxRecordsPerCommit && s.bytes < maxPendingBytes && len(r.stored) == 0 {
		return nil
	}
	return s.flush()
}

// flush commits the records of the batch.
func (s *sealer) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	if err := s.a.commitRecords(s.batch); err != nil {
		return err
	}
	for _, r := range s.batch {
		s.out = append(s.out, r.res)
	}
	s.batch, s.bytes = nil, 0
	return nil
}

// discard removes what the uncommitted records stored in the blob store.
func (s *sealer) discard() {
	for _, r := range s.batch {
		r.discard(s.a.v)
	}
	s.batch = nil
}

// checkForm checks a form against the policy and, with files set, checks
// its attachments (checkAttachment) and sums their sizes.
func (v *Vault) checkForm(f *Form, files bool) (checkedForm, error) {
	cf := checkedForm{form: f}
	pub, err := v.pol.ValidatePublic(f.Public)
	if err != nil {
		var ps policy.Problems
		if errors.As(err, &ps) && len(ps) > 0 {
			msgs := make([]string, len(ps))
			for i, p := range ps {
				msgs[i] = p.Msg
				if p.Name != "" {
					msgs[i] = p.Name + ": " + p.Msg
				}
			}
			return cf, inputErrorf(f.Source, "%s", strings.Join(msgs, "; "))
		}
		return cf, inputErrorf(f.Source, "%v", err)
	}
	cf.public = pub
	for _, c := range f.Classes {
		if _, ok := v.pol.Classes[c.Class]; !ok {
			return cf, inputErrorf(f.Source, "[%s] is not a class of the vault's policy (classes: %s)", c.Class, joinComma(v.pol.ClassNames()))
		}
		if !files {
			continue
		}
		for _, ff := range c.Files {
			size, err := checkAttachment(f, c.Class, ff)
			if err != nil {
				return cf, err
			}
			cf.bytes += size
			cf.sealed += sealedSize(size)
		}
	}
	return cf, nil
}

// checkAttachment checks that an attachment is a readable regular file
// inside the form's folder (unless the form allows outside attachments)
// and returns its size.
func checkAttachment(f *Form, class string, ff FormFile) (int64, error) {
	source, path := f.Source, text.Escape(ff.Path)
	fi, err := os.Stat(ff.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return 0, inputErrorf(source, "[%s] attachment %s does not exist", class, path)
	case err != nil:
		return 0, inputErrorf(source, "[%s] attachment %s cannot be read: %v", class, path, errors.Unwrap(err))
	case fi.IsDir():
		return 0, inputErrorf(source, "[%s] attachment %s is a directory, not a file", class, path)
	case !fi.Mode().IsRegular():
		return 0, inputErrorf(source, "[%s] attachment %s is not a regular file", class, path)
	}
	if !f.AllowOutside {
		if err := checkInside(f.Dir, ff.Path); err != nil {
			return 0, inputErrorf(source, "[%s] attachment %s %v: copy the file into the folder, or seal with --allow-outside-attachments", class, path, err)
		}
	}
	fh, err := os.Open(ff.Path)
	if err != nil {
		return 0, inputErrorf(source, "[%s] attachment %s cannot be read: %v", class, path, errors.Unwrap(err))
	}
	fh.Close()
	return fi.Size(), nil
}

// checkInside checks that path, with every link in it followed, lies
// inside dir (also with its links followed): a link in the form's folder
// to a file elsewhere counts as elsewhere. The error completes
// "attachment X ...".
func checkInside(dir, path string) error {
	if dir == "" {
		dir = "."
	}
	rdir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("cannot be checked against the form's folder (%v)", errors.Unwrap(err))
	}
	rpath, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("cannot be checked against the form's folder (%v)", errors.Unwrap(err))
	}
	if rel, err := filepath.Rel(rdir, rpath); err != nil || !filepath.IsLocal(rel) {
		return errors.New("leads outside the form's folder")
	}
	return nil
}

func joinComma(s []string) string { return strings.Join(s, ", ") }
