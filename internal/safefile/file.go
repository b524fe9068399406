package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tvault/tvault/internal/private"
)

// Write creates the file path, private to the user (mode 0600; on Windows
// an access list for the user alone), holding what fill writes.
//
// fill writes into a temporary file in path's folder (a hidden name ending
// in .partial); Write then syncs it, renames it to path without replacing
// anything, and syncs the folder, so that the file survives a crash once
// Write returns nil. If fill returns an error, panics, or ctx is done before
// the rename, the temporary file is removed and path is never created: on
// any error no byte of what fill wrote is left on disk.
//
// The writer given to fill fails with ctx's error once ctx is done, so a
// fill that streams into it stops at its next write when the caller is
// cancelled, even if fill itself never looks at ctx. fill should return the
// writer's errors, and must not use the writer after it returns.
//
// If path already exists (as anything, a dangling symbolic link included),
// Write returns an error wrapping fs.ErrExist without calling fill, or, if
// the file appeared while fill ran, after removing its temporary file. A
// cancelled ctx gives an error for which errors.Is(err, ctx.Err()) holds.
func Write(ctx context.Context, path string, fill func(w io.Writer) error) error {
	if ctx.Err() != nil {
		return cancelled(ctx)
	}
	if _, err := os.Lstat(path); err == nil {
		return existError(path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	// Private to the user from its creation on every platform: mode 0600
	// on Unix; on Windows an access list for the user alone, not the one
	// the folder would hand down (which often lets every user read).
	f, err := private.CreateTemp(dir, ".tvault-*.partial")
	if err != nil {
		return fmt.Errorf("cannot write into %s: %w", dir, err)
	}
	tmp := f.Name()
	// Until the rename, every way out — an error, a cancellation, a panic
	// in fill — closes and removes the temporary file.
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp already makes it 0600 under any umask; say so outright, as
	// the mode of a plaintext file is not something to inherit. (On Windows
	// Chmod only clears the read-only attribute.)
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := fill(ctxWriter{ctx, f}); err != nil {
		if ctx.Err() != nil {
			return cancelled(ctx)
		}
		return err
	}
	// Sync is fsync on Linux, F_FULLFSYNC on macOS (plain fsync there
	// leaves the data in the drive's cache) and FlushFileBuffers on Windows:
	// the content is on disk before any name points to it.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	// Last chance to stop: after the rename the file is the caller's result.
	if ctx.Err() != nil {
		return cancelled(ctx)
	}
	if err := renameNoReplace(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return existError(path)
		}
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	renamed = true
	if err := SyncDir(dir); err != nil {
		// The file is whole but may not survive a crash; the caller is told
		// it failed, so it must not stay behind as if it had worked. The
		// no-replace rename above makes path this call's own file.
		os.Remove(path)
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	return nil
}

func existError(path string) error {
	return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
}

// cancelled is ctx's error, carrying its cause (such as the signal that
// cancelled it) when there is one.
func cancelled(ctx context.Context) error {
	err := ctx.Err()
	cause := context.Cause(ctx)
	switch {
	case cause == nil || cause == err:
		return err
	case errors.Is(cause, err):
		return cause // os/signal's causes are context.Canceled too
	default:
		return fmt.Errorf("%w: %w", err, cause)
	}
}

// ctxWriter fails every write once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, cancelled(c.ctx)
	}
	return c.w.Write(p)
}
