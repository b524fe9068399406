package testkit

import (
	"errors"
	"regexp"
	"strings"

	"golang.org/x/sys/windows"
)

// ErrNoACLs is returned by SetACL where the file system does not keep the
// access list it was given: under wine, which derives one from the Unix
// mode. Tests of access lists need Windows itself.
var ErrNoACLs = errors.New("this system keeps no Windows access lists (wine?): the test needs Windows")

// aceTrustee matches the trustee at the end of each ACE in SDDL.
var aceTrustee = regexp.MustCompile(`;;;([^)]+)\)`)

// SetACL replaces path's access list with a protected one (inheriting
// nothing) holding aces, in SDDL, where {me} stands for the current user's
// SID: "(A;;FA;;;{me})(A;;FR;;;BU)" gives the user full access and lets
// BUILTIN\Users read; "" lets nobody in. It reads the list back and returns
// ErrNoACLs if it was not kept.
func SetACL(path, aces string) error {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	sddl := "D:P" + strings.ReplaceAll(aces, "{me}", u.User.Sid.String())
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		return err
	}
	got, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return err
	}
	back := got.String()
	want := aceTrustee.FindAllStringSubmatch(sddl, -1)
	if strings.Count(back, "(") != len(want) {
		return ErrNoACLs
	}
	for _, m := range want {
		if !strings.Contains(back, m[0]) {
			return ErrNoACLs
		}
	}
	return nil
}
