//go:build !unix && !windows

package main

import "errors"

// openTerminal: no terminal tvault knows how to open here; the passphrase
// comes from --passphrase-file.
func openTerminal() (terminal, error) {
	return terminal{}, errors.New("no terminal")
}
