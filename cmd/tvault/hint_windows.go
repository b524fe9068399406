package main

import (
	"fmt"
	"os/user"
	"strings"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

// permissionHint says how to make an identity file private: its access
// list, which icacls (in every Windows) changes. The file keeps no entry
// but one granting the current user full access: /inheritance:r drops what
// it inherits from its folder, /grant:r sets the user's entry, /remove the
// explicit entries of the accounts the check named. An owner who is another
// account must be replaced first, which may take an administrator.
func permissionHint(pe *tcrypto.PermissionError) string {
	me := currentAccount()
	fix := fmt.Sprintf(`icacls "%s" /inheritance:r /grant:r "%s:F"`, pe.Path, me)
	var remove []string
	for _, o := range pe.Others {
		if o != private.UnknownAccount {
			remove = append(remove, icaclsAccount(o))
		}
	}
	if len(remove) > 0 {
		fix += " /remove " + strings.Join(remove, " ")
	}
	if pe.Owner != "" {
		return fmt.Sprintf(`run 'icacls "%s" /setowner "%s"' (as an administrator if it is refused), then '%s', so that only you can read it`,
			pe.Path, me, fix)
	}
	return fmt.Sprintf("run '%s' so that only you can read it", fix)
}

// currentAccount is DOMAIN\name of the user tvault runs as, or the
// environment variable that cmd.exe expands to the name.
func currentAccount() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "%USERNAME%"
}

// icaclsAccount quotes an account name for icacls, which takes a SID that
// no name was found for as *S-1-….
func icaclsAccount(name string) string {
	if strings.HasPrefix(name, "S-1-") {
		return `"*` + name + `"`
	}
	return `"` + name + `"`
}
