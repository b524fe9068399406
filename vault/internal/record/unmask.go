package record

import (
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// UnmaskRequest is a holder's signed request to open one record's part of
// a threshold class: other holders answer it with UnmaskGrants. It names
// the epoch of the record's key when it was made and the requester's own
// slot (X), whose share counts towards the threshold.
type UnmaskRequest struct {
	ID          string    `json:"id"`
	Record      string    `json:"record"`
	Class       string    `json:"class"`
	Epoch       int       `json:"epoch"`
	Threshold   int       `json:"threshold"`
	X           byte      `json:"x"`
	Reason      string    `json:"reason"`
	Recipient   string    `json:"recipient"`
	RequestedAt time.Time `json:"requested_at"`
	SignedBy    string    `json:"signed_by"`
	SignerKey   string    `json:"signer_key"`

	Raw []byte `json:"-"` // the stored value it came from
}

func (r *UnmaskRequest) signerKey() string { return r.SignerKey }

// SignUnmaskRequest signs r as member, setting its signer fields.
func SignUnmaskRequest(id *tcrypto.Identity, member string, r *UnmaskRequest) ([]byte, error) {
	r.SignedBy = member
	r.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, r)
}

// DecodeUnmaskRequest verifies a stored request's signature and that it is
// request reqID with a consistent shape. Whether it is bound to its audit
// entry, and whether its signer held the class, is the caller's question.
func DecodeUnmaskRequest(raw []byte, reqID string) (*UnmaskRequest, error) {
	subject := "unmask request " + reqID
	r, err := decode[UnmaskRequest](raw, subject)
	if err != nil {
		return nil, err
	}
	if r.ID != reqID || !ValidID(r.Record) || r.Class == "" || r.Epoch < 1 || r.Threshold < 2 ||
		r.X == 0 || r.Reason == "" || r.Recipient == "" || r.SignedBy == "" {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	r.Raw = raw
	return r, nil
}

// UnmaskGrant is one holder's answer to an UnmaskRequest: their own share
// of that record's DEK (slot X of the epoch), age-encrypted to the
// requester. It names the request by id and by the hash of its stored
// bytes, so it cannot be moved to another request.
type UnmaskGrant struct {
	Request     string    `json:"request"`
	RequestHash string    `json:"request_hash"`
	Record      string    `json:"record"`
	Class       string    `json:"class"`
	Epoch       int       `json:"epoch"`
	Requester   string    `json:"requester"`
	X           byte      `json:"x"`
	Share       []byte    `json:"share"`
	GrantedAt   time.Time `json:"granted_at"`
	SignedBy    string    `json:"signed_by"`
	SignerKey   string    `json:"signer_key"`

	Raw []byte `json:"-"` // the stored value it came from
}

func (g *UnmaskGrant) signerKey() string { return g.SignerKey }

// SignUnmaskGrant signs g as member, setting its signer fields.
func SignUnmaskGrant(id *tcrypto.Identity, member string, g *UnmaskGrant) ([]byte, error) {
	g.SignedBy = member
	g.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, g)
}

// DecodeUnmaskGrant verifies a stored grant's signature and that it
// answers request reqID with a consistent shape, signed by member.
func DecodeUnmaskGrant(raw []byte, reqID, member string) (*UnmaskGrant, error) {
	subject := "the approval of unmask request " + reqID + " by " + member
	g, err := decode[UnmaskGrant](raw, subject)
	if err != nil {
		return nil, err
	}
	if g.Request != reqID || g.SignedBy != member {
		return nil, fault.Integrityf("%s is in fact %s's approval of request %s: it was moved", subject, g.SignedBy, g.Request)
	}
	if !ValidID(g.Record) || g.Class == "" || g.Epoch < 1 ||
		g.X == 0 || len(g.Share) == 0 || g.RequestHash == "" || g.Requester == "" {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	g.Raw = raw
	return g, nil
}
