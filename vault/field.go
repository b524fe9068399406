package vault

import (
	"errors"
	"fmt"
	"path/filepath"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// kindField marks a field vault in its metadata.
const kindField = "field"

// smallMarkerName is an empty file in a field vault's folder: its store is
// sized for a small drive (store.Options.Small). It only sizes files; the
// vault's kind is in its metadata.
const smallMarkerName = "FIELD"

// field is what a field vault is made of: the seal kit it seals with, and
// its researcher, who signed its origin.
type field struct {
	kit    *record.Kit
	kitRaw []byte
	origin *record.FieldOrigin
	epochs map[string]*keys.Epoch
}

// IsField reports whether v is a field vault.
func (v *Vault) IsField() bool { return v.field != nil }

// SealsFor returns the id of the vault whose records v seals: its own, or,
// for a field vault, its kit's.
func (v *Vault) SealsFor() string { return v.recordsVault() }

// recordsVault is the id record headers sealed here must name: the vault's
// own, or, in a field vault, the vault its kit came from.
func (v *Vault) recordsVault() string {
	if v.field != nil {
		return v.field.kit.Vault
	}
	return v.meta.ID
}

// InitField creates a field vault in dir from a seal kit: a vault that
// seals records for the kit's vault, exactly as that vault would, with
// the researcher id (called name there: the kit names no member) as its
// one member, and cannot open any of them. It holds no member list, no
// other record, no secret but the researcher's own key (which stays in
// their identity file).
func InitField(dir string, id *tcrypto.Identity, kitRaw []byte, name string, opts Options) (*Vault, error) {
	kit, err := record.DecodeKit(kitRaw)
	if err != nil {
		return nil, &InputError{Msg: "the file is not a valid seal kit (" + err.Error() + "): ask an admin for a new one with 'tvault kit export'"}
	}
	if !policy.ValidMemberName(name) {
		return nil, &InputError{Msg: fmt.Sprintf("%q is not a member name: give your name as the vault's policy spells it", name)}
	}
	oraw, err := record.SignFieldOrigin(id, &record.FieldOrigin{KitDigest: audit.Digest(kitRaw), Member: name})
	if err != nil {
		return nil, err
	}
	f, err := newField(kit, kitRaw, oraw)
	if err != nil {
		return nil, err
	}
	return initDir(dir, func() (*Vault, error) { return initFieldIn(dir, id, f, oraw, opts) })
}

func initFieldIn(dir string, id *tcrypto.Identity, f *field, oraw []byte, opts Options) (*Vault, error) {
	// Before Badger creates its sparse files: it dies with SIGBUS on a
	// full disk. The marker sizes the store for a small drive.
	if err := store.CheckFreeSpace(dir, 0, true); err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(dir, smallMarkerName), nil); err != nil {
		return nil, err
	}
	v, err := openStore(dir, opts)
	if err != nil {
		return nil, err
	}
	v.meta = meta{Format: FormatVersion, ID: record.FieldVaultID(oraw), Created: v.now(), Kind: kindField}
	if err := v.useField(f); err != nil {
		return v, err
	}
	err = v.update(func(t *store.Txn) error {
		if _, err := t.Meta(); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s already holds a vault's database; nothing was changed", dir)
		}
		if err := t.SetMeta(mustJSON(v.meta)); err != nil {
			return err
		}
		if err := t.PutFieldOrigin(oraw, f.kitRaw); err != nil {
			return err
		}
		e, err := v.As(id).appendEntry(t, audit.Entry{Action: "init", Outcome: audit.OutcomeOK,
			Detail: fmt.Sprintf("field vault for vault %s, policy version %d", f.kit.Vault, f.kit.PolicyVersion),
			Digest: audit.Digest(oraw)})
		v.origin = origin{created: e.Time}
		return err
	})
	if err != nil {
		return v, err
	}
	return v, writeFileSync(filepath.Join(dir, markerName), []byte(marker))
}

// newField checks a kit and an origin against each other and builds the
// field vault's policy member and keys from them.
func newField(kit *record.Kit, kitRaw, oraw []byte) (*field, error) {
	o, err := record.DecodeFieldOrigin(oraw)
	if err != nil {
		return nil, err
	}
	if o.KitDigest != audit.Digest(kitRaw) {
		return nil, integrityErrorf("the field vault's seal kit is not the one it was made from")
	}
	f := &field{kit: kit, kitRaw: kitRaw, origin: o, epochs: map[string]*keys.Epoch{}}
	for _, c := range kit.Classes {
		f.epochs[c.Class] = keys.FromKit(c, kit.PolicyVersion)
	}
	return f, nil
}

// useField makes v the field vault f describes: its policy (the kit's
// schema and the researcher), its log's origin line, its creator.
func (v *Vault) useField(f *field) error {
	key, err := tcrypto.ParseSigningKey(f.origin.SigningKey)
	if err != nil {
		return integrityErrorf("the field vault's origin names a malformed signing key")
	}
	m := policy.Member{Name: f.origin.Member, Recipient: f.origin.Recipient, SigningKey: f.origin.SigningKey,
		SigningPublicKey: key, PostQuantum: tcrypto.IsPostQuantumRecipient(f.origin.Recipient)}
	pol, err := policy.ParseField([]byte(f.kit.Schema), m)
	if err != nil {
		return policyInputError(err)
	}
	for _, class := range pol.ClassNames() {
		if f.epochs[class] == nil {
			return integrityErrorf("the seal kit has no keys for class %q of its schema", class)
		}
	}
	v.field = f
	v.pol, v.polVer = pol, f.kit.PolicyVersion
	v.pols = []policyVersion{{PolicyVersion: &record.PolicyVersion{Version: f.kit.PolicyVersion, Parsed: pol}}}
	v.creator.name, v.creator.key = m.Name, key
	v.log = audit.New("tvault/" + v.meta.ID)
	return nil
}

// loadField loads a field vault's origin and kit and checks them against
// its id and its init entry.
func (v *Vault) loadField(t *store.Txn) error {
	oraw, kitRaw, err := t.FieldOrigin()
	if errors.Is(err, store.ErrNotFound) {
		return integrityErrorf("the field vault's origin is missing")
	}
	if err != nil {
		return err
	}
	if record.FieldVaultID(oraw) != v.meta.ID {
		return integrityErrorf("the field vault's origin does not match its id")
	}
	kit, err := record.DecodeKit(kitRaw)
	if err != nil {
		return err
	}
	f, err := newField(kit, kitRaw, oraw)
	if err != nil {
		return err
	}
	if err := v.useField(f); err != nil {
		return err
	}
	return v.loadOrigin(t)
}

// errFieldWriteOnly is the reason a field vault gives for every class.
const errFieldWriteOnly = "this is a field vault: it seals records but can never open them; they open in the vault they were sealed for, once a bundle has carried them there"

// notInField refuses op in a field vault, as a usage error.
func (v *Vault) notInField(op string) error {
	if v.field == nil {
		return nil
	}
	return &InputError{Msg: fmt.Sprintf("%s works on a vault, not on a field vault, which only seals, lists and keeps its audit log", op)}
}
