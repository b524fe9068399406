package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// TestTamperAuditEntry changes a stored audit entry in place (its stored
// tree hashes kept, as an attacker editing the database would leave them):
// both check and audit verify must report it.
func TestTamperAuditEntry(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"outcome", func(b []byte) []byte { return bytes.Replace(b, []byte(`"outcome":"ok"`), []byte(`"outcome":"no"`), 1) }},
		{"actor", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"actor":"iryna"`), []byte(`"actor":"taras"`), 1)
		}},
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1)
			f.as("olena", func(v *member) { seal(t, v, f.exampleForm("ta")) })
			v := f.open("iryna")
			if _, err := v.VerifyAudit(ctx, audit.VerifyOptions{}); err != nil {
				t.Fatalf("untouched log: %v", err)
			}
			// The last entry is iryna's audit-verify entry, outcome ok.
			err := v.st.Update(func(tx *store.Txn) error {
				n, err := tx.Size()
				if err != nil {
					return err
				}
				seq := n - 1
				leaf, err := tx.ReadEntry(seq)
				if err != nil {
					return err
				}
				changed := tc.edit(leaf)
				if bytes.Equal(changed, leaf) {
					t.Fatalf("edit %s changed nothing in %s", tc.name, leaf)
				}
				base := tlog.StoredHashIndex(0, seq)
				idx := make([]int64, tlog.StoredHashIndex(0, seq+1)-base)
				for i := range idx {
					idx[i] = base + int64(i)
				}
				hs, err := tx.ReadHashes(idx)
				if err != nil {
					return err
				}
				return tx.Append(seq, changed, hs)
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.VerifyAudit(ctx, audit.VerifyOptions{})
			if !errors.Is(err, audit.ErrTampered) {
				t.Errorf("audit verify after editing an entry: %v, want ErrTampered", err)
			}
			rep, err := v.Check(ctx, CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, fd := range rep.Findings {
				if fd.Severity == "error" && fd.Subject == "audit log" {
					found = true
				}
			}
			if !found {
				t.Errorf("check did not report the edited entry: %+v", rep.Findings)
			}
		})
	}
}

// TestBackdatedEntry: a member with write access to the vault folder
// appends an entry of her own, signed with her real key, with a time
// before the log's last (so that a --since export would leave it out),
// and re-signs the checkpoint. tvault itself never writes one (the log's
// time never goes backwards); check and audit verify report it.
func TestBackdatedEntry(t *testing.T) {
	f := newFixture(t, 1)
	f.as("olena", func(v *member) { seal(t, v, f.exampleForm("bd")) })
	v := f.open("iryna")
	iryna := f.team.Get("iryna").Identity
	err := v.st.Update(func(tx *store.Txn) error {
		n, err := tx.Size()
		if err != nil {
			return err
		}
		e := audit.Entry{Seq: n, Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "iryna",
			ActorKey: tcrypto.FormatSigningKey(iryna.SigningPublicKey()), Action: "open", Record: "r", Outcome: audit.OutcomeOK}
		e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(iryna.SigningKey(), e.SignedBytes()))
		hs, err := tlog.StoredHashes(n, e.Leaf(), tx)
		if err != nil {
			return err
		}
		if err := tx.Append(n, e.Leaf(), hs); err != nil {
			return err
		}
		root, err := tlog.TreeHash(n+1, tx)
		if err != nil {
			return err
		}
		skey := noteSignerKey(t, "iryna", iryna.SigningKey())
		s, err := note.NewSigner(skey)
		if err != nil {
			return err
		}
		cp, err := note.Sign(&note.Note{Text: fmt.Sprintf("tvault/%s\n%d\n%s\n", v.meta.ID, n+1, root)}, s)
		if err != nil {
			return err
		}
		return tx.SetCheckpoint(cp)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAudit(ctx, audit.VerifyOptions{}); !errors.Is(err, audit.ErrTampered) || !strings.Contains(err.Error(), "precedes") {
		t.Errorf("audit verify of a backdated entry: %v", err)
	}
	rep, err := v.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Findings, func(fd Finding) bool {
		return fd.Severity == "error" && strings.Contains(fd.Msg, "precedes")
	}) {
		t.Errorf("check did not report the backdated entry: %+v", rep.Findings)
	}
}

// noteSignerKey encodes an Ed25519 key as a note signer key.
func noteSignerKey(t *testing.T, name string, key ed25519.PrivateKey) string {
	t.Helper()
	pub := key.Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	// vkey is name+hash+base64(0x01||pub); the signer key has the seed.
	parts := strings.SplitN(vkey, "+", 3)
	return "PRIVATE+KEY+" + parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, key.Seed()...))
}
