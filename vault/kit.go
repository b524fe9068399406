package vault

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionKitExport is the audit action of ExportKit.
const actionKitExport = "kit-export"

// ExportKit makes a seal kit for field vaults (record.Kit): the policy in
// force as a schema without members, each class's current slot recipients
// and a new intake recipient that bundles from the field are encrypted to,
// whose secret is wrapped to every member (any member may import a
// bundle). It needs the policy action. The kit and the intake key are
// stored in one transaction with the kit-export entry, which names the
// kit's digest: bundle import checks a bundle's kit against it.
func (a *Actor) ExportKit() ([]byte, error) {
	if err := a.v.notInField("kit export"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionKitExport, policy.ActionPolicy); err != nil {
		return nil, err
	}
	var kitRaw []byte
	err := a.v.update(func(t *store.Txn) error {
		kit, err := a.newKit(t)
		if err != nil {
			return err
		}
		intake, err := a.newIntake(kit)
		if err != nil {
			return err
		}
		if kitRaw, err = record.SignKit(a.id, kit); err != nil {
			return err
		}
		e, err := a.appendEntry(t, audit.Entry{Action: actionKitExport, Outcome: audit.OutcomeOK, Time: kit.Issued,
			Detail: fmt.Sprintf("policy version %d, %d classes, intake for %d members", kit.PolicyVersion, len(kit.Classes), len(a.v.pol.Members)),
			Digest: audit.Digest(kitRaw)})
		if err != nil {
			return err
		}
		return t.PutKit(e.Seq, kitRaw, intake)
	})
	if err != nil {
		return nil, a.failed(actionKitExport, "", err)
	}
	return kitRaw, nil
}

// newKit describes the policy in force and the current keys of every class.
func (a *Actor) newKit(t *store.Txn) (*record.Kit, error) {
	schema, err := a.v.pol.Schema()
	if err != nil {
		return nil, err
	}
	issued, err := a.stamp(t)
	if err != nil {
		return nil, err
	}
	pv := a.v.pols[a.v.polVer-1]
	kit := &record.Kit{Vault: a.v.meta.ID, PolicyVersion: pv.Version, PolicyDigest: audit.Digest(pv.Raw),
		Schema: string(schema), Issued: issued}
	epochs, err := a.v.currentEpochs(t)
	var nk *NoKeysError
	if errors.As(err, &nk) {
		return nil, &InputError{Msg: fmt.Sprintf("class %q has no keys yet, so nothing could be sealed to it: a holder must run 'tvault keys rotate --class %s' first", nk.Class, nk.Class)}
	}
	if err != nil {
		return nil, err
	}
	for _, class := range a.v.pol.ClassNames() {
		e := epochs[class]
		raw, err := t.Epoch(class, e.Number)
		if err != nil {
			return nil, err
		}
		c := record.KitClass{Class: class, Epoch: e.Number, Threshold: e.Threshold, EpochDigest: audit.Digest(raw)}
		for _, s := range e.Slots {
			c.Slots = append(c.Slots, s.Recipient)
		}
		kit.Classes = append(kit.Classes, c)
	}
	return kit, nil
}

// newIntake generates the kit's intake key and wraps its secret to every
// member of the policy in force, and returns it signed.
func (a *Actor) newIntake(kit *record.Kit) ([]byte, error) {
	sk, err := tcrypto.GenerateSlotKey()
	if err != nil {
		return nil, err
	}
	secret := []byte(sk.String())
	defer clear(secret)
	in := &record.Intake{Recipient: sk.Recipient().String(), PolicyVersion: a.v.polVer}
	for _, m := range a.v.pol.Members {
		w, err := keys.WrapToMember(m, secret)
		if err != nil {
			return nil, err
		}
		in.Wraps = append(in.Wraps, record.HolderWrap{Member: m.Name, Recipient: m.Recipient, Secret: w})
	}
	kit.Intake = in.Recipient
	rk, err := record.ReceiptKey(sk.String())
	if err != nil {
		return nil, err
	}
	kit.Receipt = tcrypto.FormatSigningKey(rk.Public().(ed25519.PublicKey))
	return record.SignIntake(a.id, a.member.Name, in)
}
