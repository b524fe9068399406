package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
)

// CustodySummary is what VerifyCustody found a custody report to prove.
type CustodySummary struct {
	Report   *CustodyReport
	SealedBy string
	SealedAt time.Time
	// Sealing is the audit entry that sealed the record in this vault, or,
	// for a record sealed in the field, the one that imported it.
	Sealing audit.Entry
	// Bundle is the manifest of the bundle that brought the record in
	// (nil for a record sealed in the vault).
	Bundle *record.Bundle
	// Events are the audit trail's entries, in order: each verified in the
	// log's tree at the checkpoint.
	Events     []audit.Entry
	Checkpoint audit.Summary
	// Keys are the member keys the trail's export lists, or the trusted
	// keys given: the report's signature, the sealer's and every entry's
	// are checked against them.
	Keys []audit.KeyInfo
}

// VerifyCustody checks a custody file offline, with nothing but the file:
// the audit trail (every entry's signature, its inclusion proof, the
// checkpoint), the report's signature by a member key the trail lists, the
// header's signature by a member key, and that the trail's sealing entry
// (or, for a record from the field, its bundle manifest, field seal entry
// and import entry) names exactly this header. The keys come from the
// report itself: compare them with the members' cards (tvault card).
// Attachment hashes are the signer's statement: only someone who can
// decrypt the class can recompute them.
func VerifyCustody(file []byte) (*CustodySummary, error) {
	return VerifyCustodyWith(file, nil)
}

// VerifyCustodyWith is VerifyCustody with keys from outside the report
// (trusted, if not nil): only they verify the trail, the report and the
// header, the report's own keys are ignored, and a policy chain must be
// the report's vault's (trusted.CheckExport).
func VerifyCustodyWith(file []byte, trusted *TrustedKeys) (*CustodySummary, error) {
	text, _, ok := bytes.Cut(file, []byte("\n\n"))
	if !ok {
		return nil, integrityErrorf("the custody report is not a signed note")
	}
	var rep CustodyReport
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil || rep.Format != custodyFormat || !record.ValidID(rep.Record) || !record.ValidID(rep.Vault) {
		return nil, integrityErrorf("the custody report is unreadable or of an unknown format")
	}
	var o audit.VerifyOptions
	if trusted != nil {
		if trusted.Origin != "" && trusted.Origin != "tvault/"+rep.Vault {
			return nil, integrityErrorf("the custody report is of vault %s, the policy chain of %s", rep.Vault, strings.TrimPrefix(trusted.Origin, "tvault/"))
		}
		if err := trusted.CheckExport(strings.NewReader(rep.Audit)); err != nil {
			return nil, fmt.Errorf("the custody report's audit trail: %w", err)
		}
		o.Trusted = trusted.Keys
	}
	sum, err := audit.VerifyExportWith(strings.NewReader(rep.Audit), o)
	if err != nil {
		return nil, fmt.Errorf("the custody report's audit trail: %w", err)
	}
	if sum.Origin != "tvault/"+rep.Vault {
		return nil, integrityErrorf("the custody report's audit trail is another vault's")
	}
	keys, entries, err := audit.ExportEntries([]byte(rep.Audit))
	if err != nil {
		return nil, integrityErrorf("the custody report's audit trail is unreadable: %v", err)
	}
	if trusted != nil {
		keys = trusted.Keys
	}
	if _, signer, err := audit.OpenNote(file, keys); err != nil || signer != rep.MadeBy {
		return nil, integrityErrorf("the custody report is not signed by %q, a member the trail lists: %v", rep.MadeBy, err)
	}
	h, err := record.DecodeHeader(rep.Record, rep.Header)
	if err != nil {
		return nil, err
	}
	if h.Vault != rep.Vault || !memberKey(keys, h.SealedBy, h.SealerKey) {
		return nil, integrityErrorf("record %s: its header names another vault, or a sealer the trail does not list", rep.Record)
	}
	out := &CustodySummary{Report: &rep, SealedBy: h.SealedBy, SealedAt: h.SealedAt, Events: entries, Checkpoint: sum, Keys: keys}
	if out.Sealing, out.Bundle, err = custodySealing(&rep, h, entries); err != nil {
		return nil, err
	}
	return out, nil
}

// custodySealing finds, in a report's trail, the entry that binds its
// header: a seal entry naming it, or for a record from the field its
// import entry, with the bundle manifest and field seal entry.
func custodySealing(rep *CustodyReport, h *record.Header, entries []audit.Entry) (audit.Entry, *record.Bundle, error) {
	digest := audit.Digest(rep.Header)
	for _, e := range entries {
		if rep.Field == nil && e.Action == "seal" && e.Outcome == audit.OutcomeOK && e.Record == rep.Record {
			if e.Digest != digest || e.Actor != h.SealedBy || e.ActorKey != h.SealerKey || !e.Time.Equal(h.SealedAt) {
				return e, nil, integrityErrorf("record %s: its seal entry %d does not name this header", rep.Record, e.Seq)
			}
			return e, nil, nil
		}
		if rep.Field != nil && e.Seq == rep.Field.ImportEntry {
			b, err := record.DecodeBundle(rep.Field.Manifest)
			if err != nil {
				return e, nil, err
			}
			if e.Action != actionBundleImport || e.Outcome != audit.OutcomeOK || e.Digest != audit.Digest(rep.Field.Manifest) ||
				b.Vault != rep.Vault || b.Sealer != h.SealedBy || b.SignerKey != h.SealerKey {
				return e, nil, integrityErrorf("record %s: its import entry %d is not of the bundle the report gives", rep.Record, e.Seq)
			}
			if d, ok := b.Lists(rep.Record); !ok || d != digest {
				return e, nil, integrityErrorf("record %s: the bundle does not list this header", rep.Record)
			}
			return e, b, checkFieldSeal(h, rep.Header, rep.Field.SealEntry)
		}
	}
	return audit.Entry{}, nil, integrityErrorf("record %s: the audit trail holds no entry that sealed or imported it", rep.Record)
}

// memberKey reports whether keys lists name with key as a member.
func memberKey(keys []audit.KeyInfo, name, key string) bool {
	for _, k := range keys {
		if k.Member && k.Name == name && k.Key == key {
			return true
		}
	}
	return false
}
