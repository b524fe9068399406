package main

import (
	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

// withVault opens the vault at --vault, runs fn as the -i identity and
// closes the vault whatever happens.
func (e *env) withVault(c *cli.Context, opts vault.Options, fn func(*vault.Actor) error) (err error) {
	dir := e.vaultPath(c)
	// Check the directory before asking for a passphrase: a wrong --vault
	// should not cost a scrypt.
	if err := vault.Probe(dir); err != nil {
		return err
	}
	id, err := e.loadIdentity(c)
	if err != nil {
		return err
	}
	if fp := e.failpoint(); fp != nil {
		opts.Failpoint = fp // only in a -tags tvaultdebug build
	}
	v, err := vault.Open(dir, opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := v.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return fn(v.As(id))
}
