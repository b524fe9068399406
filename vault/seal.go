package vault

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/crypto/shamir"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
)

// SealResult describes one sealed record.
type SealResult struct {
	ID          string   `json:"id"`
	Classes     []string `json:"classes"`
	Attachments int      `json:"attachments"`
	Bytes       int64    `json:"bytes"`
}

// sealedAtField is the index field of the sealing time; policy field names
// cannot start with '@'.
const sealedAtField = "@sealed"

// indexTimeLayout sorts lexically in time order.
const indexTimeLayout = "2006-01-02T15:04:05.000000000Z"

type checkedForm struct {
	form   *Form
	public map[string]any
	files  map[string][]int64 // class → sizes, parallel to FormClass.Files
	bytes  int64
}

// Seal seals every form, in order, and returns the new records. All forms
// are checked first — schema, classes, attachments — and if any is wrong
// nothing is sealed. A record becomes visible only when its header, DEK
// wraps, index entries and audit entry commit together, after all its
// ciphertext is stored.
func (v *Vault) Seal(forms []*Form) ([]SealResult, error) {
	m, ok := v.actor()
	if !ok {
		return nil, v.deny("seal", "", "", "not a member of the vault's policy")
	}
	if !v.pol.May(m.Name, policy.ActionSeal) {
		return nil, v.deny("seal", "", "", "no role of theirs has the seal action")
	}
	checked := make([]checkedForm, len(forms))
	var total int64
	for i, f := range forms {
		cf, err := v.checkForm(f)
		if err != nil {
			return nil, err
		}
		checked[i] = cf
		total += cf.bytes
	}
	// Ciphertext is plaintext plus 16 bytes per 64 KiB, plus headers.
	if err := store.CheckFreeSpace(v.dir, total+total/4096+int64(len(forms))*64<<10); err != nil {
		return nil, err
	}
	rings := map[string]*keyring{}
	err := v.st.View(func(t *store.Txn) error {
		for _, class := range v.pol.ClassNames() {
			e, err := currentEpoch(t, class)
			if err != nil {
				return err
			}
			if rings[class], err = v.loadKeyring(t, class, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	prog := newProgress(v.opts.Progress, total)
	var out []SealResult
	var batch []*preparedRecord
	var batchBytes int
	fail := func(err error) ([]SealResult, error) {
		for _, r := range batch {
			r.cleanup()
		}
		if aerr := v.audit(audit.Entry{Action: "seal", Outcome: "error", Detail: sanitizeDetail(err)}); aerr != nil {
			return out, errors.Join(err, aerr)
		}
		return out, err
	}
	for i, cf := range checked {
		r, err := v.prepareRecord(m, cf, rings, prog)
		if err != nil {
			return fail(err)
		}
		batch = append(batch, r)
		batchBytes += r.pendingBytes()
		// Small records commit together (bulk intake is bound by synced
		// commits); a record with large attachments, whose chunks are
		// already durable, commits at once.
		if len(batch) < maxRecordsPerCommit && batchBytes < maxPendingBytes && len(r.written) == len(r.pending) && i < len(checked)-1 {
			continue
		}
		if err := v.commitRecords(batch); err != nil {
			return fail(err)
		}
		for _, r := range batch {
			out = append(out, r.res)
		}
		batch, batchBytes = nil, 0
	}
	return out, nil
}

// Limits of one seal commit: records, and chunk bytes held in memory.
const (
	maxRecordsPerCommit = 32
	maxPendingBytes     = 16 << 20
)

// sanitizeDetail reduces an error to a detail for the audit log. Errors on
// the seal path name files and fields, which can identify an interviewee, so
// only the kind of failure is recorded.
func sanitizeDetail(err error) string {
	switch {
	case errors.Is(err, store.ErrNoSpace):
		return "not enough disk space"
	case errors.Is(err, ErrIntegrity):
		return "integrity failure"
	default:
		return "seal failed"
	}
}

func (v *Vault) checkForm(f *Form) (checkedForm, error) {
	cf := checkedForm{form: f, files: map[string][]int64{}}
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
			return cf, inputErrorf(f.Source, "[%s] is not a class of the vault's policy (classes: %s)", c.Class, strings.Join(v.pol.ClassNames(), ", "))
		}
		for _, ff := range c.Files {
			fi, err := os.Stat(ff.Path)
			switch {
			case errors.Is(err, os.ErrNotExist):
				return cf, inputErrorf(f.Source, "[%s] attachment %s does not exist", c.Class, ff.Path)
			case err != nil:
				return cf, inputErrorf(f.Source, "[%s] attachment %s cannot be read: %v", c.Class, ff.Path, errors.Unwrap(err))
			case fi.IsDir():
				return cf, inputErrorf(f.Source, "[%s] attachment %s is a directory, not a file", c.Class, ff.Path)
			case !fi.Mode().IsRegular():
				return cf, inputErrorf(f.Source, "[%s] attachment %s is not a regular file", c.Class, ff.Path)
			}
			fh, err := os.Open(ff.Path)
			if err != nil {
				return cf, inputErrorf(f.Source, "[%s] attachment %s cannot be read: %v", c.Class, ff.Path, errors.Unwrap(err))
			}
			fh.Close()
			cf.files[c.Class] = append(cf.files[c.Class], fi.Size())
			cf.bytes += fi.Size()
		}
	}
	return cf, nil
}

// preparedRecord is a record whose ciphertext is ready (large blobs stored,
// one-chunk blobs held in memory) and whose header is signed, waiting for
// the commit that makes it exist.
type preparedRecord struct {
	res     SealResult
	header  *Header
	signed  []byte
	public  map[string]any
	wraps   map[string][]byte
	pending map[string][]byte
	written []string
	st      *store.Store
}

func (r *preparedRecord) cleanup() {
	var stored []string
	for _, id := range r.written {
		if _, ok := r.pending[id]; !ok {
			stored = append(stored, id)
		}
	}
	if len(stored) > 0 {
		_ = r.st.DeleteBlobs(stored...)
	}
}

func (r *preparedRecord) pendingBytes() int {
	n := 0
	for _, c := range r.pending {
		n += len(c)
	}
	return n
}

func (v *Vault) prepareRecord(m policy.Member, cf checkedForm, rings map[string]*keyring, prog *progress) (*preparedRecord, error) {
	id := newID()
	res := SealResult{ID: id}
	h := &Header{Format: FormatVersion, ID: id, Vault: v.meta.ID, SealedAt: v.now(), SealedBy: m.Name,
		SealerKey: tcrypto.FormatSigningKey(v.id.SigningPublicKey()), PolicyVersion: v.polVer, Public: cf.public}
	var written []string
	cleanup := func() {
		if len(written) > 0 {
			_ = v.st.DeleteBlobs(written...)
		}
	}
	wraps := map[string][]byte{}
	// Blobs of one chunk are committed with the header, in one transaction.
	pending := map[string][]byte{}
	for _, c := range cf.form.Classes {
		kr := rings[c.Class]
		dek, err := tcrypto.GenerateDEK()
		if err != nil {
			cleanup()
			return nil, err
		}
		part := ClassPart{Class: c.Class, Epoch: kr.Epoch, Threshold: kr.Threshold}
		man := Manifest{Record: id, Class: c.Class, Fields: c.Fields, Attachments: []Attachment{}}
		for i, ff := range c.Files {
			blobID := fmt.Sprintf("%s-%s-%d", id, c.Class, i+1)
			written = append(written, blobID)
			att, ref, err := v.sealFile(dek, blobID, ff, prog, pending)
			if err != nil {
				cleanup()
				return nil, inputErrorOrWrap(cf.form.Source, c.Class, ff, err)
			}
			part.Blobs = append(part.Blobs, ref)
			man.Attachments = append(man.Attachments, att)
			res.Attachments++
			res.Bytes += att.Size
		}
		mb, err := json.Marshal(man)
		if err != nil {
			cleanup()
			return nil, err
		}
		blobID := fmt.Sprintf("%s-%s-m", id, c.Class)
		written = append(written, blobID)
		ref, err := v.sealBytes(dek, blobID, mb, pending)
		if err != nil {
			cleanup()
			return nil, err
		}
		part.Manifest = ref
		w, err := wrapDEK(dek, kr)
		clear(dek)
		if err != nil {
			cleanup()
			return nil, err
		}
		wraps[c.Class] = w
		h.Classes = append(h.Classes, part)
		res.Classes = append(res.Classes, c.Class)
	}
	signed, err := signHeader(v.id, h)
	if err != nil {
		cleanup()
		return nil, err
	}
	return &preparedRecord{res: res, header: h, signed: signed, public: cf.public, wraps: wraps,
		pending: pending, written: written, st: v.st}, nil
}

// commitRecords makes the prepared records exist, all in one transaction:
// their one-chunk blobs, DEK wraps, index entries, headers and audit
// entries. A record is visible exactly when its header and audit entry are.
func (v *Vault) commitRecords(batch []*preparedRecord) error {
	// The chunks must be durable before a header names them: a power cut
	// must never leave a visible record without its ciphertext.
	if err := v.st.Sync(); err != nil {
		return err
	}
	v.failpoint("seal-after-chunks")
	err := v.st.Update(func(t *store.Txn) error {
		for _, r := range batch {
			id := r.res.ID
			for blobID, chunk := range r.pending {
				if err := t.PutBlob(blobID, chunk); err != nil {
					return err
				}
			}
			for class, w := range r.wraps {
				if err := t.PutDEK(id, class, w); err != nil {
					return err
				}
			}
			for field, val := range r.public {
				for _, s := range indexValues(val) {
					if err := t.PutIndex(field, s, id); err != nil {
						return err
					}
				}
			}
			if err := t.PutIndex(sealedAtField, r.header.SealedAt.Format(indexTimeLayout), id); err != nil {
				return err
			}
			// The header goes in with the audit entry: the record
			// exists exactly when both do.
			if err := t.PutHeader(id, r.signed); err != nil {
				return err
			}
			if err := v.appendEntry(t, audit.Entry{Action: "seal", Record: id, Outcome: "ok",
				Detail: fmt.Sprintf("classes %s; %d attachments", strings.Join(r.res.Classes, ","), r.res.Attachments)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.failpoint("seal-after-commit")
	return nil
}

func inputErrorOrWrap(source, class string, ff FormFile, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return inputErrorf(source, "[%s] attachment %s cannot be read: %v", class, ff.Path, pe.Err)
	}
	return err
}

// indexValues returns the strings a public value is indexed under.
func indexValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	default:
		return []string{fmt.Sprint(x)}
	}
}

// wrapDEK wraps a DEK to the slots of kr: whole to the one slot when the
// threshold is 1, else split k-of-n with one share per slot.
func wrapDEK(dek []byte, kr *keyring) ([]byte, error) {
	rs, err := kr.slotRecipients()
	if err != nil {
		return nil, err
	}
	shares := [][]byte{dek}
	if kr.Threshold > 1 {
		if shares, err = shamir.Split(dek, len(rs), kr.Threshold); err != nil {
			return nil, err
		}
	}
	w := dekWrap{Epoch: kr.Epoch, Threshold: kr.Threshold}
	for i, r := range rs {
		s, err := tcrypto.Wrap(shares[i%len(shares)], r)
		if err != nil {
			return nil, err
		}
		w.Shares = append(w.Shares, s)
	}
	for _, s := range shares {
		clear(s)
	}
	return json.Marshal(w)
}

// sealFile streams one attachment into an age file under the DEK stanza,
// hashing the plaintext on the way, in constant memory.
func (v *Vault) sealFile(dek []byte, blobID string, ff FormFile, prog *progress, pending map[string][]byte) (Attachment, BlobRef, error) {
	att := Attachment{Name: ff.Name, Blob: blobID}
	f, err := os.Open(ff.Path)
	if err != nil {
		return att, BlobRef{}, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	att.MediaType = mediaType(ff.Name, head[:n])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return att, BlobRef{}, err
	}
	src := newHashingReader(f, prog)
	defer src.Close()
	ref, chunk, err := v.encryptBlobDeferred(dek, blobID, src, true)
	if err != nil {
		return att, ref, err
	}
	if chunk != nil {
		pending[blobID] = chunk
	}
	att.Size = src.n
	att.SHA256 = hex.EncodeToString(src.Sum())
	return att, ref, nil
}

func (v *Vault) sealBytes(dek []byte, blobID string, b []byte, pending map[string][]byte) (BlobRef, error) {
	ref, chunk, err := v.encryptBlobDeferred(dek, blobID, strings.NewReader(string(b)), true)
	if chunk != nil {
		pending[blobID] = chunk
	}
	return ref, err
}

// encryptBlobDeferred encrypts src as an age file to the DEK stanza of
// blobID and stores it as chunks; the returned reference pins the
// ciphertext. With deferSmall, a blob that fits in one chunk is returned
// instead of committed, for the record's transaction.
func (v *Vault) encryptBlobDeferred(dek []byte, blobID string, src io.Reader, deferSmall bool) (BlobRef, []byte, error) {
	r, err := tcrypto.NewDEKRecipient(dek, blobID)
	if err != nil {
		return BlobRef{}, nil, err
	}
	bw := v.st.NewBlobWriter(blobID)
	aw, err := age.Encrypt(bw, r)
	if err != nil {
		bw.Abort()
		return BlobRef{}, nil, err
	}
	if _, err := io.Copy(aw, src); err != nil {
		bw.Abort()
		return BlobRef{}, nil, err
	}
	if err := aw.Close(); err != nil {
		bw.Abort()
		return BlobRef{}, nil, err
	}
	var pending []byte
	if deferSmall {
		pending, err = bw.CloseDeferred()
	} else {
		err = bw.Close()
	}
	if err != nil {
		return BlobRef{}, nil, err
	}
	s := bw.Sum()
	return BlobRef{ID: blobID, Size: bw.Size(), BLAKE3: hex.EncodeToString(s[:])}, pending, nil
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

type progress struct {
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
	p.done += n
	p.fn(p.done, p.total)
}
