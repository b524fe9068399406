package private

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows: every file and folder is created with a security descriptor of
// its own (see the package comment), and Check reads the owner and DACL of
// an open file. Permission bits mean nothing here.

// currentUser is the SID of the user the process runs as: the one who gets
// access, whatever the token's default owner (the Administrators group in
// an elevated process).
func currentUser() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

// attributes returns the security attributes of a new private file or
// folder, in SDDL:
//
//	O:<user>                   owned by the current user,
//	D:P                        a protected DACL, which inherits nothing,
//	(A;OICI;FA;;;<user>)       whose one entry allows that user full
//	                           access; for a folder, inherited by the
//	                           files (OI) and folders (CI) below it.
func attributes(folder bool) (*windows.SecurityAttributes, error) {
	user, err := currentUser()
	if err != nil {
		return nil, err
	}
	inherit := ""
	if folder {
		inherit = "OICI"
	}
	sd, err := windows.SecurityDescriptorFromString("O:" + user + "D:P(A;" + inherit + ";FA;;;" + user + ")")
	if err != nil {
		return nil, err
	}
	return &windows.SecurityAttributes{
		Length:             uint32(unsafe.Sizeof(windows.SecurityAttributes{})),
		SecurityDescriptor: sd,
	}, nil
}

func restrict(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	sa, err := attributes(fi.IsDir())
	if err != nil {
		return &fs.PathError{Op: "restrict", Path: path, Err: err}
	}
	dacl, _, err := sa.SecurityDescriptor.DACL()
	if err != nil {
		return &fs.PathError{Op: "restrict", Path: path, Err: err}
	}
	// The DACL only: taking ownership needs a right the user may lack.
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		return &fs.PathError{Op: "restrict", Path: path, Err: err}
	}
	return nil
}

func mkdir(path string) error {
	sa, err := attributes(true)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	return nil
}

// mkdirAll is os.MkdirAll with mkdir.
func mkdirAll(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: path, Err: syscall.ENOTDIR}
	}
	i := len(path) - 1
	for i >= 0 && os.IsPathSeparator(path[i]) {
		i--
	}
	for i >= 0 && !os.IsPathSeparator(path[i]) {
		i--
	}
	if i < 0 {
		i = 0
	}
	if parent := path[:i]; len(parent) > len(filepath.VolumeName(path)) {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := mkdir(path); err != nil {
		if fi, err1 := os.Lstat(path); err1 == nil && fi.IsDir() {
			return nil
		}
		return err
	}
	return nil
}

func create(path string) (*os.File, error) {
	sa, err := attributes(false)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	// CREATE_NEW fails on any existing name and, with
	// FILE_FLAG_OPEN_REPARSE_POINT, never follows a symbolic link planted
	// there: what os.OpenFile does for O_CREATE|O_EXCL. The share mode is
	// os.OpenFile's too.
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, sa, windows.CREATE_NEW,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// tempNamer returns a function giving random names in dir made from
// pattern, as os.CreateTemp and os.MkdirTemp make them.
func tempNamer(op, dir, pattern string) (func() string, error) {
	if strings.ContainsAny(pattern, `/\`) {
		return nil, &fs.PathError{Op: op, Path: pattern, Err: errors.New("pattern contains path separator")}
	}
	if dir == "" {
		dir = os.TempDir()
	}
	prefix, suffix := pattern, ""
	if i := strings.LastIndexByte(pattern, '*'); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	return func() string {
		return filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10)+suffix)
	}, nil
}

// tempTries bounds the attempts at a free random name, as os does.
const tempTries = 10000

func mkdirTemp(dir, pattern string) (string, error) {
	name, err := tempNamer("mkdirtemp", dir, pattern)
	if err != nil {
		return "", err
	}
	for try := 0; ; try++ {
		p := name()
		err := mkdir(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == tempTries {
			return "", err
		}
	}
}

func createTemp(dir, pattern string) (*os.File, error) {
	name, err := tempNamer("createtemp", dir, pattern)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		f, err := create(name())
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == tempTries {
			return nil, err
		}
	}
}

func check(f *os.File) error {
	user, err := currentUser()
	if err != nil {
		return &fs.PathError{Op: "check", Path: f.Name(), Err: err}
	}
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return &fs.PathError{Op: "check", Path: f.Name(), Err: err}
	}
	s, err := readSecurity(sd)
	if err != nil {
		return &fs.PathError{Op: "check", Path: f.Name(), Err: err}
	}
	ownerExposed, others := exposure(s, user)
	if !ownerExposed && len(others) == 0 {
		return nil
	}
	e := &ExposedError{Path: f.Name()}
	if ownerExposed {
		e.Owner = accountName(s.owner)
	}
	for _, sid := range others {
		e.Others = append(e.Others, accountName(sid))
	}
	return e
}

// ACE types (winnt.h) whose SID follows the mask, as in ACCESS_ALLOWED_ACE.
const (
	accessAllowedACE         = 0x0
	accessDeniedACE          = 0x1
	accessAllowedCallbackACE = 0x9
	accessDeniedCallbackACE  = 0xA
	// The object kinds, whose SID sits after GUIDs: never on files.
	accessDeniedObjectACE         = 0x6
	accessDeniedCallbackObjectACE = 0xC
)

// readSecurity turns a security descriptor into what exposure judges.
func readSecurity(sd *windows.SECURITY_DESCRIPTOR) (securityInfo, error) {
	var s securityInfo
	owner, _, err := sd.Owner()
	if err != nil {
		return s, err
	}
	if owner != nil {
		s.owner = owner.String()
	}
	dacl, _, err := sd.DACL()
	switch {
	case errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND), err == nil && dacl == nil:
		// No DACL, or a NULL one: everyone has full access.
		s.noDACL = true
		return s, nil
	case err != nil:
		return s, err
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return s, err
		}
		a := aceInfo{flags: ace.Header.AceFlags, mask: uint32(ace.Mask)}
		switch ace.Header.AceType {
		case accessAllowedACE, accessAllowedCallbackACE:
			a.sid = aceSID(ace)
		case accessDeniedACE, accessDeniedCallbackACE, accessDeniedObjectACE, accessDeniedCallbackObjectACE:
			a.deny = true
		}
		s.aces = append(s.aces, a)
	}
	return s, nil
}

// aceSID is the trustee of an ACE laid out as ACCESS_ALLOWED_ACE, or "" if
// no valid SID fits in it.
func aceSID(ace *windows.ACCESS_ALLOWED_ACE) string {
	const sidOffset = unsafe.Offsetof(windows.ACCESS_ALLOWED_ACE{}.SidStart)
	const minSID = 8 // revision, count, authority: a SID with no sub-authority
	if uintptr(ace.Header.AceSize) < sidOffset+minSID {
		return ""
	}
	sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
	if !sid.IsValid() || sidOffset+uintptr(sid.Len()) > uintptr(ace.Header.AceSize) {
		return ""
	}
	return sid.String()
}

// accountName is DOMAIN\name for a SID where Windows knows the account,
// else the SID itself.
func accountName(s string) string {
	if s == "" {
		return UnknownAccount
	}
	sid, err := windows.StringToSid(s)
	if err != nil {
		return s
	}
	account, domain, _, err := sid.LookupAccount("")
	switch {
	case err != nil || account == "":
		return s
	case domain == "":
		return account
	default:
		return domain + `\` + account
	}
}
