package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	priv "github.com/tvault/tvault/internal/private"
	"github.com/tvault/tvault/vault/audit"
)

// OpenRecordOptions selects what OpenRecord decrypts and where it writes.
type OpenRecordOptions struct {
	// Dir receives <class>/fields.json and <class>/<attachment> files.
	Dir string
	// Classes limits OpenRecord to these classes; naming one the member
	// cannot decrypt is a denial. Empty means every class the member can
	// decrypt.
	Classes []string
	// Purpose is recorded in the audit log. It is free text: never an
	// interviewee's identity.
	Purpose string
}

// OpenReport tells what OpenRecord wrote and what it skipped.
type OpenReport struct {
	Opened  []OpenedPart
	Skipped []SkippedPart
	// Leftovers counts the staging folders of earlier interrupted opens
	// found in Dir and removed.
	Leftovers int
}

// OpenedPart lists the files written for one part.
type OpenedPart struct {
	Class string
	Files []string
}

// SkippedPart is a part of the record the member cannot decrypt.
type SkippedPart struct {
	Class  string
	Reason string
}

// OpenRecord decrypts the parts of record id that the actor may decrypt
// into opts.Dir. Every part opened or refused is recorded in the audit log
// in one commit before any plaintext is written. Everything is written and
// checked in a staging folder inside Dir and moved into place only when
// whole; existing files are never overwritten. When ctx is cancelled, or
// anything fails, the staging folder goes and with it every byte of
// plaintext this call wrote.
func (a *Actor) OpenRecord(ctx context.Context, id string, opts OpenRecordOptions) (*OpenReport, error) {
	if err := a.authorize("open", ""); err != nil {
		return nil, err
	}
	h, access, err := a.accessAll(ctx, id, opts.Classes)
	if err != nil {
		return nil, a.failed("open", id, err)
	}
	defer forget(access)
	if err := a.checkPurpose("open", h, "", opts.Purpose); err != nil {
		return nil, err
	}
	// Classes named outright must all be allowed: if one is denied, only
	// the denials are recorded and nothing is opened.
	if len(opts.Classes) > 0 {
		if denied := deniedParts(access); len(denied) > 0 {
			if err := a.record(a.openEntries(id, denied, "")...); err != nil {
				return nil, err
			}
			return nil, &DeniedError{Member: a.member.Name, Action: "open class " + denied[0].part.Class, Reason: denied[0].reason}
		}
	}
	rep := &OpenReport{}
	if err := prepareOutput(opts.Dir, access, rep); err != nil {
		return nil, err
	}
	if err := a.record(a.openEntries(id, access, purposeDetail(opts.Purpose))...); err != nil {
		return nil, err
	}
	for _, pa := range access {
		if pa.dek == nil {
			rep.Skipped = append(rep.Skipped, SkippedPart{Class: pa.part.Class, Reason: pa.reason})
		}
	}
	if len(rep.Skipped) == len(access) {
		reason := "they cannot decrypt any of its classes"
		if a.v.field != nil {
			reason = errFieldWriteOnly
		}
		return nil, &DeniedError{Member: a.member.Name, Action: "open record " + id, Reason: reason}
	}
	if err := a.v.writeParts(ctx, opts.Dir, access, rep); err != nil {
		if damaged(err) {
			return nil, a.failed("open", id, err)
		}
		return nil, err
	}
	return rep, nil
}

func deniedParts(access []*partAccess) []*partAccess {
	var out []*partAccess
	for _, pa := range access {
		if pa.dek == nil {
			out = append(out, pa)
		}
	}
	return out
}

// openEntries are the audit entries of an opening: one per part, opened or
// denied.
func (a *Actor) openEntries(id string, access []*partAccess, detail string) []audit.Entry {
	var out []audit.Entry
	for _, pa := range access {
		e := audit.Entry{Action: "open", Record: id, Class: pa.part.Class, Outcome: audit.OutcomeOK, Detail: detail}
		if pa.dek == nil {
			e.Outcome, e.Detail = audit.OutcomeDenied, pa.reason
		} else {
			e.Detail = withVia(detail, pa.via)
		}
		out = append(out, e)
	}
	return out
}

// prepareOutput makes the output folder, removes what earlier interrupted
// opens left in it, and refuses a class folder that exists already.
func prepareOutput(dir string, access []*partAccess, rep *OpenReport) error {
	if len(deniedParts(access)) == len(access) {
		return nil
	}
	if err := priv.MkdirAll(dir); err != nil {
		return fmt.Errorf("failed to create %s: %w", dir, err)
	}
	n, err := removeLeftovers(dir)
	if err != nil {
		return err
	}
	rep.Leftovers = n
	for _, pa := range access {
		if pa.dek == nil {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, pa.part.Class)); err == nil {
			return &InputError{Msg: fmt.Sprintf("%s already exists: open into a new or empty folder", filepath.Join(dir, pa.part.Class))}
		}
	}
	return nil
}
