package vault

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/local"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// FormatVersion is the on-disk format this package writes. It reads
// format 2 too, upgrading it when it opens it (upgrade.go).
const FormatVersion = 3

const (
	markerName = "VAULT"
	dbName     = "db"
	blobsName  = "blobs" // inside dbName
	marker     = "tvault vault\nformat 1\n"
)

// Options configures Open and Init. The zero value works.
type Options struct {
	// LockWait is how long to wait for another process to release the
	// vault; zero means the store's default (three seconds).
	LockWait time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Progress, if set, is told how many attachment bytes each seal will
	// read and is called as they are read.
	Progress ProgressFunc
	// Failpoint, if set, is called at named points of an operation
	// ("seal-after-blobs", "seal-after-commit"), so that crash tests can
	// stop the process exactly there.
	Failpoint func(name string)
	// Blobs, if set, keeps the blobs too large to live inside the database
	// (nil: files in the vault folder, as blobs/local keeps them).
	Blobs blobs.Store
}

// ProgressFunc receives progress of a long operation: total bytes expected
// (sent once, with done == 0) and bytes done so far.
type ProgressFunc func(done, total int64)

// Vault is an open vault: its storage, opened once, and the policy in
// force. It is safe for concurrent use; members act on it through As.
type Vault struct {
	clockBehind atomic.Int64 // the most this machine's clock was behind the log, in ns (ClockBehind)
	dir         string
	st          *store.Store
	blobs       blobs.Store
	opts        Options
	meta        meta
	log         *audit.Log
	pol         *policy.Policy
	// polVer is the version of pol, the newest.
	polVer int64
	// pols is every policy version, verified at Open (pols[i] is version
	// i+1); policy apply appends to it.
	pols []policyVersion
	// creator signed policy version 1 and the first keys; the vault id
	// commits to that signed version.
	creator struct {
		name string
		key  ed25519.PublicKey
	}
	// origin is what the signed init entry says (origin.go).
	origin origin
	// field is set for a field vault (field.go).
	field *field
	// bundles caches verified bundle manifests by digest (importbinding.go).
	bundles sync.Map
	// writes serializes the transactions that append to the audit log:
	// each appends at the size it read, and Badger is opened without
	// conflict detection.
	writes sync.Mutex

	// wrapBackend, when set by a test, wraps the audit log's storage.
	wrapBackend func(audit.Backend) audit.Backend
}

type meta struct {
	Format  int       `json:"format"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// DigestsFrom is the first audit entry from which every seal entry
	// names its header's digest: 0 for a vault created at format 3, the
	// log's size at the upgrade for one created before.
	DigestsFrom int64 `json:"digests_from,omitempty"`
	// Kind is "field" for a field vault (field.go), empty for a vault.
	Kind string `json:"kind,omitempty"`
}

// ClockBehind returns by how much, at most, this machine's clock was
// behind the audit log's last entry when this vault stamped an entry: its
// entries then carried the log's time instead, since a log's time never
// goes backwards (audit.Log.Stamp). Zero if it never was.
func (v *Vault) ClockBehind() time.Duration { return time.Duration(v.clockBehind.Load()) }

func (v *Vault) noteClockBehind(d time.Duration) {
	for {
		old := v.clockBehind.Load()
		if int64(d) <= old || v.clockBehind.CompareAndSwap(old, int64(d)) {
			return
		}
	}
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

// Close closes the vault's database. It must be called on every path, once
// no operation runs.
func (v *Vault) Close() error {
	if v.st == nil {
		return nil
	}
	err := v.st.Close()
	v.st = nil
	return err
}

// Open opens the vault in dir. A directory without a vault marker is
// ErrNotVault and is left untouched.
func Open(dir string, opts Options) (*Vault, error) {
	if err := Probe(dir); err != nil {
		return nil, err
	}
	v, err := openStore(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := v.load(); err != nil {
		v.Close()
		return nil, err
	}
	if err := v.upgrade(); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

func openStore(dir string, opts Options) (*Vault, error) {
	db := filepath.Join(dir, dbName)
	_, err := os.Stat(filepath.Join(dir, smallMarkerName))
	st, err := store.Open(db, store.Options{LockWait: opts.LockWait, Small: err == nil})
	if err != nil {
		return nil, err
	}
	v := &Vault{dir: dir, st: st, blobs: opts.Blobs, opts: opts}
	if v.blobs == nil {
		v.blobs = local.New(filepath.Join(db, blobsName))
	}
	return v, nil
}

// Probe checks that dir holds a vault, without opening it.
func Probe(dir string) error {
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
	return v.view(func(t *store.Txn) error {
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
		if v.meta.Format != FormatVersion && v.meta.Format != formatBeforeDigests {
			return fmt.Errorf("vault format %d is not supported by this tvault (format %d)", v.meta.Format, FormatVersion)
		}
		if v.meta.Kind == kindField {
			return v.loadField(t)
		}
		if v.meta.Kind != "" {
			return fmt.Errorf("vault kind %q is not supported by this tvault", v.meta.Kind)
		}
		v.log = audit.New("tvault/" + v.meta.ID)
		pvs, err := loadPolicies(t)
		if err != nil {
			return err
		}
		// The vault id is a hash of the signed first policy: replacing that
		// policy (to make oneself an admin, say) changes the id, which every
		// record header and audit checkpoint names.
		if record.VaultID(pvs[0].Raw) != v.meta.ID {
			return integrityErrorf("the vault's first policy does not match the vault id")
		}
		first, cur := pvs[0], pvs[len(pvs)-1]
		v.creator.name = first.SignedBy
		v.creator.key = record.SignerKey(first.SignerKey)
		v.pol, v.polVer, v.pols = cur.Parsed, cur.Version, pvs
		return v.loadOrigin(t)
	})
}

// view runs fn in a read transaction.
func (v *Vault) view(fn func(*store.Txn) error) error { return boundary(v.st.View(fn)) }

// update runs fn in a durable write transaction, one at a time (see
// Vault.writes). The store checks free space first.
func (v *Vault) update(fn func(*store.Txn) error) error {
	v.writes.Lock()
	defer v.writes.Unlock()
	return boundary(v.st.Update(fn))
}

// ValidID reports whether s has the shape of a record id. It is checked
// before any lookup, so that a path-like argument never reaches the store.
func ValidID(s string) bool { return record.ValidID(s) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("tvault: " + err.Error()) // only for values that always marshal
	}
	return b
}
