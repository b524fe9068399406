package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// The states of an unmask request, as ListUnmask reports them.
const (
	// UnmaskPending: fewer approvals than the class's threshold needs.
	UnmaskPending = "pending"
	// UnmaskGranted: the requester holds enough shares to open the record.
	UnmaskGranted = "granted"
	// UnmaskStale: the record's key has moved to another epoch (keys
	// rewrap) or the record is gone; the request can no longer be
	// approved, and its grants open nothing.
	UnmaskStale = "stale"
)

// UnmaskInfo is one unmask request as ListUnmask shows it.
type UnmaskInfo struct {
	ID          string    `json:"request"`
	Record      string    `json:"record"`
	Class       string    `json:"class"`
	Requester   string    `json:"requester"`
	Reason      string    `json:"reason"`
	RequestedAt time.Time `json:"requested_at"`
	Epoch       int       `json:"epoch"`
	Approvers   []string  `json:"approvers"`
	// Shares counts the requester's own share and one per approval; Need
	// is the class's threshold.
	Shares int    `json:"shares"`
	Need   int    `json:"need"`
	State  string `json:"state"`
}

// ListUnmask returns the unmask requests the actor may see, oldest first:
// those for classes a role of theirs may decrypt (the holders who could
// approve them) and their own. Every request and grant is verified; one
// that fails fails the listing (exit 4): a forged request must not show
// as a real one. The listing is recorded.
func (a *Actor) ListUnmask(ctx context.Context) ([]UnmaskInfo, error) {
	const op = "unmask-list"
	if err := a.authorize(op, ""); err != nil {
		return nil, err
	}
	mine := a.v.pol.Decryptable(a.member.Name)
	out := []UnmaskInfo{}
	err := a.v.view(func(t *store.Txn) error {
		return t.EachUnmaskRequest(func(id string, _ []byte) error {
			r, _, err := a.v.unmaskRequest(t, id)
			if err != nil {
				return err
			}
			if r.SignedBy != a.member.Name && !slices.Contains(mine, r.Class) {
				return nil
			}
			info, err := a.v.unmaskInfo(t, r)
			if err != nil {
				return err
			}
			out = append(out, info)
			return nil
		})
	})
	if err != nil {
		return nil, a.failed(op, "", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RequestedAt.Before(out[j].RequestedAt) })
	if err := a.recordOK(op, "", "", fmt.Sprintf("%d request%s shown", len(out), plural(len(out)))); err != nil {
		return nil, err
	}
	return out, nil
}

// unmaskInfo describes a verified request r with its verified grants.
func (v *Vault) unmaskInfo(t *store.Txn, r *record.UnmaskRequest) (UnmaskInfo, error) {
	info := UnmaskInfo{ID: r.ID, Record: r.Record, Class: r.Class, Requester: r.SignedBy, Reason: r.Reason,
		RequestedAt: r.RequestedAt, Epoch: r.Epoch, Approvers: []string{}, Shares: 1, Need: r.Threshold, State: UnmaskPending}
	e, err := v.loadEpoch(t, r.Class, r.Epoch)
	if err != nil {
		return info, err
	}
	grants, err := v.unmaskGrants(t, r, e)
	if err != nil {
		return info, err
	}
	for _, g := range grants {
		info.Approvers = append(info.Approvers, g.SignedBy)
	}
	info.Shares += len(grants)
	if info.Shares >= info.Need {
		info.State = UnmaskGranted
	}
	raw, err := t.DEK(r.Record, r.Class)
	if errors.Is(err, store.ErrNotFound) {
		info.State = UnmaskStale
		return info, nil
	}
	if err != nil {
		return info, err
	}
	w, err := record.DecodeDEKWrap(raw, r.Record, r.Class)
	if err != nil {
		return info, err
	}
	if w.Epoch != r.Epoch {
		info.State = UnmaskStale
	}
	return info, nil
}

// checkUnmask is check's pass over the unmask requests and their grants:
// each one that fails verification is a finding.
func (c *checker) checkUnmask(t *store.Txn) error {
	return t.EachUnmaskRequest(func(id string, _ []byte) error {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		subject := "unmask request " + id
		r, _, err := c.v.unmaskRequest(t, id)
		if err != nil {
			return c.finding(subject, err)
		}
		e, err := c.v.loadEpoch(t, r.Class, r.Epoch)
		if err == nil {
			_, err = c.v.unmaskGrants(t, r, e)
		}
		return c.finding(subject, err)
	})
}
