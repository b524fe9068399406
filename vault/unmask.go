package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// Unmasking one record's part of a threshold class (threshold = k): a
// holder asks (RequestUnmask), k-1 other holders each decrypt their own
// share of that record's DEK and age-encrypt it to the requester
// (ApproveUnmask), and the requester's own share plus those grants open
// that part for that requester (access, through unmasked). No slot secret
// and no DEK ever leaves its holder; only shares of one record's DEK do.
//
// A request and each grant are signed values bound to an audit entry of
// their own exactly as policy versions are: the entry (unmask-request,
// unmask-approve) names the digest of the stored bytes, is written in the
// same transaction, and readers check the entry — its action, outcome,
// actor, actor key, digest and signature — never unsigned metadata.
// Someone with the vault folder and a key of their own can therefore
// neither add a request or grant nor move one to another record, request
// or requester.

// maxReason bounds an unmask request's reason: it goes into the audit
// entry's detail (at most 1024 bytes) after the request id and threshold.
const maxReason = 900

// UnmaskRequestInfo is what RequestUnmask created.
type UnmaskRequestInfo struct {
	ID     string `json:"request"`
	Record string `json:"record"`
	Class  string `json:"class"`
}

// RequestUnmask asks to open the part of record id of a threshold class
// the actor holds (class names it when the record has more than one). The
// actor must be a holder by policy and by keys (a slot of the record's
// epoch); reason is one line of plain text, kept in the request and the
// audit log.
func (a *Actor) RequestUnmask(ctx context.Context, id, class, reason string) (*UnmaskRequestInfo, error) {
	const op = "unmask-request"
	if err := a.authorize(op, ""); err != nil {
		return nil, err
	}
	if err := checkReason(reason, "unmasking"); err != nil {
		return nil, err
	}
	var info *UnmaskRequestInfo
	var denial, deniedClass string
	err := a.v.update(func(t *store.Txn) error {
		h, err := a.v.header(t, id)
		if err != nil {
			return err
		}
		part, why, err := a.thresholdPart(h, class)
		if err != nil || why != "" {
			denial, deniedClass = why, class
			return err
		}
		w, e, err := a.v.wrapOf(t, h.ID, part.Class)
		if err != nil {
			return err
		}
		share, err := e.ShareOf(w, a.id)
		if errors.Is(err, keys.ErrNoSlot) {
			denial, deniedClass = noSlotReason(part.Class, w.Epoch), part.Class
			return nil
		}
		if err != nil {
			return err
		}
		x := share[len(share)-1]
		clear(share)
		info, err = a.storeRequest(t, h.ID, part.Class, e, x, reason)
		return err
	})
	if err != nil {
		return nil, a.failed(op, id, err)
	}
	if denial != "" {
		return nil, a.deny(op, id, deniedClass, denial)
	}
	return info, nil
}

// storeRequest signs and stores a request with its entry.
func (a *Actor) storeRequest(t *store.Txn, id, class string, e *keys.Epoch, x byte, reason string) (*UnmaskRequestInfo, error) {
	now, err := a.stamp(t)
	if err != nil {
		return nil, err
	}
	req := &record.UnmaskRequest{ID: record.NewID(), Record: id, Class: class, Epoch: e.Number, Threshold: e.Threshold,
		X: x, Reason: reason, Recipient: a.id.Recipient(), RequestedAt: now}
	raw, err := record.SignUnmaskRequest(a.id, a.member.Name, req)
	if err != nil {
		return nil, err
	}
	entry, err := a.appendEntry(t, audit.Entry{Time: now, Action: "unmask-request", Record: id, Class: class, Outcome: audit.OutcomeOK,
		Detail: fmt.Sprintf("request %s, needs %d shares (the requester's own counts); reason: %s", req.ID, e.Threshold, reason), Digest: audit.Digest(raw)})
	if err != nil {
		return nil, err
	}
	if err := t.PutUnmaskRequest(req.ID, raw, entry.Seq); err != nil {
		return nil, err
	}
	return &UnmaskRequestInfo{ID: req.ID, Record: id, Class: class}, nil
}

