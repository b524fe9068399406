// Package keys owns the key hierarchy below a record: epochs and their
// slots, wrapping slot secrets to holders, wrapping a record's DEK to an
// epoch's slots (split k-of-n with Shamir where the class has a threshold),
// and unwrapping it again with a member's identity.
//
// Which epochs to believe is an explicit input, never a rule hidden here:
// Load takes the Anchor the caller vouches for — who must have signed the
// epoch and under which policy version its slots were wrapped — and checks
// the stored epoch against it. Today the vault anchors epoch 1 of every
// class in its creator; rotation will anchor later epochs in the audit log.
//
// Access is enforced by these keys, not by checks: a member without a wrap
// of a slot cannot open the part, whatever any caller decides. Secrets
// exist only while they are wrapped or unwrapped; callers clear DEKs after
// use. It must not read storage or write the audit log.
package keys
