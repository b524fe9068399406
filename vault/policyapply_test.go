package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// applyPolicy applies toml as member name and returns what changed.
func (f *fixture) applyPolicy(name string, toml string) *PolicyChange {
	f.t.Helper()
	var ch *PolicyChange
	f.as(name, func(v *member) {
		var err error
		if ch, err = v.ApplyPolicy([]byte(toml)); err != nil {
			f.t.Fatalf("ApplyPolicy: %v", err)
		}
	})
	return ch
}

// withoutMember is the fixture's policy without member name.
func withoutMember(t *testing.T, pol, name string) string {
	t.Helper()
	const sep = "\n[[members]]\n"
	blocks := strings.Split(pol, sep)
	for i, b := range blocks {
		if strings.HasPrefix(b, "name = \""+name+"\"\n") {
			return strings.Join(append(blocks[:i:i], blocks[i+1:]...), sep)
		}
	}
	t.Fatalf("no member %s", name)
	return ""
}

func wantOpenRefused(t *testing.T, f *fixture, what, msg string) {
	t.Helper()
	v, err := Open(f.dir, f.options())
	if err == nil {
		v.Close()
		t.Fatalf("%s: Open succeeded", what)
	}
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("%s: Open: %v, want an integrity error saying %q", what, err, msg)
	}
}

// A policy version written into the store by someone with the vault folder
// and an admin's key, but without its policy-apply entry in the audit log,
// is refused when the vault is opened: it would otherwise be the policy in
// force.
func TestPolicyVersionWithoutLogEntryIsRefused(t *testing.T) {
	f := newFixture(t, 1)
	admin := f.team.Get("admin-kyiv").Identity
	f.as("admin-kyiv", func(v *member) {
		var v1 []byte
		peek(t, v, func(tx *store.Txn) (err error) { v1, err = tx.Policy(1); return err })
		next := withoutMember(t, string(f.team.Policy), "taras")
		sp, err := record.SignPolicy(admin, "admin-kyiv", 2, []byte(next), v1, v.now())
		if err != nil {
			t.Fatal(err)
		}
		tamper(t, v, func(tx *store.Txn) error { return tx.PutPolicy(2, sp) })
	})
	wantOpenRefused(t, f, "a version without its entry", "policy version 2 has no policy-apply entry")
}

// A version applied properly and then rewritten in place (same pointer, same
// entry) or another version pointed at that entry are refused too.
func TestRewrittenPolicyVersionIsRefused(t *testing.T) {
	f := newFixture(t, 1)
	admin := f.team.Get("admin-kyiv").Identity
	ch := f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	if ch.To != 2 || len(ch.Rotate) != 2 || len(ch.Sync) != 0 {
		t.Fatalf("ApplyPolicy: %+v", ch)
	}
	f.as("iryna", func(v *member) {
		if _, ver := v.Vault.Policy(); ver != 2 {
			t.Fatalf("policy version %d in force, want 2", ver)
		}
	})
	v := f.open("admin-kyiv")
	var v1, v2 []byte
	var seq int64
	peek(t, v, func(tx *store.Txn) (err error) {
		if v1, err = tx.Policy(1); err != nil {
			return err
		}
		if v2, err = tx.Policy(2); err != nil {
			return err
		}
		seq, err = tx.PolicyEntry(2)
		return err
	})
	// Version 2 re-signed without mykola.
	forged, err := record.SignPolicy(admin, "admin-kyiv", 2, []byte(withoutMember(t, withoutMember(t, string(f.team.Policy), "taras"), "mykola")), v1, v.now())
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, v, func(tx *store.Txn) error { return tx.PutPolicy(2, forged) })
	v.Close()
	wantOpenRefused(t, f, "a rewritten version", "policy version 2 is not the one its policy-apply entry")

	// Version 2 restored; a version 3 points at version 2's entry. The
	// vault no longer opens: the store does.
	raw, err := openStore(f.dir, f.options())
	if err != nil {
		t.Fatal(err)
	}
	v = &member{Vault: raw}
	v3, err := record.SignPolicy(admin, "admin-kyiv", 3, []byte(withoutMember(t, string(f.team.Policy), "mykola")), v2, v.now())
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, v, func(tx *store.Txn) error {
		if err := tx.PutPolicy(2, v2); err != nil {
			return err
		}
		if err := tx.PutPolicy(3, v3); err != nil {
			return err
		}
		return tx.PutPolicyEntry(3, seq)
	})
	v.Close()
	wantOpenRefused(t, f, "a version pointing at another's entry", "policy version 3 is not the one its policy-apply entry")
}

// A researcher removed by a policy apply who forges a seal under the old
// version (a tvault that believes version 1 is still in force: the header
// names version 1, under which they could seal, and their own seal entry
// binds it) is refused by every reader: the version in force at their seal
// entry did not allow them to seal.
func TestRemovedSealerCannotSealUnderAnOldVersion(t *testing.T) {
	f := newBindingFixture(t)
	pol := strings.Replace(string(f.team.Policy), `roles = ["analyst", "researcher"]`, `roles = ["analyst"]`, 1)
	f.applyPolicy("admin-kyiv", pol)
	v := f.open("mykola")
	if _, err := v.Seal(ctx, []*Form{f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")})}); !errors.Is(err, ErrDenied) {
		t.Fatalf("mykola's seal under version 2: %v, want a denial", err)
	}
	// The forger's tvault: version 1 in force.
	v.Vault.pol, v.Vault.polVer = v.Vault.pols[0].Parsed, 1
	id := seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))[0].ID
	if h := readHeader(t, v, id); h.PolicyVersion != 1 || h.SealedBy != "mykola" {
		t.Fatalf("the forged header names version %d, sealer %s", h.PolicyVersion, h.SealedBy)
	}
	v.Close()
	iryna := f.open("iryna")
	checkForgeryFound(t, iryna, id)
	if _, err := iryna.Show(ctx, id); err == nil || !strings.Contains(err.Error(), "did not allow them to seal") {
		t.Errorf("show: %v, want the reason", err)
	}
}

// keys status names the holders a policy apply removed, and the members it
// added who have no keys yet.
func TestKeyStatusAfterApply(t *testing.T) {
	f := newFixture(t, 1)
	f.as("olena", func(v *member) { seal(t, v, f.exampleForm("C1")) })
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	f.as("mykola", func(v *member) {
		st, ver, err := v.KeyStatus()
		if err != nil || ver != 2 || len(st) != 2 {
			t.Fatalf("KeyStatus: %+v, %d, %v", st, ver, err)
		}
		for _, c := range st {
			if c.Current != 1 || len(c.Epochs) != 1 || c.Epochs[0].Records != 1 {
				t.Errorf("class %s: epochs %+v", c.Class, c.Epochs)
			}
			if len(c.Stale) != 1 || c.Stale[0] != "taras" || len(c.Lacking) != 0 {
				t.Errorf("class %s: stale %v, lacking %v; want taras stale", c.Class, c.Stale, c.Lacking)
			}
		}
	})
}
