package vault

import (
	"errors"
	"testing"

	"github.com/tvault/tvault/vault/internal/store"
)

// TestRepairKeepsBlobsOfDamagedRecords: a record whose header no longer
// verifies still owns its blobs; repair refuses to run while check finds
// damage it cannot fix, and deletes nothing.
func TestRepairKeepsBlobsOfDamagedRecords(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("rp"))[0].ID })
	v := f.open("iryna")
	before := len(blobIDs(t, v))
	err := v.st.Update(func(tx *store.Txn) error {
		raw, err := tx.Header(id)
		if err != nil {
			return err
		}
		raw = append([]byte(nil), raw...)
		raw[10] ^= 1 // inside the signature
		return tx.PutHeader(id, raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors() == 0 || len(rep.Orphans) != 0 {
		t.Fatalf("check of a damaged header: %d errors, orphans %v; want errors and no orphans", rep.Errors(), rep.Orphans)
	}
	if _, err := v.Check(ctx, CheckOptions{Repair: true}); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("repair with unfixable damage: %v, want a refusal", err)
	}
	if after := len(blobIDs(t, v)); after != before {
		t.Fatalf("repair deleted blobs: %d before, %d after", before, after)
	}
}
