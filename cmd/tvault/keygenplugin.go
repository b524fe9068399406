package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

// keygenPlugin is keygen --plugin FILE: the identity of a hardware key,
// from the identity file its age plugin printed (age-plugin-yubikey
// --generate), with a new random signing key in a signing key file
// age-encrypted to that key. The identity is copied to out, unless out is
// FILE itself; the signing key file goes next to out.
func (e *env) keygenPlugin(c *cli.Context, out string) error {
	src := c.String("plugin")
	if c.Bool("classic") {
		return usagef("--classic and --plugin exclude each other: a hardware key's type is the plugin's")
	}
	same := false
	if fo, err := os.Stat(out); err == nil {
		fs, err := os.Stat(src)
		same = err == nil && os.SameFile(fo, fs)
	}
	if _, err := os.Lstat(out); err == nil && !same {
		return withHint(fmt.Errorf("%s already exists, and an identity file is never overwritten", out),
			"choose another file with -o FILE")
	}
	skPath := tcrypto.SigningKeyFilePath(out)
	if _, err := os.Lstat(skPath); err == nil {
		return withHint(fmt.Errorf("%s already exists, and a signing key file is never overwritten", skPath),
			"choose another identity file with -o FILE")
	}
	data, err := readSmallFile(src)
	if err != nil {
		return err
	}
	ui, prompter := e.pluginUI(c.Context)
	id, err := tcrypto.GeneratePluginIdentity(data, ui)
	if err != nil {
		return usagef("%s cannot be used: %v", src, err)
	}
	if err := private.MkdirAll(filepath.Dir(out)); err != nil {
		return fmt.Errorf("cannot create the folder for %s: %w", out, err)
	}
	if err := tcrypto.WriteSigningKeyFile(out, id); err != nil {
		if perr := prompter.identityError(src, err); perr != nil {
			return perr
		}
		return fmt.Errorf("failed to write the signing key: %w", err)
	}
	if !same {
		if err := tcrypto.WriteIdentityFile(out, id, "", tcrypto.FileOptions{}); err != nil {
			// The signing key file is ours and useless alone.
			os.Remove(skPath)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists, and an identity file is never overwritten", out)
			}
			return fmt.Errorf("failed to write the identity: %w", err)
		}
	}
	e.note("wrote the identity of a hardware key (age-plugin-%s) to %s and its signing key to %s: "+
		"back up both, as neither works without the other and the key", id.Plugin(), out, skPath)
	e.committed("the identity was written to %s all the same: run 'tvault card -i %s' to print its card", out, out)
	return e.printCard(c, id.Card())
}

// readSmallFile reads a file of at most 64 KiB that need not be private:
// a plugin identity file names a key on a token, not the key itself.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("%s does not exist: give the identity file your age plugin printed", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return data, nil
}
