package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// custodyReport seals a record, opens it as iryna and returns her custody
// report of it.
func custodyReport(t *testing.T) []byte {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("CU"))[0].ID })
	var report []byte
	f.as("iryna", func(v *member) {
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("o"), Purpose: "review"}); err != nil {
			t.Fatal(err)
		}
		var err error
		if report, err = v.Custody(ctx, id); err != nil {
			t.Fatal(err)
		}
	})
	return report
}

// A custody report verifies whole, and a change of any one byte, wherever
// it is, is refused as damage: the JSON, the audit trail inside it, the
// signature.
func TestCustodyRefusesAnyChangedByte(t *testing.T) {
	report := custodyReport(t)
	sum, err := VerifyCustody(report)
	if err != nil {
		t.Fatalf("VerifyCustody: %v", err)
	}
	if sum.SealedBy != "olena" || len(sum.Report.Attachments) != 4 || len(sum.Events) < 3 {
		t.Fatalf("summary: %+v", sum)
	}
	if dir := os.Getenv("TVAULT_CUSTODY_SEED"); dir != "" {
		// Refreshes the fuzz seed in testdata/fuzz/FuzzVerifyCustody.
		os.WriteFile(filepath.Join(dir, "report"), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", report)), 0o644)
	}
	step := max(1, len(report)/400)
	for i := 0; i < len(report); i += step {
		b := append([]byte(nil), report...)
		b[i] ^= 0x01
		if _, err := VerifyCustody(b); err == nil {
			t.Fatalf("a report with byte %d of %d changed verifies", i, len(report))
		} else if !errors.Is(err, ErrIntegrity) {
			t.Fatalf("byte %d: %v is not an integrity error", i, err)
		}
	}
}

// FuzzVerifyCustody starts from a real report kept in
// testdata/fuzz/FuzzVerifyCustody (TVAULT_CUSTODY_SEED=DIR with
// TestCustodyRefusesAnyChangedByte writes a new one).
func FuzzVerifyCustody(f *testing.F) {
	f.Add([]byte("{}\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sum, err := VerifyCustody(b)
		if err == nil && (sum.Report == nil || sum.SealedBy == "") {
			t.Fatalf("accepted a report without a sealer: %+v", sum)
		}
	})
}
