package vault

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"filippo.io/age"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// A bundle is one age file, encrypted to the intake recipient of the kit
// the field vault was made from, holding a tar stream: first "manifest"
// (record.Bundle, signed by the researcher), then for each record it lists,
// in order, "<id>/header", "<id>/seal" (its seal entry from the field
// log), "<id>/dek/<class>" for each part, and "<id>/blob/<blob id>" for
// each blob its header names, in header order. Everything in it but the
// manifest and seal entries is exactly what a vault stores for a record.
const (
	bundleManifest  = "manifest"
	actionBundleOut = "bundle-export"
	// maxBundleMeta bounds what import reads into memory from one tar
	// entry that is not a blob: a manifest, a header, a seal entry, a wrap.
	maxBundleMeta = 16 << 20
)

// BundleReport says what a bundle export or import did.
type BundleReport struct {
	// Records counts the records the bundle carries.
	Records int
	// Imported counts the records an import added; Present those the
	// vault held already (byte for byte), which it left as they were.
	Imported, Present int
	// Erased counts the records of the bundle that were erased here
	// before: an import never brings one back.
	Erased int
	// Notes are what an import found worth saying (an old kit).
	Notes []string
	// Receipt is, after an import, the signed receipt for the field vault
	// (record.Receipt): every record of the bundle the vault now holds.
	// bundle purge checks it with the kit's receipt key.
	Receipt []byte
}

// ExportBundle writes, to w, a bundle of the field vault's records sealed
// at or after since (every record when since is zero): signed by the
// researcher, encrypted to the kit's intake recipient, so that nobody on
// the way reads even the public metadata. The export is recorded in the
// field vault's log with the manifest's digest.
func (a *Actor) ExportBundle(ctx context.Context, w io.Writer, since time.Time) (*BundleReport, error) {
	if a.v.field == nil {
		return nil, &InputError{Msg: "bundle export works on a field vault (tvault init --kit): a vault imports bundles"}
	}
	if err := a.authorize(actionBundleOut, policy.ActionSeal); err != nil {
		return nil, err
	}
	recs, manifest, err := a.bundleManifest(since)
	if err != nil {
		return nil, a.failed(actionBundleOut, "", err)
	}
	if err := a.writeBundle(ctx, w, recs, manifest); err != nil {
		return nil, a.failed(actionBundleOut, "", err)
	}
	if err := a.record(audit.Entry{Action: actionBundleOut, Outcome: audit.OutcomeOK,
		Detail: fmt.Sprintf("%d records", len(recs)), Digest: audit.Digest(manifest)}); err != nil {
		return nil, err
	}
	return &BundleReport{Records: len(recs)}, nil
}

// bundled is one record a bundle carries, as bundleManifest verified it:
// the digest of its header and the seq of its seal entry.
type bundled struct {
	id     string
	sealed time.Time
	digest string
	seq    int64
}

// bundleManifest lists the records sealed at or after since, oldest first,
// each verified (header and seal entry), and signs the manifest that names
// them.
func (a *Actor) bundleManifest(since time.Time) ([]bundled, []byte, error) {
	b := &record.Bundle{Vault: a.v.field.kit.Vault, Field: a.v.meta.ID, KitDigest: a.v.field.origin.KitDigest,
		Sealer: a.member.Name, Made: a.v.now()}
	var recs []bundled
	err := a.v.view(func(t *store.Txn) error {
		return t.EachHeader(func(id string, raw []byte) error {
			h, e, err := a.v.verifyHeader(t, id, raw, true)
			if err != nil {
				return err
			}
			if !h.SealedAt.Before(since) {
				recs = append(recs, bundled{id, h.SealedAt, audit.Digest(raw), e.Seq})
			}
			return nil
		})
	})
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, &InputError{Msg: "no record to bundle: the field vault holds none sealed in that time"}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].sealed.Before(recs[j].sealed) })
	for _, r := range recs {
		b.Records = append(b.Records, record.BundleRecord{ID: r.id, Header: r.digest})
	}
	raw, err := record.SignBundle(a.id, b)
	return recs, raw, err
}

// writeBundle encrypts the tar stream of ids to the kit's intake key.
func (a *Actor) writeBundle(ctx context.Context, w io.Writer, recs []bundled, manifest []byte) error {
	r, err := age.ParseHybridRecipient(a.v.field.kit.Intake)
	if err != nil {
		return integrityErrorf("the seal kit's intake key is malformed")
	}
	aw, err := age.Encrypt(w, r)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(aw)
	if err := tarFile(tw, bundleManifest, manifest); err != nil {
		return err
	}
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.writeBundleRecord(ctx, tw, r); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return aw.Close()
}

// writeBundleRecord writes one record's header, seal entry, wraps and
// blobs.
// The header was verified with its seal entry by bundleManifest; it is
// read again here only to be streamed, and must be the same bytes.
func (a *Actor) writeBundleRecord(ctx context.Context, tw *tar.Writer, r bundled) error {
	id := r.id
	var h *record.Header
	var raw, leaf []byte
	wraps := map[string][]byte{}
	err := a.v.view(func(t *store.Txn) error {
		var err error
		if raw, err = t.Header(id); err != nil {
			return err
		}
		if audit.Digest(raw) != r.digest {
			return integrityErrorf("record %s: its header changed while it was bundled", id)
		}
		if h, err = record.DecodeHeader(id, raw); err != nil {
			return err
		}
		if leaf, err = t.ReadEntry(r.seq); err != nil {
			return err
		}
		for _, p := range h.Parts {
			if wraps[p.Class], err = t.DEK(id, p.Class); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tarFile(tw, id+"/header", raw); err != nil {
		return err
	}
	if err := tarFile(tw, id+"/seal", leaf); err != nil {
		return err
	}
	for _, p := range h.Parts {
		if err := tarFile(tw, id+"/dek/"+p.Class, wraps[p.Class]); err != nil {
			return err
		}
	}
	for _, p := range h.Parts {
		for _, ref := range p.Refs() {
			if err := a.v.tarBlob(ctx, tw, id, ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// tarBlob streams one blob's ciphertext into the bundle.
func (v *Vault) tarBlob(ctx context.Context, tw *tar.Writer, id string, ref record.BlobRef) error {
	br, err := v.openBlob(ctx, ref)
	if err != nil {
		return err
	}
	defer br.Close()
	if err := tw.WriteHeader(&tar.Header{Name: id + "/blob/" + ref.ID, Mode: 0o600, Size: ref.Size, Format: tar.FormatPAX}); err != nil {
		return err
	}
	// In large reads: io.Copy's 32 KiB made 32,000 preads for 1 GiB.
	n, err := io.CopyBuffer(tw, struct{ io.Reader }{br}, make([]byte, 1<<20))
	if err == nil && n != ref.Size {
		err = integrityErrorf("blob %s has %d bytes, want %d", ref.ID, n, ref.Size)
	}
	return err
}

func tarFile(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}
