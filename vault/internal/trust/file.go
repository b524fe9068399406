package trust

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/fault"
)

// ChainFormat is the chain file's "tvault_policy_chain" number.
const ChainFormat = 1

// MaxChainSize bounds a chain file: it holds about 90 versions of the
// largest policy (1 MiB, as base64), and real policies are a few KiB.
const MaxChainSize = 128 << 20

// ChainTag is how every chain file begins, so that a reader can tell it from
// other files before parsing it.
const ChainTag = `{"tvault_policy_chain":`

type fileJSON struct {
	Format   *int          `json:"tvault_policy_chain"`
	Origin   string        `json:"origin"`
	Versions []versionJSON `json:"versions"`
}

type versionJSON struct {
	Signed string `json:"signed"`
	Entry  string `json:"entry,omitempty"`
}

// WriteChain writes versions, as the vault verified them, as a chain file.
func WriteChain(w io.Writer, versions []Version) error {
	if len(versions) == 0 {
		return fault.Integrityf("the vault has no policy")
	}
	f := fileJSON{Format: new(int), Origin: origin(versions[0].Raw)}
	*f.Format = ChainFormat
	for _, v := range versions {
		f.Versions = append(f.Versions, versionJSON{Signed: base64.StdEncoding.EncodeToString(v.Raw), Entry: string(v.Entry)})
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Chain is a verified chain file.
type Chain struct {
	// Origin is the audit log origin of the chain's vault, "tvault/<id>".
	Origin   string
	Versions []Version
}

// VaultID returns the id of the chain's vault.
func (c *Chain) VaultID() string { return strings.TrimPrefix(c.Origin, "tvault/") }

// Keys lists the members' signing keys of every version (see Keys).
func (c *Chain) Keys() []audit.KeyInfo { return Keys(c.Versions) }

// ParseChain verifies the chain file b, with nothing but the file: see
// the package documentation. If vaultID is not empty, the chain must be
// that vault's. Every failure, a malformed file included, wraps
// fault.ErrIntegrity, and names what is wrong.
func ParseChain(b []byte, vaultID string) (*Chain, error) {
	if len(b) > MaxChainSize {
		return nil, fault.Integrityf("the policy chain is larger than %d bytes", MaxChainSize)
	}
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || !bytes.HasPrefix(b, []byte(ChainTag)) {
		return nil, fault.Integrityf("the policy chain is not a chain file that 'tvault policy export' writes (it does not parse)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fault.Integrityf("the policy chain has data after its end")
	}
	if f.Format == nil || *f.Format != ChainFormat {
		return nil, fault.Integrityf("the policy chain is of an unknown format (want %d): a newer tvault may read it", ChainFormat)
	}
	if len(f.Versions) == 0 {
		return nil, fault.Integrityf("the policy chain has no versions")
	}
	c := &Chain{Origin: f.Origin}
	for i, vj := range f.Versions {
		v, err := verifyVersion(c.Versions, int64(i+1), vj)
		if err != nil {
			return nil, err
		}
		c.Versions = append(c.Versions, v)
		if i == 0 && f.Origin != origin(v.Raw) {
			return nil, fault.Integrityf("the policy chain's origin %q is not the vault its version 1 defines", truncate(f.Origin))
		}
	}
	if vaultID != "" && c.VaultID() != vaultID {
		return nil, fault.Integrityf("the policy chain is vault %s's, not vault %s's", c.VaultID(), truncate(vaultID))
	}
	return c, nil
}

// verifyVersion checks one version of a chain file, after those in prev.
func verifyVersion(prev []Version, n int64, vj versionJSON) (Version, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(vj.Signed)
	if err != nil || strings.ContainsAny(vj.Signed, "\r\n") {
		return Version{}, fault.Integrityf("the policy chain's version %d is not valid base64", n)
	}
	var last *Version
	if len(prev) > 0 {
		last = &prev[len(prev)-1]
	}
	pv, err := DecodeVersion(last, n, raw)
	if err != nil {
		return Version{}, err
	}
	if last == nil {
		if vj.Entry != "" {
			return Version{}, fault.Integrityf("the policy chain's version 1 has a policy-apply entry: version 1 has none")
		}
		return Version{PolicyVersion: pv}, nil
	}
	if vj.Entry == "" {
		return Version{}, fault.Integrityf("the policy chain's version %d has no policy-apply entry", n)
	}
	e, err := audit.ParseLeaf([]byte(vj.Entry))
	if err != nil {
		return Version{}, fault.Integrityf("policy version %d: its policy-apply entry is malformed", n)
	}
	return Applied(last, pv, e.Seq, []byte(vj.Entry))
}

// truncate shortens an untrusted string for an error message.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
