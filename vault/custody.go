package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionCustody is the audit action of Custody.
const actionCustody = "custody"

// CustodyReport is one record's chain of custody, as a court asks for it
// (Berkeley Protocol para. 167): the signed header; for a record sealed in
// the field, the bundle manifest and the field seal entry that bind it;
// every audit entry about it (sealing or import, each opening with its
// purpose, this report's own making) with inclusion proofs and a
// checkpoint; and, for the classes its maker could decrypt, each
// attachment's SHA-256, as an examiner computes it with sha256sum. A
// custody file is this JSON as the text of a signed note, signed by the
// member who made it (VerifyCustody checks it offline).
type CustodyReport struct {
	Format      int           `json:"tvault_custody"`
	Vault       string        `json:"vault"`
	Record      string        `json:"record"`
	Header      []byte        `json:"header"`
	Field       *CustodyField `json:"field,omitempty"`
	Attachments []CustodyFile `json:"attachments"`
	Audit       string        `json:"audit"`
	Made        time.Time     `json:"made"`
	MadeBy      string        `json:"made_by"`
}

// CustodyField is how a record sealed in a field vault came in.
type CustodyField struct {
	FieldVault  string `json:"field_vault"`
	Manifest    []byte `json:"bundle_manifest"` // signed by the researcher
	SealEntry   []byte `json:"seal_entry"`      // the leaf of the field vault's log
	ImportEntry int64  `json:"import_entry"`
}

// CustodyFile is one attachment as the maker of the report decrypted its
// class's manifest.
type CustodyFile struct {
	Class  string `json:"class"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// custodyFormat is CustodyReport.Format.
const custodyFormat = 1

// Custody makes the chain-of-custody report of record id, signed by the
// actor, who needs the audit action. Reading the attachment hashes of the
// classes the actor can decrypt is recorded, with the making of the
// report, before the audit trail is taken, so the report shows its own
// making.
func (a *Actor) Custody(ctx context.Context, id string) ([]byte, error) {
	if err := a.authorize(actionCustody, policy.ActionAudit); err != nil {
		return nil, err
	}
	rep := &CustodyReport{Format: custodyFormat, Vault: a.v.meta.ID, Record: id, MadeBy: a.member.Name, Attachments: []CustodyFile{}}
	err := a.v.view(func(t *store.Txn) error { return a.custodyBinding(t, rep) })
	if err != nil {
		return nil, a.failed(actionCustody, id, err)
	}
	_, access, err := a.accessAll(ctx, id, nil)
	if err != nil {
		return nil, a.failed(actionCustody, id, err)
	}
	for _, pa := range access {
		if pa.man == nil {
			continue
		}
		for _, at := range pa.man.Attachments {
			rep.Attachments = append(rep.Attachments, CustodyFile{Class: pa.part.Class, Name: at.Name, Size: at.Size, SHA256: at.SHA256})
		}
	}
	forget(access)
	if err := a.recordOK(actionCustody, id, "", fmt.Sprintf("report with %d attachment hashes", len(rep.Attachments))); err != nil {
		return nil, err
	}
	opts := audit.ExportOptions{Record: id}
	if rep.Field != nil {
		opts.Also = []int64{rep.Field.ImportEntry}
	}
	var buf bytes.Buffer
	err = a.v.view(func(t *store.Txn) error {
		keys, err := a.v.keyInfos(t)
		if err != nil {
			return err
		}
		_, err = a.v.log.Export(&buf, t, keys, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	rep.Audit, rep.Made = buf.String(), a.v.now()
	body, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	return audit.SignNote(audit.Actor{Name: a.member.Name, Key: a.id.SigningKey()}, string(body)+"\n")
}

// custodyBinding verifies record rep.Record's header and fills in what
// binds it: nothing more for a record sealed here (its seal entry is in
// the audit trail), the bundle and field seal entry for one imported.
func (a *Actor) custodyBinding(t *store.Txn, rep *CustodyReport) error {
	_, e, err := a.v.sealedHeader(t, rep.Record)
	if err != nil {
		return err
	}
	if rep.Header, err = t.Header(rep.Record); err != nil {
		return err
	}
	if e.Action != actionBundleImport {
		return nil
	}
	b, err := t.Bundle(e.Digest)
	if err != nil {
		return err
	}
	leaf, _, err := t.Imported(rep.Record)
	if err != nil {
		return err
	}
	m, err := a.v.bundle(t, e.Digest)
	if err != nil {
		return err
	}
	rep.Field = &CustodyField{FieldVault: m.Field, Manifest: b, SealEntry: leaf, ImportEntry: e.Seq}
	return nil
}