// thresholdPart picks the part of h a request is for: the named class, or
// the one threshold class of h the actor may decrypt. A reason is a
// denial; an error a refusal of the input.
func (a *Actor) thresholdPart(h *record.Header, class string) (record.Part, string, error) {
	mine := a.v.pol.Decryptable(a.member.Name)
	if class != "" {
		part, err := partOf(h, class)
		switch {
		case err != nil:
			return part, "", err
		case part.Threshold < 2:
			return part, "", &InputError{Msg: fmt.Sprintf("class %s of record %s has no threshold: its holders open it alone with 'tvault open %s'", class, h.ID, h.ID)}
		case !slices.Contains(mine, class):
			return part, fmt.Sprintf("no role of theirs may decrypt class %s", class), nil
		}
		return part, "", nil
	}
	var all, held []record.Part
	for _, p := range h.Parts {
		if p.Threshold > 1 {
			all = append(all, p)
			if slices.Contains(mine, p.Class) {
				held = append(held, p)
			}
		}
	}
	switch {
	case len(all) == 0:
		return record.Part{}, "", &InputError{Msg: fmt.Sprintf("record %s has no class with a threshold: there is nothing to unmask, its holders open it with 'tvault open %s'", h.ID, h.ID)}
	case len(held) == 0:
		return record.Part{}, fmt.Sprintf("no role of theirs may decrypt %s, the record's threshold class%s", classNames(all), map[bool]string{true: "", false: "es"}[len(all) == 1]), nil
	case len(held) > 1:
		return record.Part{}, "", &InputError{Msg: fmt.Sprintf("record %s has several threshold classes they hold (%s): name one with --class", h.ID, classNames(held))}
	}
	return held[0], "", nil
}

func classNames(parts []record.Part) string {
	var names []string
	for _, p := range parts {
		names = append(names, p.Class)
	}
	return strings.Join(names, ", ")
}

// noSlotReason says why a member holds no slot of a threshold class's
// epoch and what gives them one: each holder has a slot of their own, so
// a new one needs a new epoch and the records moved to it.
func noSlotReason(class string, epoch int) string {
	return fmt.Sprintf("their key holds no slot of class %s epoch %d (with a threshold each holder has a slot of their own: a holder must run 'tvault keys rotate --class %s', then the holders 'tvault keys rewrap --class %s')", class, epoch, class, class)
}

// wrapOf reads and decodes the DEK wrap of record id's part of class and
// loads its epoch.
func (v *Vault) wrapOf(t *store.Txn, id, class string) (*record.DEKWrap, *keys.Epoch, error) {
	raw, err := t.DEK(id, class)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, missingWrap(t, id, class)
	}
	if err != nil {
		return nil, nil, err
	}
	w, err := record.DecodeDEKWrap(raw, id, class)
	if err != nil {
		return nil, nil, err
	}
	e, err := v.loadEpoch(t, class, w.Epoch)
	return w, e, err
}

// UnmaskApproval is what ApproveUnmask did.
type UnmaskApproval struct {
	Request, Record, Class, Requester string
	// Shares is how many shares the requester now has (their own
	// counts); Need the class's threshold.
	Shares, Need int
}

// ApproveUnmask answers request reqID: the actor, a holder of its class
// other than the requester, decrypts their own share of that record's DEK
// and age-encrypts it to the requester, as a signed grant bound to an
// unmask-approve entry.
func (a *Actor) ApproveUnmask(ctx context.Context, reqID string) (*UnmaskApproval, error) {
	const op = "unmask-approve"
	if err := a.authorize(op, ""); err != nil {
		return nil, err
	}
	if !record.ValidID(reqID) {
		return nil, &InputError{Msg: fmt.Sprintf("%q is not an unmask request id (20 characters a-z and 2-7, as printed by 'tvault unmask request' or 'tvault unmask list')", reqID)}
	}
	var res *UnmaskApproval
	var denial, recID, class string
	err := a.v.update(func(t *store.Txn) error {
		req, _, err := a.v.unmaskRequest(t, reqID)
		if err != nil {
			return err
		}
		recID, class = req.Record, req.Class
		if denial = a.approvalDenial(req); denial != "" {
			return nil
		}
		res, denial, err = a.grant(t, req)
		return err
	})
	if err != nil {
		return nil, a.failed(op, recID, err)
	}
	if denial != "" {
		return nil, a.deny(op, recID, class, denial)
	}
	return res, nil
}

