package safefile

import "golang.org/x/sys/windows"

// Windows renames through MoveFileEx, always with MOVEFILE_WRITE_THROUGH:
// it returns only once the move is on disk, which SyncDir cannot ensure
// afterwards on Windows. Without MOVEFILE_COPY_ALLOWED it never copies:
// both names must be on one volume.

// renameNoReplace: without MOVEFILE_REPLACE_EXISTING, an existing to fails
// with ERROR_ALREADY_EXISTS or ERROR_FILE_EXISTS, both matching
// fs.ErrExist. It moves files and folders alike.
func renameNoReplace(from, to string) error {
	return moveFile(from, to, windows.MOVEFILE_WRITE_THROUGH)
}

// renameReplace is what os.Rename does (MOVEFILE_REPLACE_EXISTING), written
// through.
func renameReplace(from, to string) error {
	return moveFile(from, to, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
}

func moveFile(from, to string, flags uint32) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return err
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return err
	}
	return windows.MoveFileEx(f, t, flags)
}
