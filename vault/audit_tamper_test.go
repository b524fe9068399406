package vault

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

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
