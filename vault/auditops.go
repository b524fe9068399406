package vault

import (
	"errors"
	"fmt"
	"io"
	"sort"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
)

// keyInfos lists every member signing key of every policy version, the
// verification material of the audit log.
func keyInfos(t *store.Txn) ([]audit.KeyInfo, error) {
	pvs, err := loadPolicies(t)
	if err != nil {
		return nil, err
	}
	type nk struct{ name, key string }
	idx := map[nk]int{}
	var out []audit.KeyInfo
	for _, pv := range pvs {
		for _, m := range pv.policy.Members {
			k := nk{m.Name, tcrypto.FormatSigningKey(m.SigningPublicKey)}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, audit.KeyInfo{Name: k.name, Key: k.key, Member: true})
			}
			out[i].PolicyVersions = append(out[i].PolicyVersions, pv.Version)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ExportFormat selects the audit export's format.
type ExportFormat int

const (
	// ExportJSONL is JSON Lines with verification material and a checkpoint.
	ExportJSONL ExportFormat = iota
	// ExportCSV is a spreadsheet view without signatures.
	ExportCSV
)

// ExportAudit writes the audit log (filtered by opts) to w. It needs the
// audit action. The export's own entry is appended first, so the export
// proves that it was made.
func (v *Vault) ExportAudit(w io.Writer, format ExportFormat, opts audit.ExportOptions) (int, error) {
	m, ok := v.actor()
	if !ok {
		return 0, v.deny("audit-export", "", "", "not a member of the vault's policy")
	}
	if !v.pol.May(m.Name, policy.ActionAudit) {
		return 0, v.deny("audit-export", "", "", "no role of theirs has the audit action")
	}
	detail := "full"
	if opts.Record != "" || opts.Actor != "" || !opts.Since.IsZero() || !opts.Until.IsZero() {
		detail = "filtered"
	}
	if format == ExportCSV {
		detail += ", csv"
	}
	if err := v.audit(audit.Entry{Action: "audit-export", Record: opts.Record, Outcome: "ok", Detail: detail}); err != nil {
		return 0, err
	}
	var n int
	err := v.st.View(func(t *store.Txn) error {
		var err error
		if format == ExportCSV {
			n, err = v.log.ExportCSV(w, t, opts)
			return err
		}
		keys, err := keyInfos(t)
		if err != nil {
			return err
		}
		n, err = v.log.Export(w, t, keys, opts)
		return err
	})
	return n, err
}

// VerifyAudit checks the vault's own audit log: every entry's signature, the
// tree against its stored hashes, and the checkpoint. With against, it also
// proves that the log extends that earlier checkpoint (no rollback, no
// rewrite). Any member may verify; the result is recorded.
func (v *Vault) VerifyAudit(against []byte) (audit.Summary, error) {
	if _, ok := v.actor(); !ok {
		return audit.Summary{}, v.deny("audit-verify", "", "", "not a member of the vault's policy")
	}
	var sum audit.Summary
	verr := v.st.View(func(t *store.Txn) error {
		keys, err := keyInfos(t)
		if err != nil {
			return err
		}
		if sum, err = v.log.VerifyLog(t, keys); err != nil {
			return err
		}
		if against != nil {
			return v.log.VerifyAgainst(t, keys, against)
		}
		return nil
	})
	outcome, detail := "ok", "log verified"
	if against != nil {
		detail += " against an earlier checkpoint"
	}
	if verr != nil {
		outcome, detail = "error", "verification failed"
	}
	if err := v.audit(audit.Entry{Action: "audit-verify", Outcome: outcome, Detail: detail}); err != nil {
		return sum, errors.Join(verr, err)
	}
	return sum, verr
}

// AuditCheckpoint records the request and returns the signed checkpoint
// that covers it: the tree head to keep off the machine.
func (v *Vault) AuditCheckpoint() ([]byte, error) {
	if _, ok := v.actor(); !ok {
		return nil, v.deny("audit-checkpoint", "", "", "not a member of the vault's policy")
	}
	if err := v.audit(audit.Entry{Action: "audit-checkpoint", Outcome: "ok"}); err != nil {
		return nil, err
	}
	var cp []byte
	err := v.st.View(func(t *store.Txn) error {
		var err error
		cp, err = t.Checkpoint()
		if err == nil && cp == nil {
			err = fmt.Errorf("%w: the audit log has no checkpoint", ErrIntegrity)
		}
		return err
	})
	return cp, err
}
