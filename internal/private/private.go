package private

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// MkdirAll creates the folder path and any missing parents, each private to
// the current user, as os.MkdirAll does. Folders that exist already are left
// as they are. It returns nil if path is a folder already.
func MkdirAll(path string) error { return mkdirAll(path) }

// MkdirTemp creates a new private folder in dir with a random name made from
// pattern, as os.MkdirTemp does, and returns its path. The caller removes it.
func MkdirTemp(dir, pattern string) (string, error) { return mkdirTemp(dir, pattern) }

// Create creates a new private file at path, open for reading and writing.
// It never opens an existing file, nor follows a symbolic link planted at
// path: then the error wraps fs.ErrExist. The caller closes the file.
func Create(path string) (*os.File, error) { return create(path) }

// CreateTemp creates a new private file in dir with a random name made from
// pattern, as os.CreateTemp does, open for reading and writing; its Name is
// the full path. The caller closes and removes it.
func CreateTemp(dir, pattern string) (*os.File, error) { return createTemp(dir, pattern) }

// Restrict makes the existing file or folder at path private to the current
// user: mode 0600 or 0700 on Unix; on Windows, a protected access list
// granting that user alone full access (for a folder, inherited by what is
// created below it later; what is already there keeps its own). It follows
// a symbolic link. Prefer the functions that create a private file: a
// handle someone opened before Restrict keeps its access.
func Restrict(path string) error { return restrict(path) }

// Check returns an *ExposedError if anyone but the current user may read or
// change the open file or folder f: on Unix, if its mode gives group or
// others any permission; on Windows, if its owner or an entry of its access
// list is someone else, except SYSTEM and the Administrators group (who can
// read any file anyway), or if it has no access list at all. Other errors
// are failures to read f's permissions.
//
// It looks at f, not at a path, so that what is checked is what is read.
func Check(f *os.File) error { return check(f) }

// ExposedError reports a file or folder that others may read or change.
type ExposedError struct {
	Path string
	// Mode is the file's mode, whose permission bits are what is wrong on
	// Unix.
	Mode fs.FileMode
	// Owner names, on Windows, the file's owner if that is another account
	// than the current user, SYSTEM or the Administrators group: an owner
	// may always change who has access. Empty otherwise.
	Owner string
	// Others names, on Windows, whoever besides the current user, SYSTEM
	// and the Administrators group the file's access list lets read or
	// change it. Empty on Unix.
	//
	// Accounts are named DOMAIN\name where Windows knows them, by SID
	// otherwise.
	Others []string
}

// UnknownAccount stands in ExposedError for an owner or access-list entry
// whose account Windows does not say (a malformed or unusual entry).
const UnknownAccount = "an account tvault cannot identify"

func (e *ExposedError) Error() string {
	return fmt.Sprintf("%s is accessible by others (%s)", e.Path, e.Detail())
}

// Detail says what is wrong, without the path: "mode 0644" on Unix;
// "owned by DOMAIN\bob" and "BUILTIN\Users may read or change it" on
// Windows.
func (e *ExposedError) Detail() string {
	var parts []string
	if e.Owner != "" {
		parts = append(parts, "owned by "+e.Owner)
	}
	if len(e.Others) > 0 {
		parts = append(parts, strings.Join(e.Others, ", ")+" may read or change it")
	}
	if parts == nil {
		return fmt.Sprintf("mode %04o", uint32(e.Mode.Perm()))
	}
	return strings.Join(parts, "; ")
}
