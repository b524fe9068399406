//go:build !linux

package safefile

import "os"

// renameNoReplace puts the file at path unless path exists (then an error
// matching fs.ErrExist): a hard link, which never replaces, then the
// temporary name's removal. The portable fallback until each platform gets
// its own (macOS renamex_np RENAME_EXCL, Windows MoveFileEx without
// REPLACE_EXISTING).
func renameNoReplace(tmp, path string) error {
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	return os.Remove(tmp)
}
