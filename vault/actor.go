package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// Actor is one identity acting on a vault: a member of the policy in force,
// or a non-member whose attempts are denied. Every verb is a method of
// Actor; each authorizes its action here and records its audit entry,
// signed by the actor, before any plaintext leaves the process. An Actor
// is as safe for concurrent use as its Vault.
type Actor struct {
	v      *Vault
	id     *tcrypto.Identity
	member policy.Member
	ok     bool // member is a member of the policy in force
}

// As returns the actor id on v.
func (v *Vault) As(id *tcrypto.Identity) *Actor {
	m, ok := memberOf(v.pol, id)
	return &Actor{v: v, id: id, member: m, ok: ok}
}

// memberOf finds the member whose recipient and signing key are id's.
func memberOf(pol *policy.Policy, id *tcrypto.Identity) (policy.Member, bool) {
	m, ok := pol.MemberByRecipient(id.Recipient())
	if !ok || !bytes.Equal(m.SigningPublicKey, id.SigningPublicKey()) {
		return policy.Member{}, false
	}
	return m, true
}

// Member returns the acting member, and false for an identity that is not
// a member of the policy in force.
func (a *Actor) Member() (policy.Member, bool) { return a.member, a.ok }

// name is the actor's name in the audit log: "" for a non-member, whom the
// log refuses to record (a non-member's refused attempt leaves no entry).
func (a *Actor) name() string {
	if a.ok {
		return a.member.Name
	}
	return ""
}

// authorize lets the operation op go ahead if the actor is a member and,
// unless action is empty, a role of theirs has that action. Otherwise the
// denial is recorded and returned.
func (a *Actor) authorize(op string, action policy.Action) error {
	if !a.ok {
		return a.deny(op, "", "", a.notMemberReason())
	}
	if action != "" && !a.v.pol.May(a.member.Name, action) {
		return a.deny(op, "", "", fmt.Sprintf("no role of theirs has the %s action", action))
	}
	return nil
}

// notMemberReason says why the actor is not a member. An identity whose
// recipient is a member's but whose signing key is not is most likely a
// hardware key whose signing key file was made anew (crypto.ReadIdentity).
func (a *Actor) notMemberReason() string {
	if m, ok := a.v.pol.MemberByRecipient(a.id.Recipient()); ok {
		return fmt.Sprintf("its recipient is member %s's, but its signing key is not the one the policy names for them "+
			"(a hardware key's signing key file made anew needs its new card in the policy)", m.Name)
	}
	return "not a member of the vault's policy"
}

// appendEntry appends e to the audit log inside t, signed by the actor,
// stamped with the current time unless e has one, and returns it as
// appended. If it fails, the caller's transaction must fail with it: that
// is what makes the log fail closed.
func (a *Actor) appendEntry(t *store.Txn, e audit.Entry) (audit.Entry, error) {
	if e.Time.IsZero() {
		var err error
		if e.Time, err = a.stamp(t); err != nil {
			return audit.Entry{}, err
		}
	}
	e.Actor = a.name()
	e.ActorKey = tcrypto.FormatSigningKey(a.id.SigningPublicKey())
	return a.v.log.Append(a.v.logBackend(t), audit.Actor{Name: e.Actor, Key: a.id.SigningKey()}, e)
}

// logBackend is the audit log's storage inside t.
func (v *Vault) logBackend(t *store.Txn) audit.Backend {
	if v.wrapBackend != nil {
		return v.wrapBackend(t)
	}
	return t
}

// stamp returns the time for an entry appended inside t, and for what the
// operation signs with it: the clock's time, or the log's last entry's if
// this machine's clock is behind it (audit.Log.Stamp), which is noted for
// ClockBehind.
func (a *Actor) stamp(t *store.Txn) (time.Time, error) {
	now := a.v.now()
	ts, err := a.v.log.Stamp(a.v.logBackend(t), now)
	if err != nil {
		return time.Time{}, err
	}
	if behind := ts.Sub(now); behind > 0 {
		a.v.noteClockBehind(behind)
	}
	return ts, nil
}

// record appends entries in a transaction of their own: for denials and
// failures, which change nothing else, and for reads, which must be on
// record before any plaintext leaves the process.
func (a *Actor) record(entries ...audit.Entry) error {
	return a.v.update(func(t *store.Txn) error {
		for _, e := range entries {
			if _, err := a.appendEntry(t, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordOK records a successful operation that changed nothing else.
func (a *Actor) recordOK(op, recordID, class, detail string) error {
	return a.record(audit.Entry{Action: op, Record: recordID, Class: class, Outcome: audit.OutcomeOK, Detail: detail})
}

// deny records a denied attempt and returns the denial. If the entry cannot
// be written, that error is returned instead: nothing is done off the record.
//
// An identity that is not a member is denied without an entry: its
// signature would attribute the entry to no one, and accepting checkpoints
// signed by unknown keys would let anyone with a key of their own re-sign a
// rewritten history. Such an identity holds no wrap of any slot key either.
func (a *Actor) deny(op, recordID, class, reason string) error {
	var who string
	if a.ok {
		who = a.member.Name
	}
	d := &DeniedError{Member: who, Action: op, Reason: reason}
	if !a.ok {
		return d
	}
	if err := a.record(audit.Entry{Action: op, Record: recordID, Class: class, Outcome: audit.OutcomeDenied, Detail: reason}); err != nil {
		return err
	}
	return d
}

// failed records an operation that failed on integrity, lookup or storage
// and returns err (joined with the audit failure, if the entry cannot be
// written). Its detail is only the kind of failure: errors name files and
// fields, which can identify an interviewee.
func (a *Actor) failed(op, recordID string, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err // a malformed argument: nothing was looked up
	}
	if aerr := a.record(audit.Entry{Action: op, Record: recordID, Outcome: audit.OutcomeError, Detail: failureDetail(err)}); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

func failureDetail(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted"
	case errors.Is(err, ErrNoSpace):
		return "not enough disk space"
	case damaged(err):
		return "integrity failure"
	case errors.Is(err, ErrNotFound):
		return "not found"
	default:
		return "failed"
	}
}

// Vault returns the vault the actor acts on.
func (a *Actor) Vault() *Vault { return a.v }
