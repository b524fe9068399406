package crypto

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tvault/tvault/internal/private"
)

// readPrivateFile reads at most limit+1 bytes of the file at path, first
// refusing, with a *[PermissionError] naming it as what ("" for an
// identity file), a file that others may read or write (see
// [ReadIdentityFile]). A directory is refused too.
func readPrivateFile(path, what string, limit int64) ([]byte, error) {
	name := what
	if name == "" {
		name = "identity file"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", name, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s %s is a directory", name, path)
	}
	// Check the open file, not the path, so that the permissions checked
	// are those of the file read.
	if err := private.Check(f); err != nil {
		var xe *private.ExposedError
		if errors.As(err, &xe) {
			return nil, &PermissionError{Path: path, File: what, Mode: xe.Mode, Owner: xe.Owner, Others: xe.Others}
		}
		return nil, fmt.Errorf("failed to read %s permissions: %w", name, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", name, err)
	}
	return data, nil
}

// writeNewPrivateFile creates a new file at path that only the current user
// can use (see [WriteIdentityFile]), never overwriting one (the error then
// wraps fs.ErrExist), writes what content returns to it, and syncs it and
// its directory. content runs only once the file exists, so that an
// existing file is reported before any costly work. On any error the
// partially written file is removed. what names the file in errors.
func writeNewPrivateFile(path, what string, content func() ([]byte, error)) (err error) {
	// private.Create never overwrites, never follows a symlink planted at
	// path, and makes the file private as it creates it (on Windows, not
	// only once the secret is in it).
	f, err := private.Create(path)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", what, err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			// The file is ours: O_EXCL guarantees we created it.
			os.Remove(path)
		}
	}()
	b, err := content()
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("failed to write %s: %w", what, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("failed to sync %s: %w", what, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to close %s: %w", what, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("failed to sync %s directory: %w", what, err)
	}
	return nil
}
