package keys

import (
	"errors"
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
)

// WrapToMember age-encrypts secret (a slot secret, a DEK share) to m's
// recipient. A member whose key is a hardware key is wrapped to through
// its age plugin, which must be on PATH: if it is not, the error is the
// one sentence that says so, naming the member and the plugin.
func WrapToMember(m policy.Member, secret []byte) ([]byte, error) {
	r, err := tcrypto.ParseRecipient(m.Recipient)
	if err != nil {
		return nil, fmt.Errorf("member %q: %w", m.Name, err)
	}
	w, err := tcrypto.Wrap(secret, r)
	if err != nil {
		return nil, pluginFailure(m.Name, err)
	}
	return w, nil
}

// pluginFailure names member in an error that a plugin (of their hardware
// key) could not run or failed; other errors are returned as they are.
func pluginFailure(member string, err error) error {
	var pe *tcrypto.PluginError
	if !errors.As(err, &pe) {
		return err
	}
	if pe.Missing {
		return fmt.Errorf("member %s's key needs age-plugin-%s on PATH: install it", member, pe.Plugin)
	}
	return fmt.Errorf("member %s's key could not be used: %w", member, pe)
}
