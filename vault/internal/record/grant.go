package record

import (
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Grant is what keys sync adds to an epoch of a class with threshold 1:
// its slot secret wrapped to members the policy made holders after the
// epoch was made. The epoch itself is never rewritten: its slots and first
// wraps stay as its rotation (or init) signed them, and each grant is
// signed by the holder who made it and bound to its own keys-sync entry.
type Grant struct {
	Class  string `json:"class"`
	Number int    `json:"epoch"`
	// PolicyVersion is the policy in force when the grant was made: every
	// wrap goes to a holder of the class under it.
	PolicyVersion int64        `json:"policy_version"`
	Wraps         []HolderWrap `json:"wraps"`
	SignedBy      string       `json:"signed_by"`
	SignerKey     string       `json:"signer_key"`
}

func (g *Grant) signerKey() string { return g.SignerKey }

// SignGrant signs g as member, setting its signer fields.
func SignGrant(id *tcrypto.Identity, member string, g *Grant) ([]byte, error) {
	g.SignedBy = member
	g.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, g)
}

// DecodeGrant verifies a stored grant's signature and that it is a grant
// of epoch number of class with at least one wrap, each to a named member.
// Whether its signer and members were entitled is the caller's question.
func DecodeGrant(raw []byte, class string, number int) (*Grant, error) {
	subject := fmt.Sprintf("a key grant of class %q epoch %d", class, number)
	g, err := decode[Grant](raw, subject)
	if err != nil {
		return nil, err
	}
	if g.Class != class || g.Number != number || g.PolicyVersion < 1 || len(g.Wraps) == 0 {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	for _, w := range g.Wraps {
		if w.Member == "" || w.Recipient == "" || len(w.Secret) == 0 {
			return nil, fault.Integrityf("%s is inconsistent", subject)
		}
	}
	return g, nil
}
