package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
)

// FormatVersion is the on-disk format this package reads and writes.
const FormatVersion = 2

const (
	markerName = "VAULT"
	dbName     = "db"
	marker     = "tvault vault\nformat 1\n"
)

// Options configures Open and Init. The zero value works.
type Options struct {
	// LockWait is how long to wait for another process to release the
	// vault; zero means store's default.
	LockWait time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Progress, if set, is told how many attachment bytes each seal will
	// read and is called as they are read.
	Progress ProgressFunc
	// Failpoint, if set, is called at named points of an operation
	// ("seal-after-chunks", "seal-after-commit"), so that crash tests can
	// stop the process exactly there.
	Failpoint func(name string)
}

// ProgressFunc receives progress of a long operation: total bytes expected
// (sent once, with done == 0) and bytes done so far.
type ProgressFunc func(done, total int64)

// Vault is an open vault acting as one member. It is not safe for concurrent
// use by several goroutines.
type Vault struct {
	dir    string
	st     *store.Store
	opts   Options
	id     *tcrypto.Identity
	meta   meta
	log    *audit.Log
	pol    *policy.Policy
	polVer int64
	// creator signed policy version 1 and the first keys; the vault id
	// commits to that signed version.
	creator struct {
		name string
		key  ed25519.PublicKey
	}

	// wrapBackend, when set by a test, wraps the audit log's storage.
	wrapBackend func(audit.Backend) audit.Backend
}

