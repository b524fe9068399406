package audit

import (
	"crypto/ed25519"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// keySet is the verification material: which names each key may sign
// under, and note verifiers for checkpoints.
type keySet struct {
	names     map[string]map[string]bool // key text → names listed for it
	pubs      map[string]ed25519.PublicKey
	byHash    map[nameHash]string        // (name, note key hash) → key text
	verifiers map[nameHash]note.Verifier // (name, note key hash) → its verifier
}

type nameHash struct {
	name string
	hash uint32
}

func newKeySet(keys []KeyInfo) (*keySet, error) {
	kr := &keySet{names: map[string]map[string]bool{}, pubs: map[string]ed25519.PublicKey{}, byHash: map[nameHash]string{},
		verifiers: map[nameHash]note.Verifier{}}
	for _, k := range keys {
		if err := kr.add(k); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

func (kr *keySet) add(k KeyInfo) error {
	if err := checkName(k.Name); err != nil {
		return fmt.Errorf("key name: %v", err)
	}
	pub, err := parseKey(k.Key)
	if err != nil {
		return fmt.Errorf("key of %s: %v", k.Name, err)
	}
	if kr.listed(k.Name, k.Key) {
		return fmt.Errorf("key of %s listed twice", k.Name)
	}
	v, err := newVerifier(k.Name, pub)
	if err != nil {
		return fmt.Errorf("key of %s: %v", k.Name, err)
	}
	nh := nameHash{k.Name, v.KeyHash()}
	if _, dup := kr.byHash[nh]; dup {
		return fmt.Errorf("keys of %s have the same key hash", k.Name)
	}
	if kr.names[k.Key] == nil {
		kr.names[k.Key] = map[string]bool{}
	}
	kr.names[k.Key][k.Name] = true
	kr.pubs[k.Key] = pub
	kr.byHash[nh] = k.Key
	kr.verifiers[nh] = v
	return nil
}

func (kr *keySet) listed(name, key string) bool { return kr.names[key][name] }

// knownKeys are the keys a checkpoint note is opened with: kr's and the
// witnesses'. Looking a signature's key up costs the same however many
// keys kr lists (note.VerifierList would build a map of them for every
// note: an export with many keys and many earlier checkpoints made that
// quadratic).
type knownKeys struct {
	kr        *keySet
	witnesses []note.Verifier
}

func (k knownKeys) Verifier(name string, hash uint32) (note.Verifier, error) {
	v := k.kr.verifiers[nameHash{name, hash}]
	for _, w := range k.witnesses {
		if w.Name() != name || w.KeyHash() != hash {
			continue
		}
		if v != nil {
			return nil, &ambiguousKeyError{name, hash}
		}
		v = w
	}
	if v == nil {
		return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
	}
	return v, nil
}

// ambiguousKeyError is a signature whose name and key hash are those of
// both a listed key and a witness.
type ambiguousKeyError struct {
	name string
	hash uint32
}

func (e *ambiguousKeyError) Error() string {
	return fmt.Sprintf("the key of signature %s+%08x is both a listed key and a witness's", e.name, e.hash)
}

// open verifies a checkpoint note with the listed keys and returns it with
// the signer's key. Signatures by other keys are ignored.
func (kr *keySet) open(msg []byte) (Checkpoint, string, error) {
	cp, key, _, err := kr.openWitnessed(msg, nil)
	return cp, key, err
}

// openWitnessed is open, also verifying cosignatures by witnesses, and
// returns the names of those whose cosignature verified.
func (kr *keySet) openWitnessed(msg []byte, witnesses []note.Verifier) (Checkpoint, string, []string, error) {
	cp, hash, cosigners, err := openCheckpoint(msg, kr, witnesses)
	if err != nil {
		return Checkpoint{}, "", nil, err
	}
	return cp, kr.byHash[nameHash{cp.Signer, hash}], cosigners, nil
}
