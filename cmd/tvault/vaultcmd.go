package main

import (
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/tvault/tvault/vault"
)

// openVault opens the vault at --vault acting as the -i identity.
func (e *env) openVault(c *cli.Context, opts vault.Options) (*vault.Vault, error) {
	dir := e.vaultPath(c)
	// Check the directory before asking for a passphrase: a wrong --vault
	// should not cost a scrypt.
	if err := vault.Probe(dir); err != nil {
		return nil, err
	}
	id, err := e.loadIdentity(c)
	if err != nil {
		return nil, err
	}
	if fp := e.getenv("TVAULT_FAILPOINT"); fp != "" {
		opts.Failpoint = func(name string) {
			if name == fp {
				// A crash test asked to die here, as a power cut would.
				_ = unix.Kill(unix.Getpid(), unix.SIGKILL)
				select {}
			}
		}
	}
	return vault.Open(dir, id, opts)
}

// withVault runs fn on the open vault and closes it whatever happens.
func (e *env) withVault(c *cli.Context, opts vault.Options, fn func(*vault.Vault) error) (err error) {
	v, err := e.openVault(c, opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := v.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return fn(v)
}
