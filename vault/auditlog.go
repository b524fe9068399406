package vault

import (
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
)

// appendEntry appends e to the audit log inside t, signed by the acting
// identity. If it fails, the caller's transaction must fail with it: that is
// what makes the log fail closed.
func (v *Vault) appendEntry(t *store.Txn, e audit.Entry) error {
	e.Time = v.now()
	e.Actor = v.actorName()
	e.ActorKey = tcrypto.FormatSigningKey(v.id.SigningPublicKey())
	_, err := v.log.Append(v.backend(t), audit.Actor{Name: e.Actor, Key: v.id.SigningKey()}, e)
	return err
}

// backend adapts a store transaction to the audit log. It is a seam: tests
// wrap it to inject failures.
func (v *Vault) backend(t *store.Txn) audit.Backend {
	if v.wrapBackend != nil {
		return v.wrapBackend(t)
	}
	return t
}

// audit appends one entry in a transaction of its own: for denials and
// failures, which change nothing else, and for reads, which must be on record
// before any plaintext leaves the process.
func (v *Vault) audit(e audit.Entry) error {
	if err := store.CheckFreeSpace(v.dir, 0); err != nil {
		return err
	}
	return v.st.Update(func(t *store.Txn) error { return v.appendEntry(t, e) })
}

// deny records a denied attempt and returns the denial. If the entry cannot
// be written, that error is returned instead: nothing is done off the record.
//
// An identity that is not a member is denied without an entry: its
// signature would attribute the entry to no one, and accepting checkpoints
// signed by unknown keys would let anyone with a key of their own re-sign a
// rewritten history. Such an identity holds no wrap of any slot key either.
func (v *Vault) deny(action, record, class, reason string) error {
	d := &DeniedError{Member: v.actorNameOrEmpty(), Action: action, Reason: reason}
	if _, ok := v.actor(); !ok {
		return d
	}
	if err := v.audit(audit.Entry{Action: action, Record: record, Class: class, Outcome: "denied", Detail: reason}); err != nil {
		return err
	}
	return d
}

func (v *Vault) actorNameOrEmpty() string {
	if m, ok := v.actor(); ok {
		return m.Name
	}
	return ""
}
