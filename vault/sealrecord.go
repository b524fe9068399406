package vault

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// preparedRecord is a record whose ciphertext is ready (large blobs stored,
// inline ones held in memory) and whose header is signed, waiting for the
// commit that makes it exist.
type preparedRecord struct {
	res    SealResult
	header *record.Header // signed at commit (putRecord)
	public map[string]any
	wraps  map[string][]byte
	inline map[string][]byte // blob id → ciphertext, for the record's transaction
	stored []string          // blobs already in the blob store
}

func (r *preparedRecord) inlineBytes() int {
	n := 0
	for _, b := range r.inline {
		n += len(b)
	}
	return n
}

// discard removes the record's blobs from the blob store. It uses a
// context of its own: it runs when the seal's was cancelled.
func (r *preparedRecord) discard(v *Vault) {
	if len(r.stored) > 0 {
		_ = v.blobs.Remove(context.Background(), r.stored...)
	}
}

// prepareRecord encrypts one form's parts, stores their blobs and signs
// the header.
func (a *Actor) prepareRecord(ctx context.Context, cf checkedForm, epochs map[string]*keys.Epoch, prog *progress) (*preparedRecord, error) {
	id := record.NewID()
	r := &preparedRecord{res: SealResult{ID: id}, public: cf.public, wraps: map[string][]byte{}, inline: map[string][]byte{}}
	r.header = &record.Header{Format: record.FormatCurrent, ID: id, Vault: a.v.recordsVault(), SealedBy: a.member.Name,
		SealerKey: tcrypto.FormatSigningKey(a.id.SigningPublicKey()), PolicyVersion: a.v.polVer, Public: cf.public}
	for _, c := range cf.form.Classes {
		if err := a.v.sealPart(ctx, r, cf.form, c, epochs[c.Class], prog); err != nil {
			r.discard(a.v)
			return nil, err
		}
	}
	return r, nil
}

// sealPart encrypts one class of a form under a new DEK: its attachments,
// then its manifest; and wraps the DEK to the class's current epoch.
func (v *Vault) sealPart(ctx context.Context, r *preparedRecord, form *Form, c FormClass, e *keys.Epoch, prog *progress) error {
	id := r.res.ID
	dek, err := tcrypto.GenerateDEK()
	if err != nil {
		return err
	}
	defer clear(dek)
	part := record.Part{Class: c.Class, Epoch: e.Number, Threshold: e.Threshold}
	man := record.Manifest{Record: id, Class: c.Class, Fields: c.Fields, Attachments: []record.Attachment{}}
	keep := func(ref record.BlobRef, inline []byte) {
		if inline != nil {
			r.inline[ref.ID] = inline
		} else {
			r.stored = append(r.stored, ref.ID)
		}
	}
	for i, ff := range c.Files {
		att, ref, inline, err := v.sealFile(ctx, dek, fmt.Sprintf("%s-%s-%d", id, c.Class, i+1), form, ff, prog)
		if err != nil {
			return attachmentError(form.Source, c.Class, ff, err)
		}
		keep(ref, inline)
		part.Blobs = append(part.Blobs, ref)
		man.Attachments = append(man.Attachments, att)
		r.res.Attachments++
		r.res.Bytes += att.Size
	}
	manJSON := mustJSON(man)
	ref, inline, err := v.encryptBlob(ctx, dek, id+"-"+c.Class+"-m", bytes.NewReader(manJSON), int64(len(manJSON)))
	if err != nil {
		return err
	}
	keep(ref, inline)
	part.Manifest = ref
	w, err := e.WrapDEK(dek)
	if err != nil {
		return err
	}
	if r.wraps[c.Class], err = w.Encode(); err != nil {
		return err
	}
	r.header.Parts = append(r.header.Parts, part)
	r.res.Classes = append(r.res.Classes, c.Class)
	return nil
}