type meta struct {
	Format  int       `json:"format"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

// actor describes who runs an operation: a member of the current policy, or
// a non-member whose attempt is recorded and denied.
func (v *Vault) actor() (policy.Member, bool) {
	m, ok := v.pol.MemberByRecipient(v.id.Recipient())
	if !ok || !bytes.Equal(m.SigningPublicKey, v.id.SigningPublicKey()) {
		return policy.Member{}, false
	}
	return m, true
}

func (v *Vault) actorName() string {
	if m, ok := v.actor(); ok {
		return m.Name
	}
	return "unknown"
}

func (v *Vault) now() time.Time {
	if v.opts.Now != nil {
		return v.opts.Now().UTC()
	}
	return time.Now().UTC()
}

func (v *Vault) failpoint(name string) {
	if v.opts.Failpoint != nil {
		v.opts.Failpoint(name)
	}
}

// ID returns the vault's id.
func (v *Vault) ID() string { return v.meta.ID }

// Policy returns the policy in force and its version.
func (v *Vault) Policy() (*policy.Policy, int64) { return v.pol, v.polVer }

// Member returns the acting member, and false for an identity that is not a
// member of the policy in force.
func (v *Vault) Member() (policy.Member, bool) { return v.actor() }

// Close closes the vault's database. It must be called on every path.
func (v *Vault) Close() error {
	if v.st == nil {
		return nil
	}
	err := v.st.Close()
	v.st = nil
	return err
}

// Open opens the vault in dir acting as the member whose identity is id.
// A directory without a vault marker is ErrNotVault and is left untouched.
func Open(dir string, id *tcrypto.Identity, opts Options) (*Vault, error) {
	if err := checkVaultDir(dir); err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(dir, dbName), store.Options{LockWait: opts.LockWait})
	if err != nil {
		return nil, err
	}
	v := &Vault{dir: dir, st: st, opts: opts, id: id}
	if err := v.load(); err != nil {
		st.Close()
		return nil, err
	}
	return v, nil
}

func checkVaultDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s does not exist", ErrNotVault, dir)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is a file, not a directory", ErrNotVault, dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s has no %s file", ErrNotVault, dir, markerName)
	}
	if err != nil {
		return err
	}
	if string(b) != marker {
		return fmt.Errorf("%w: %s has an unknown format (a newer tvault?)", ErrNotVault, dir)
	}
	return nil
}

func (v *Vault) load() error {
	return v.st.View(func(t *store.Txn) error {
		b, err := t.Meta()
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return integrityErrorf("vault metadata is missing")
			}
			return err
		}
		if err := json.Unmarshal(b, &v.meta); err != nil || v.meta.ID == "" {
			return integrityErrorf("vault metadata is unreadable")
		}
		if v.meta.Format != FormatVersion {
			return fmt.Errorf("vault format %d is not supported by this tvault (format %d)", v.meta.Format, FormatVersion)
		}
		v.log = audit.New("tvault/" + v.meta.ID)
		pvs, err := loadPolicies(t)
		if err != nil {
			return err
		}
		// The vault id is a hash of the signed first policy: replacing that
		// policy (to make oneself an admin, say) changes the id, which every
		// record header and audit checkpoint names.
		if vaultIDFor(pvs[0].raw) != v.meta.ID {
			return integrityErrorf("the vault's first policy does not match the vault id")
		}
		first, cur := pvs[0], pvs[len(pvs)-1]
		v.creator.name = first.SignedBy
		v.creator.key, _ = tcrypto.ParseSigningKey(first.SignerKey)
		v.pol, v.polVer = cur.policy, cur.Version
		return nil
	})
}

// vaultIDFor derives a vault's id from its signed first policy version.
func vaultIDFor(signedPolicy1 []byte) string {
	h := sha256.Sum256(append([]byte("tvault vault id v1\n"), signedPolicy1...))
	return strings.ToLower(idEncoding.EncodeToString(h[:12]))
}

// Init creates a vault in dir (which must not exist or be empty) with pol as
// its first policy, acting as id, who must be a member allowed the policy
// action. It creates epoch 1 of every class.
func Init(dir string, id *tcrypto.Identity, policyTOML []byte, opts Options) (*Vault, error) {
	pol, err := policy.Parse(policyTOML)
	if err != nil {
		return nil, &InputError{Msg: "the policy is not valid: " + err.Error()}
	}
	m, ok := pol.MemberByRecipient(id.Recipient())
	if !ok || !bytes.Equal(m.SigningPublicKey, id.SigningPublicKey()) {
		return nil, &DeniedError{Action: "init", Reason: "the identity is not a member of the policy (its recipient and signing key must appear under [[members]])"}
	}
	if !pol.May(m.Name, policy.ActionPolicy) {
		return nil, &DeniedError{Member: m.Name, Action: "init", Reason: "no role of theirs has the policy action"}
	}
	created, err := prepareDir(dir)
	if err != nil {
		return nil, err
	}
	v, err := initIn(dir, id, m, pol, opts)
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
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, fmt.Errorf("failed to create the vault directory: %w", err)
		}
		created = true
	case err != nil:
		return false, fmt.Errorf("cannot use %s for a vault: %w", dir, err)
	case len(ents) > 0:
		return false, &InputError{Msg: fmt.Sprintf("%s is not empty: a new vault needs a new or empty directory", dir)}
	default:
		if err := os.Chmod(dir, 0o700); err != nil {
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
	if err := store.CheckFreeSpace(dir, 0); err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(dir, dbName), store.Options{LockWait: opts.LockWait})
	if err != nil {
		return nil, err
	}
	v := &Vault{dir: dir, st: st, opts: opts, id: id, pol: pol, polVer: 1}
	if err := st.View(func(t *store.Txn) error {
		if _, err := t.Meta(); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s already holds a vault's database; nothing was changed", dir)
		}
		return nil
	}); err != nil {
		return v, err
	}
	sp, err := signPolicy(id, m.Name, 1, pol.Bytes(), nil, v.now())
	if err != nil {
		return v, err
	}
	v.meta = meta{Format: FormatVersion, ID: vaultIDFor(sp), Created: v.now()}
	v.log = audit.New("tvault/" + v.meta.ID)
	v.creator.name, v.creator.key = m.Name, id.SigningPublicKey()
	rings := make(map[string][]byte)
	for _, class := range pol.ClassNames() {
		kr, err := newKeyring(pol, 1, class, 1)
		if err != nil {
			return v, err
		}
		b, err := kr.sign(id, m.Name)
		if err != nil {
			return v, err
		}
		rings[class] = b
	}
	err = st.Update(func(t *store.Txn) error {
		mb, _ := json.Marshal(v.meta)
		if err := t.SetMeta(mb); err != nil {
			return err
		}
		if err := t.PutPolicy(1, sp); err != nil {
			return err
		}
		for class, b := range rings {
			if err := t.PutKeyring(class, 1, b); err != nil {
				return err
			}
		}
		return v.appendEntry(t, audit.Entry{Action: "init", Outcome: "ok",
			Detail: fmt.Sprintf("policy %q version 1, %d classes, %d members", pol.Name, len(pol.Classes), len(pol.Members))})
	})
	if err != nil {
		return v, err
	}
	if err := writeFileSync(filepath.Join(dir, markerName), []byte(marker)); err != nil {
		return v, err
	}
	return v, nil
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

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random identifier: 12 bytes from crypto/rand as 20
// lower-case base32 characters. It reveals nothing about the record.
func newID() string {
	var b [12]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		panic("tvault: crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// ValidID reports whether s has the shape of a record id. It is checked
// before any lookup, so that a path-like argument never reaches the store.
func ValidID(s string) bool {
	if len(s) != 20 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func signBytes(id *tcrypto.Identity, msg []byte) []byte {
	return ed25519.Sign(id.SigningKey(), msg)
}

// Probe checks that dir holds a vault, without opening it.
func Probe(dir string) error { return checkVaultDir(dir) }
