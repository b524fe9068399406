package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// TestUnmaskResharedWrap: a record whose identity key was moved to its
// epoch by share redistribution (as a threshold rewrap will do) unmasks
// like any other, and check accepts its wrap. The move is staged here from
// a scratch epoch 9 of the same holders, since epochs after 1 are the
// key-lifecycle work's.
func TestUnmaskResharedWrap(t *testing.T) {
	f := newFixture(t, 2)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("RESHARED"))[0].ID })
	iryna, taras := f.team.Get("iryna").Identity, f.team.Get("taras").Identity
	f.as("admin-kyiv", func(v *member) {
		err := v.Vault.update(func(tx *store.Txn) error {
			w, e1, err := v.Vault.wrapOf(tx, id, "identity")
			if err != nil {
				return err
			}
			s1, err := e1.ShareOf(w, iryna)
			if err != nil {
				return err
			}
			s2, err := e1.ShareOf(w, taras)
			if err != nil {
				return err
			}
			dek, err := e1.Combine([][]byte{s1, s2})
			if err != nil {
				return err
			}
			e9, err := keys.Generate(v.Vault.pol, 1, "identity", 9)
			if err != nil {
				return err
			}
			w9, err := e9.WrapDEK(dek)
			if err != nil {
				return err
			}
			var cs []*record.Contribution
			for _, name := range []string{"iryna", "taras"} {
				idn := f.team.Get(name).Identity
				x, subs, err := e9.Contribute(w9, idn, e1)
				if err != nil {
					return err
				}
				raw, err := record.SignContribution(idn, name, &record.Contribution{Record: id, Class: "identity", From: 9, To: 1, X: x, SubShares: subs})
				if err != nil {
					return err
				}
				c, err := record.DecodeContribution(raw, id, "identity")
				if err != nil {
					return err
				}
				cs = append(cs, c)
			}
			nw, err := keys.Assemble(e9, e1, cs)
			if err != nil {
				return err
			}
			raw, err := nw.Encode()
			if err != nil {
				return err
			}
			return tx.PutDEK(id, "identity", raw)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	var req string
	f.as("iryna", func(v *member) {
		_, err := openIdentity(f, v, id)
		wantDenied(t, "iryna alone on a reshared wrap", err, "'tvault unmask request "+id+" --reason TEXT'")
		info, err := v.RequestUnmask(ctx, id, "", "review")
		if err != nil {
			t.Fatal(err)
		}
		req = info.ID
	})
	f.as("taras", func(v *member) {
		if _, err := v.ApproveUnmask(ctx, req); err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		out, err := openIdentity(f, v, id)
		if err != nil {
			t.Fatalf("open after approval: %v", err)
		}
		b, err := os.ReadFile(filepath.Join(out, "identity", "fields.json"))
		if err != nil || !bytes.Contains(b, []byte("RESHARED-name")) {
			t.Fatalf("identity fields: %q, %v", b, err)
		}
		rep, err := v.Check(ctx, CheckOptions{ReadData: true})
		if err != nil || rep.Errors() != 0 {
			t.Fatalf("Check: %+v, %v", rep, err)
		}
	})
}
