package record

import (
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Contribution is one old holder's part in moving a threshold record's
// DEK from epoch From to epoch To without reconstructing it: the holder
// of slot X of From draws a fresh polynomial whose constant term is their
// share and age-encrypts its value at each new slot's x to that slot
// (SubShares[j] to slot j of To). Enough contributions are assembled into
// a reshared DEKWrap.
type Contribution struct {
	Record    string   `json:"record"`
	Class     string   `json:"class"`
	From      int      `json:"from"`
	To        int      `json:"to"`
	X         byte     `json:"x"`
	SubShares [][]byte `json:"sub_shares"`
	SignedBy  string   `json:"signed_by"`
	SignerKey string   `json:"signer_key"`
}

func (c *Contribution) signerKey() string { return c.SignerKey }

// SignContribution signs c as member, setting its signer fields.
func SignContribution(id *tcrypto.Identity, member string, c *Contribution) ([]byte, error) {
	c.SignedBy = member
	c.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, c)
}

// DecodeContribution verifies a stored contribution's signature and that
// it is one for record id's part of class, with a consistent shape.
// Whether its signer holds slot X of epoch From is package keys' question.
func DecodeContribution(raw []byte, id, class string) (*Contribution, error) {
	subject := "a key contribution for record " + id + " class " + class
	c, err := decode[Contribution](raw, subject)
	if err != nil {
		return nil, err
	}
	if c.Record != id || c.Class != class || c.From < 1 || c.To < 1 || c.From == c.To || c.X == 0 || len(c.SubShares) == 0 {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	return c, nil
}