// commitRecords makes the prepared records exist, all in one transaction:
// their inline blobs, DEK wraps, index entries, headers and audit entries.
// A record is visible exactly when its header and audit entry are. Its
// large blobs are durable already: a power cut never leaves a visible
// record without its ciphertext.
func (a *Actor) commitRecords(batch []*preparedRecord) error {
	a.v.failpoint("seal-after-chunks")
	err := a.v.update(func(t *store.Txn) error {
		for _, r := range batch {
			if err := a.putRecord(t, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.v.failpoint("seal-after-commit")
	return nil
}

func (a *Actor) putRecord(t *store.Txn, r *preparedRecord) error {
	id := r.res.ID
	for blobID, b := range r.inline {
		if err := t.PutBlob(blobID, b); err != nil {
			return err
		}
	}
	for class, w := range r.wraps {
		if err := t.PutDEK(id, class, w); err != nil {
			return err
		}
	}
	// The header is signed here, at the time its seal entry carries, and
	// goes in with that entry, which names its digest: the record exists
	// exactly when both do, and its header is bound to the log
	// (binding.go).
	var err error
	if r.header.SealedAt, err = a.stamp(t); err != nil {
		return err
	}
	signed, err := record.SignHeader(a.id, r.header)
	if err != nil {
		return err
	}
	for _, e := range indexEntries(r.header) {
		if err := t.PutIndex(e.field, e.value, id); err != nil {
			return err
		}
	}
	if err := t.PutHeader(id, signed); err != nil {
		return err
	}
	e, err := a.appendEntry(t, audit.Entry{Time: r.header.SealedAt, Action: "seal", Record: id, Outcome: audit.OutcomeOK,
		Detail: fmt.Sprintf("classes %s; %d attachments", strings.Join(r.res.Classes, ","), r.res.Attachments),
		Digest: audit.Digest(signed)})
	if err != nil {
		return err
	}
	return t.PutSealEntry(id, e.Seq)
}

// attachmentError turns a failure to read an attachment into input error
// naming it; other errors pass unchanged.
func attachmentError(source, class string, ff FormFile, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return inputErrorf(source, "[%s] attachment %s cannot be read: %v", class, text.Escape(ff.Path), pe.Err)
	}
	return err
}

// openAttachment opens an attachment for sealing. Unless the form allows
// attachments outside its folder, it opens it through an os.Root of the
// folder, which refuses a path or link that leads outside it at the moment
// of opening: the folder check at parse time alone would leave the time
// between check and open to someone who can change the folder.
func openAttachment(form *Form, ff FormFile) (*os.File, error) {
	if form.AllowOutside || form.Dir == "" {
		return os.Open(ff.Path)
	}
	rel, err := filepath.Rel(form.Dir, ff.Path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: ff.Path, Err: err}
	}
	root, err := os.OpenRoot(form.Dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fh, err := root.Open(rel)
	// os.Root's refusal has no exported sentinel; its message is fixed.
	if err != nil && strings.Contains(err.Error(), "escapes from parent") {
		return nil, &os.PathError{Op: "open", Path: ff.Path, Err: errors.New("it now leads outside the form's folder (was it changed during the seal?)")}
	}
	return fh, err
}

// sealFile streams one attachment into an age file under the DEK stanza,
// hashing the plaintext on the way, in constant memory.
func (v *Vault) sealFile(ctx context.Context, dek []byte, blobID string, form *Form, ff FormFile, prog *progress) (record.Attachment, record.BlobRef, []byte, error) {
	att := record.Attachment{Name: ff.Name, Blob: blobID}
	f, err := openAttachment(form, ff)
	if err != nil {
		return att, record.BlobRef{}, nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	att.MediaType = mediaType(ff.Name, head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return att, record.BlobRef{}, nil, err
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	src := newHashingReader(contextReader{ctx, f}, prog, size)
	defer src.Close()
	ref, inline, err := v.encryptBlob(ctx, dek, blobID, src, size)
	if err != nil {
		return att, ref, nil, err
	}
	att.Size = src.n
	att.SHA256 = hex.EncodeToString(src.Sum())
	return att, ref, inline, nil
}

func mediaType(name string, head []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".opus":
		return "audio/ogg; codecs=opus"
	case ".m4a":
		return "audio/mp4"
	case ".md":
		return "text/markdown; charset=utf-8"
	}
	return http.DetectContentType(head)
}

// progress reports a seal's bytes; the records a seal prepares at once
// add to it concurrently.
type progress struct {
	mu          sync.Mutex
	fn          ProgressFunc
	done, total int64
}

func newProgress(fn ProgressFunc, total int64) *progress {
	p := &progress{fn: fn, total: total}
	if fn != nil {
		fn(0, total)
	}
	return p
}

func (p *progress) add(n int64) {
	if p == nil || p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.fn(p.done, p.total)
}
