package vault

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// ImportBundle imports a bundle made by a field vault from one of this
// vault's kits. open must return the bundle from its start each time it
// is called: the bundle is read twice, in constant memory. The first pass
// verifies everything and writes nothing: the manifest's signature, that
// it was made with a kit this vault exported, that its sealer is a member
// who may seal under the policy in force, every header's signature,
// vault, sealer and digest, every record's seal entry from the field,
// every wrap against the kit's keys, and every blob's size and hash. Any
// failure refuses the whole bundle: exit 4 for damage or forgery, exit 3
// for a sealer who is not a researcher here. The second pass writes, in
// batches, each with a bundle-import entry naming the manifest's digest,
// checking everything again as it goes; records the vault already holds,
// byte for byte, are left as they are, so importing twice adds nothing.
// Any member may import (the intake key is wrapped to every member).
func (a *Actor) ImportBundle(ctx context.Context, open func() (io.ReadCloser, error)) (*BundleReport, error) {
	if err := a.v.notInField("bundle import"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionBundleImport, ""); err != nil {
		return nil, err
	}
	im := &importer{a: a, ctx: ctx, rep: &BundleReport{}}
	if err := a.v.view(im.loadIntakes); err != nil {
		return nil, a.failed(actionBundleImport, "", err)
	}
	if len(im.ids) == 0 {
		return nil, a.deny(actionBundleImport, "", "", "they hold no intake key of this vault's kits (a kit exported before they joined?): ask an admin to export a new kit, or another member to import")
	}
	for _, write := range []bool{false, true} {
		im.write, im.rep.Present, im.rep.Imported, im.rep.Erased = write, 0, 0, 0
		if err := im.pass(open); err != nil {
			var d *DeniedError
			if errors.As(err, &d) {
				return nil, a.deny(actionBundleImport, "", "", d.Reason)
			}
			return nil, a.failed(actionBundleImport, "", err)
		}
	}
	r := &record.Receipt{Vault: a.v.meta.ID, Field: im.m.Field, Bundle: audit.Digest(im.manifest),
		Records: im.m.Records, Imported: a.v.now()}
	var err error
	if im.rep.Receipt, err = record.SignReceipt(im.receiptKeys[im.m.KitDigest], r); err != nil {
		return nil, err
	}
	return im.rep, nil
}

// importer is one bundle import.
type importer struct {
	a     *Actor
	ctx   context.Context
	write bool
	ids   []age.Identity
	kits  map[string]*record.Kit // by digest
	// receiptKeys are the receipt keys of the kits whose intake keys the
	// actor holds, by kit digest.
	receiptKeys map[string]ed25519.PrivateKey
	rep         *BundleReport

	manifest []byte
	m        *record.Bundle
	kit      *record.Kit
	batch    []*incoming
	inline   int
}

// loadIntakes finds the intake keys the actor can unwrap, each with its
// kit, checked against its kit-export entry.
func (im *importer) loadIntakes(t *store.Txn) error {
	im.kits, im.receiptKeys = map[string]*record.Kit{}, map[string]ed25519.PrivateKey{}
	seqs, err := t.KitEntries()
	if err != nil {
		return err
	}
	for _, seq := range seqs {
		kitRaw, inRaw, err := t.Kit(seq)
		if err != nil {
			return err
		}
		kit, in, err := im.a.v.checkKit(t, seq, kitRaw, inRaw)
		if err != nil {
			return err
		}
		im.kits[audit.Digest(kitRaw)] = kit
		for _, w := range in.Wraps {
			if w.Recipient != im.a.id.Recipient() {
				continue
			}
			secret, err := tcrypto.Unwrap(w.Secret, im.a.id.AgeIdentity())
			if err != nil {
				return integrityErrorf("the intake key of the kit exported in audit entry %d does not decrypt", seq)
			}
			sk, err := age.ParseHybridIdentity(string(secret))
			clear(secret)
			if err != nil || sk.Recipient().String() != kit.Intake {
				return integrityErrorf("the intake key of the kit exported in audit entry %d does not match the kit", seq)
			}
			rk, err := record.ReceiptKey(sk.String())
			if err != nil {
				return err
			}
			im.ids = append(im.ids, sk)
			im.receiptKeys[audit.Digest(kitRaw)] = rk
		}
	}
	return nil
}

