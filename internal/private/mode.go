//go:build !windows

package private

import "os"

// The portable path: permission bits, which Unix enforces. The umask can
// only take bits away, so these modes are the most that others get (none).

func mkdirAll(path string) error { return os.MkdirAll(path, 0o700) }

func mkdirTemp(dir, pattern string) (string, error) {
	// os.MkdirTemp creates 0700.
	return os.MkdirTemp(dir, pattern)
}

func create(path string) (*os.File, error) {
	// O_EXCL: never an existing file, and never through a symbolic link.
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

func createTemp(dir, pattern string) (*os.File, error) {
	// os.CreateTemp creates 0600, with O_EXCL.
	return os.CreateTemp(dir, pattern)
}

func check(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &ExposedError{Path: f.Name(), Mode: fi.Mode()}
	}
	return nil
}

func restrict(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return os.Chmod(path, 0o700)
	}
	return os.Chmod(path, 0o600)
}
