//go:build !windows

package main

import (
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
)

// permissionHint says how to make an identity file private: its mode.
func permissionHint(pe *tcrypto.PermissionError) string {
	return fmt.Sprintf("run 'chmod 600 %s' so that only you can read it", pe.Path)
}
