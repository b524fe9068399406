package vault

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
	"github.com/tvault/tvault/vault/internal/trust"
)

// keyInfos lists every member signing key of every policy version, the
// verification material of the audit log: in a field vault, its
// researcher's.
func (v *Vault) keyInfos(t *store.Txn) ([]audit.KeyInfo, error) {
	pvs := v.pols
	if v.field == nil {
		var err error
		if pvs, err = loadPolicies(t); err != nil {
			return nil, err
		}
	}
	return trust.Keys(pvs), nil
}

// ExportOptions filters an audit export and chooses its form.
type ExportOptions struct {
	audit.ExportOptions
	// CSV writes a spreadsheet view without signatures instead of JSON
	// Lines with verification material and a checkpoint.
	CSV bool
}

// ExportAudit writes the audit log, filtered by opts, to w and returns how
// many entries it wrote. It needs the audit action. The export's own entry
// is appended first, so the export proves that it was made.
func (a *Actor) ExportAudit(ctx context.Context, w io.Writer, opts ExportOptions) (int, error) {
	if err := a.authorize("audit-export", policy.ActionAudit); err != nil {
		return 0, err
	}
	detail := "full"
	if opts.Record != "" || opts.Actor != "" || !opts.Since.IsZero() || !opts.Until.IsZero() {
		detail = "filtered"
	}
	if opts.CSV {
		detail += ", csv"
	}
	if err := a.recordOK("audit-export", opts.Record, "", detail); err != nil {
		return 0, err
	}
	var n int
	err := a.v.view(func(t *store.Txn) error {
		var err error
		if opts.CSV {
			n, err = a.v.log.ExportCSV(w, t, opts.ExportOptions)
			return err
		}
		keys, err := a.v.keyInfos(t)
		if err != nil {
			return err
		}
		if err := a.v.addKept(t, &opts.Earlier); err != nil {
			return err
		}
		n, err = a.v.log.Export(w, t, keys, opts.ExportOptions)
		return err
	})
	return n, err
}

// VerifyAudit checks the vault's own audit log: every entry's signature, the
// tree against its stored hashes, and the checkpoint; and what o adds (an
// earlier checkpoint the log must extend, witnesses whose cosignatures it
// requires, keys to use instead of the policy's). Any member may verify;
// the result is recorded.
func (a *Actor) VerifyAudit(ctx context.Context, o audit.VerifyOptions) (audit.Summary, error) {
	if err := a.authorize("audit-verify", ""); err != nil {
		return audit.Summary{}, err
	}
	var sum audit.Summary
	verr := a.v.view(func(t *store.Txn) error {
		keys, err := a.v.keyInfos(t)
		if err != nil {
			return err
		}
		if err := a.v.addKept(t, &o.Earlier); err != nil {
			return err
		}
		sum, err = a.v.log.VerifyLogWith(t, keys, o)
		return err
	})
	outcome, detail := audit.OutcomeOK, "log verified"
	if o.Against != nil {
		detail += " against an earlier checkpoint"
	}
	if len(o.Witnesses) > 0 {
		q := o.Quorum
		if q <= 0 || q > len(o.Witnesses) {
			q = len(o.Witnesses)
		}
		detail += fmt.Sprintf(", cosignatures of %d of %d witnesses required", q, len(o.Witnesses))
	}
	if verr != nil {
		outcome, detail = audit.OutcomeError, "verification failed"
	}
	if err := a.record(audit.Entry{Action: "audit-verify", Outcome: outcome, Detail: detail}); err != nil {
		return sum, errors.Join(verr, err)
	}
	return sum, verr
}

// AuditCheckpoint records the request and returns the signed checkpoint
// that covers it: the tree head to keep off the machine.
func (a *Actor) AuditCheckpoint(ctx context.Context) ([]byte, error) {
	if err := a.authorize("audit-checkpoint", ""); err != nil {
		return nil, err
	}
	if err := a.recordOK("audit-checkpoint", "", "", ""); err != nil {
		return nil, err
	}
	var cp []byte
	err := a.v.view(func(t *store.Txn) error {
		var err error
		cp, err = t.Checkpoint()
		if err == nil && cp == nil {
			err = fmt.Errorf("%w: the audit log has no checkpoint", ErrIntegrity)
		}
		return err
	})
	return cp, err
}