// checkKit checks a stored kit and its intake key against the kit-export
// entry at seq: a successful export naming the kit's digest, signed, by a
// member who had the policy action then, who also signed the kit and the
// intake key, wrapped only to members of that policy version.
func (v *Vault) checkKit(t *store.Txn, seq int64, kitRaw, inRaw []byte) (*record.Kit, *record.Intake, error) {
	e, err := readEntry(t, seq, "a seal kit's kit-export entry")
	if err != nil {
		return nil, nil, err
	}
	if e.Action != actionKitExport || e.Outcome != audit.OutcomeOK || e.Seq != seq || e.Digest != audit.Digest(kitRaw) || e.VerifySignature() != nil {
		return nil, nil, integrityErrorf("the seal kit stored for audit entry %d is not the one that entry exported", seq)
	}
	pol, err := v.policyAt(v.versionInForce(seq))
	if err != nil {
		return nil, nil, err
	}
	kit, err := record.DecodeKit(kitRaw)
	if err != nil {
		return nil, nil, err
	}
	in, err := record.DecodeIntake(inRaw)
	if err != nil {
		return nil, nil, err
	}
	m, ok := pol.Member(e.Actor)
	if !ok || tcrypto.FormatSigningKey(m.SigningPublicKey) != e.ActorKey || !pol.May(m.Name, policy.ActionPolicy) ||
		kit.SignerKey != e.ActorKey || in.SignerKey != e.ActorKey || in.Recipient != kit.Intake {
		return nil, nil, integrityErrorf("the seal kit of audit entry %d was not exported by an admin", seq)
	}
	for _, w := range in.Wraps {
		if wm, ok := pol.Member(w.Member); !ok || wm.Recipient != w.Recipient {
			return nil, nil, integrityErrorf("the intake key of the kit of audit entry %d is wrapped to %q, who was not a member", seq, w.Member)
		}
	}
	return kit, in, nil
}

// pass reads the bundle once.
func (im *importer) pass(open func() (io.ReadCloser, error)) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	ar, err := age.Decrypt(rc, im.ids...)
	var nm *age.NoIdentityMatchError
	if errors.As(err, &nm) {
		return &DeniedError{Reason: "the bundle is not encrypted to an intake key of this vault they hold: it was made for another vault, or with a kit exported before they joined"}
	}
	if err != nil {
		return integrityErrorf("the bundle is not a readable age file: %v", err)
	}
	tr := tar.NewReader(ar)
	if err := im.readManifest(tr); err != nil {
		return err
	}
	for _, r := range im.m.Records {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		if err := im.readRecord(tr, r); err != nil {
			return err
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		return integrityErrorf("the bundle holds more than its manifest lists")
	}
	return im.flush()
}

// next returns the next tar entry, which must be called name, and, unless
// it is a blob, its content.
func (im *importer) next(tr *tar.Reader, name string, blob bool) (*tar.Header, []byte, error) {
	th, err := tr.Next()
	if err == io.EOF {
		return nil, nil, integrityErrorf("the bundle ends before %s", name)
	}
	if err != nil {
		return nil, nil, integrityErrorf("the bundle is damaged: %v", err)
	}
	if th.Name != name || th.Typeflag != tar.TypeReg || th.Size < 0 {
		return nil, nil, integrityErrorf("the bundle holds %q where %s belongs", th.Name, name)
	}
	if blob {
		return th, nil, nil
	}
	if th.Size > maxBundleMeta {
		return nil, nil, integrityErrorf("the bundle's %s is too large", name)
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, tr, th.Size); err != nil {
		return nil, nil, integrityErrorf("the bundle is damaged: %v", err)
	}
	return th, buf.Bytes(), nil
}

// readManifest reads and checks the manifest.
func (im *importer) readManifest(tr *tar.Reader) error {
	_, raw, err := im.next(tr, bundleManifest, false)
	if err != nil {
		return err
	}
	m, err := record.DecodeBundle(raw)
	if err != nil {
		return err
	}
	v := im.a.v
	if m.Vault != v.meta.ID {
		return integrityErrorf("the bundle's records are for vault %s, not this one (%s)", m.Vault, v.meta.ID)
	}
	kit := im.kits[m.KitDigest]
	if kit == nil {
		return integrityErrorf("the bundle was made with a seal kit this vault never exported")
	}
	sealer, ok := v.pol.Member(m.Sealer)
	if !ok || tcrypto.FormatSigningKey(sealer.SigningPublicKey) != m.SignerKey || !v.pol.May(sealer.Name, policy.ActionSeal) {
		return &DeniedError{Reason: fmt.Sprintf("the bundle was sealed by %q, who is not a member allowed to seal under policy version %d", m.Sealer, v.polVer)}
	}
	im.manifest, im.m, im.kit = raw, m, kit
	im.rep.Records = len(m.Records)
	if !im.write {
		im.rep.Notes = im.kitNotes()
	}
	return nil
}
