package local

import (
	"os"

	"golang.org/x/sys/windows"
)

// Windows opens blob files with CreateFile itself, for two flags os.OpenFile
// does not give:
//   - FILE_SHARE_DELETE, so that a blob file open here can still be
//     removed or replaced, as on Linux and macOS: RemovePartial removes the
//     partial file of a write still in progress (whose Commit then fails,
//     as it must), and Remove a blob someone is reading. Without it, each
//     fails with a sharing violation.
//   - FILE_FLAG_OPEN_REPARSE_POINT, so that a symbolic link or junction
//     planted under a blob's name is opened as itself, never followed, and
//     then refused as not a regular file (os reports it as a link, or as
//     irregular). Windows folders hold no FIFOs to hang on.
// Neither gives the handle to child processes, as os.OpenFile does not.

const shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE

// openRead opens a blob file for reading (a folder under its name opens,
// and is refused by openFile).
func openRead(path string) (*os.File, error) {
	return createFile(path, windows.GENERIC_READ, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS)
}

// createPart creates a partial blob file, failing if anything exists under
// its name (CREATE_NEW), open for writing and for Stat. Its access list is
// inherited from its folder: Windows has no mode 0600.
func createPart(path string) (*os.File, error) {
	return createFile(path, windows.GENERIC_WRITE|windows.FILE_READ_ATTRIBUTES, windows.CREATE_NEW,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT)
}

func createFile(path string, access, disposition, flags uint32) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, access, shareAll, nil, disposition, flags, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}
