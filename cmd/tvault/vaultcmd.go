package main

import (
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

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
	if fp := e.getenv("TVAULT_FAILPOINT"); fp != "" {
		opts.Failpoint = func(name string) {
			if name == fp {
				// A crash test asked to die here, as a power cut would.
				_ = unix.Kill(unix.Getpid(), unix.SIGKILL)
				select {}
			}
		}
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