// approvalDenial is why the actor may not approve req by policy, or "".
func (a *Actor) approvalDenial(req *record.UnmaskRequest) string {
	switch {
	case req.SignedBy == a.member.Name:
		return fmt.Sprintf("unmask request %s is their own: another holder of class %s must approve it", req.ID, req.Class)
	case !slices.Contains(a.v.pol.Decryptable(a.member.Name), req.Class):
		return fmt.Sprintf("no role of theirs may decrypt class %s", req.Class)
	}
	return ""
}

// grant checks that req can still be answered and stores the actor's
// grant of it.
func (a *Actor) grant(t *store.Txn, req *record.UnmaskRequest) (*UnmaskApproval, string, error) {
	if _, err := a.v.header(t, req.Record); err != nil {
		return nil, "", err
	}
	w, e, err := a.v.wrapOf(t, req.Record, req.Class)
	if err != nil {
		return nil, "", err
	}
	if w.Epoch != req.Epoch {
		return nil, "", fmt.Errorf("unmask request %s was made for epoch %d of class %s, but record %s's key has since moved to epoch %d: nothing was approved; %s must ask again with 'tvault unmask request %s --reason TEXT'",
			req.ID, req.Epoch, req.Class, req.Record, w.Epoch, req.SignedBy, req.Record)
	}
	m, ok := a.v.pol.Member(req.SignedBy)
	if !ok || m.Recipient != req.Recipient || tcrypto.FormatSigningKey(m.SigningPublicKey) != req.SignerKey ||
		!slices.Contains(a.v.pol.Decryptable(m.Name), req.Class) {
		return nil, "", fmt.Errorf("%s, who made unmask request %s, no longer holds class %s under the policy in force: nothing was approved", req.SignedBy, req.ID, req.Class)
	}
	grants, err := a.v.unmaskGrants(t, req, e)
	if err != nil {
		return nil, "", err
	}
	for _, g := range grants {
		if g.SignedBy == a.member.Name {
			return nil, "", fmt.Errorf("%s has already approved unmask request %s: nothing to do", a.member.Name, req.ID)
		}
	}
	if 1+len(grants) >= req.Threshold {
		return nil, "", fmt.Errorf("unmask request %s already has the %d shares it needs: nothing was approved", req.ID, req.Threshold)
	}
	share, err := e.ShareOf(w, a.id)
	if errors.Is(err, keys.ErrNoSlot) {
		return nil, noSlotReason(req.Class, w.Epoch), nil
	}
	if err != nil {
		return nil, "", err
	}
	defer clear(share)
	if err := a.storeGrant(t, req, share, m.Recipient); err != nil {
		return nil, "", err
	}
	return &UnmaskApproval{Request: req.ID, Record: req.Record, Class: req.Class, Requester: req.SignedBy,
		Shares: 2 + len(grants), Need: req.Threshold}, "", nil
}

// storeGrant encrypts share to the requester's recipient and stores it as
// the actor's signed grant of req, with its entry.
func (a *Actor) storeGrant(t *store.Txn, req *record.UnmaskRequest, share []byte, recipient string) error {
	r, err := tcrypto.ParseRecipient(recipient)
	if err != nil {
		return err
	}
	enc, err := tcrypto.Wrap(share, r)
	if err != nil {
		return err
	}
	now, err := a.stamp(t)
	if err != nil {
		return err
	}
	g := &record.UnmaskGrant{Request: req.ID, RequestHash: record.HashValue(req.Raw), Record: req.Record, Class: req.Class,
		Epoch: req.Epoch, Requester: req.SignedBy, X: share[len(share)-1], Share: enc, GrantedAt: now}
	raw, err := record.SignUnmaskGrant(a.id, a.member.Name, g)
	if err != nil {
		return err
	}
	entry, err := a.appendEntry(t, audit.Entry{Time: now, Action: "unmask-approve", Record: req.Record, Class: req.Class,
		Outcome: audit.OutcomeOK, Detail: fmt.Sprintf("request %s of %s", req.ID, req.SignedBy), Digest: audit.Digest(raw)})
	if err != nil {
		return err
	}
	return t.PutUnmaskGrant(req.ID, a.member.Name, raw, entry.Seq)
}
