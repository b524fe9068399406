package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tcrypto "github.com/tvault/tvault/crypto"
	priv "github.com/tvault/tvault/internal/private" // vault has a test helper named private
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// CheckPolicy parses a policy and applies every rule a vault applies to
// one: the policy language's own, and that each member's card_sig, where
// given, binds its recipient to its signing key. Problems come back as
// policy.Problems. Init (and every later change of policy) applies exactly
// these rules, so that a policy `policy check` accepts is one the vault
// accepts and the other way round.
func CheckPolicy(toml []byte) (*policy.Policy, error) {
	p, err := policy.Parse(toml)
	if err != nil {
		return nil, err
	}
	var bad policy.Problems
	for _, m := range p.Members {
		if m.CardSig == "" {
			continue
		}
		card := tcrypto.Card{Recipient: m.Recipient, SigningKey: m.SigningKey, Signature: m.CardSig}
		if card.Verify() != nil {
			bad = append(bad, policy.Problem{Name: fmt.Sprintf("member %q", m.Name),
				Msg: "card_sig does not match its recipient and signing_key (paste all three lines from 'tvault card')"})
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return p, nil
}

// policyInputError turns CheckPolicy's problems into one input error.
func policyInputError(err error) error {
	var ps policy.Problems
	if !errors.As(err, &ps) {
		return &InputError{Msg: "the policy is not valid: " + err.Error()}
	}
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Msg
		if p.Name != "" {
			msgs[i] = p.Name + ": " + p.Msg
		}
	}
	return &InputError{Msg: "the policy is not valid: " + strings.Join(msgs, "; ") + " (run 'tvault policy check FILE')"}
}

// Init creates a vault in dir (which must not exist or be empty) with the
// policy as its first version, acting as id, who must be a member allowed
// the policy action. It creates epoch 1 of every class.
func Init(dir string, id *tcrypto.Identity, policyTOML []byte, opts Options) (*Vault, error) {
	pol, err := CheckPolicy(policyTOML)
	if err != nil {
		return nil, policyInputError(err)
	}
	m, ok := memberOf(pol, id)
	if !ok {
		return nil, &DeniedError{Action: "init", Reason: "the identity is not a member of the policy (its recipient and signing key must appear under [[members]])"}
	}
	if !pol.May(m.Name, policy.ActionPolicy) {
		return nil, &DeniedError{Member: m.Name, Action: "init", Reason: "no role of theirs has the policy action"}
	}
	return initDir(dir, func() (*Vault, error) { return initIn(dir, id, m, pol, opts) })
}

// initDir prepares dir for a new vault (prepareDir), runs create in it and
// releases the init lock; if create fails, it removes what it made.
func initDir(dir string, create func() (*Vault, error)) (*Vault, error) {
	created, err := prepareDir(dir)
	if err != nil {
		return nil, err
	}
	v, err := create()
	if err != nil {
		if v != nil {
			v.Close()
		}
		// This process holds the init lock: what is here is its own.
		if created {
			os.RemoveAll(dir)
		} else {
			os.RemoveAll(filepath.Join(dir, dbName))
			os.Remove(filepath.Join(dir, markerName))
			os.Remove(filepath.Join(dir, smallMarkerName))
			os.Remove(filepath.Join(dir, initLockName))
		}
		return nil, err
	}
	if err := os.Remove(filepath.Join(dir, initLockName)); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// initLockName is created exclusively by init in the vault directory, so
// that two concurrent inits of one directory cannot both proceed (and the
// loser never cleans up what the winner made).
const initLockName = ".tvault-init"

// prepareDir makes dir, mode 0700, or checks that an existing one is empty,
// and takes the init lock in it.
func prepareDir(dir string) (created bool, err error) {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := priv.MkdirAll(dir); err != nil {
			return false, fmt.Errorf("failed to create the vault directory: %w", err)
		}
		created = true
	case err != nil:
		return false, fmt.Errorf("cannot use %s for a vault: %w", dir, err)
	case len(ents) > 0:
		return false, &InputError{Msg: fmt.Sprintf("%s is not empty: a new vault needs a new or empty directory", dir)}
	default:
		if err := priv.Restrict(dir); err != nil {
			return false, err
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, initLockName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("another tvault init is using %s; nothing was changed", dir)
	}
	f.Close()
	return created, nil
}

func initIn(dir string, id *tcrypto.Identity, m policy.Member, pol *policy.Policy, opts Options) (*Vault, error) {
	// Before Badger creates its sparse files: it dies with SIGBUS on a
	// full disk.
	if err := store.CheckFreeSpace(dir, 0, false); err != nil {
		return nil, err
	}
	v, err := openStore(dir, opts)
	if err != nil {
		return nil, err
	}
	v.pol, v.polVer = pol, 1
	if err := v.view(func(t *store.Txn) error {
		if _, err := t.Meta(); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s already holds a vault's database; nothing was changed", dir)
		}
		return nil
	}); err != nil {
		return v, err
	}
	sp, err := record.SignPolicy(id, m.Name, 1, pol.Bytes(), nil, v.now())
	if err != nil {
		return v, err
	}
	first, err := record.DecodePolicyVersion(sp)
	if err != nil {
		return v, err
	}
	v.pols = []policyVersion{{PolicyVersion: first}}
	v.meta = meta{Format: FormatVersion, ID: record.VaultID(sp), Created: v.now()}
	v.log = audit.New("tvault/" + v.meta.ID)
	v.creator.name, v.creator.key = m.Name, id.SigningPublicKey()
	epochs := make(map[string][]byte)
	for _, class := range pol.ClassNames() {
		e, err := keys.Generate(pol, 1, class, 1)
		if err != nil {
			return v, err
		}
		if epochs[class], err = e.Sign(id, m.Name); err != nil {
			return v, err
		}
	}
	a := v.As(id)
	err = v.update(func(t *store.Txn) error {
		if err := t.SetMeta(mustJSON(v.meta)); err != nil {
			return err
		}
		if err := t.PutPolicy(1, sp); err != nil {
			return err
		}
		for class, b := range epochs {
			if err := t.PutEpoch(class, 1, b); err != nil {
				return err
			}
		}
		// The init entry names the signed first policy's digest: it marks
		// a vault created at format 3 (origin.go), and binds the log to
		// the policy the vault id is a hash of.
		e, err := a.appendEntry(t, audit.Entry{Action: "init", Outcome: audit.OutcomeOK,
			Detail: fmt.Sprintf("policy %q version 1, %d classes, %d members", pol.Name, len(pol.Classes), len(pol.Members)),
			Digest: audit.Digest(sp)})
		v.origin = origin{created: e.Time}
		return err
	})
	if err != nil {
		return v, err
	}
	return v, writeFileSync(filepath.Join(dir, markerName), []byte(marker))
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
