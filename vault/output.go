package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// stagingPrefix names the folder in which an open writes before moving
// class folders into place. One left behind was a process killed outright.
const stagingPrefix = ".tvault-open-"

// removeLeftovers removes the staging folders that earlier opens, killed
// before they could clean up, left in dir, and returns how many.
func removeLeftovers(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("failed to read %s: %w", dir, err)
	}
	n := 0
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return n, fmt.Errorf("failed to remove what an interrupted open left in %s: %w", dir, err)
		}
		n++
	}
	return n, nil
}

// writeParts writes every decryptable part into a staging folder inside
// dir, then moves each class folder into place once all are whole. On any
// failure, or when ctx is cancelled, the staging folder is removed.
func (v *Vault) writeParts(ctx context.Context, dir string, access []*partAccess, rep *OpenReport) error {
	staging, err := os.MkdirTemp(dir, stagingPrefix+"*")
	if err != nil {
		return fmt.Errorf("failed to write into %s: %w", dir, err)
	}
	defer os.RemoveAll(staging)
	for _, pa := range access {
		if pa.dek == nil {
			continue
		}
		op, err := v.writePart(ctx, pa, staging)
		if err != nil {
			return err
		}
		rep.Opened = append(rep.Opened, op)
	}
	for i, op := range rep.Opened {
		final := filepath.Join(dir, op.Class)
		if err := unix.Renameat2(unix.AT_FDCWD, filepath.Join(staging, op.Class), unix.AT_FDCWD, final, unix.RENAME_NOREPLACE); err != nil {
			return fmt.Errorf("failed to move %s into place: %w", final, err)
		}
		for j, f := range op.Files {
			rep.Opened[i].Files[j] = filepath.Join(final, filepath.Base(f))
		}
	}
	return nil
}

// writePart writes one part's fields.json and attachments into dir/<class>,
// each checked against its plaintext hash.
func (v *Vault) writePart(ctx context.Context, pa *partAccess, dir string) (OpenedPart, error) {
	op := OpenedPart{Class: pa.part.Class}
	cdir := filepath.Join(dir, pa.part.Class)
	if err := os.MkdirAll(cdir, 0o700); err != nil {
		return op, fmt.Errorf("failed to create %s: %w", cdir, err)
	}
	fields, err := json.MarshalIndent(pa.man.Fields, "", "  ")
	if err != nil {
		return op, err
	}
	fields = append(fields, '\n')
	p := filepath.Join(cdir, "fields.json")
	if err := writeAtomic(p, func(w io.Writer) error { _, err := w.Write(fields); return err }); err != nil {
		return op, err
	}
	op.Files = append(op.Files, p)
	for i, att := range pa.man.Attachments {
		ref := pa.part.Blobs[i]
		p := filepath.Join(cdir, att.Name)
		err := writeAtomic(p, func(w io.Writer) error {
			ph := sha256.New()
			if err := v.decryptBlob(ctx, pa.dek, ref, io.MultiWriter(w, ph), 0); err != nil {
				return err
			}
			if hex.EncodeToString(ph.Sum(nil)) != att.SHA256 {
				return integrityErrorf("attachment %s: plaintext does not match its recorded hash", att.Blob)
			}
			return nil
		})
		if err != nil {
			return op, err
		}
		op.Files = append(op.Files, p)
	}
	return op, nil
}

// writeAtomic writes a file mode 0600 through a temporary file in the same
// folder, synced, then renamed without replacing an existing file. On any
// failure the temporary file is removed: no partial plaintext is left.
func writeAtomic(path string, fill func(io.Writer) error) (err error) {
	if _, err := os.Lstat(path); err == nil {
		return &InputError{Msg: fmt.Sprintf("%s already exists: open into an empty folder", path)}
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tvault-*.partial")
	if err != nil {
		return fmt.Errorf("failed to write into %s: %w", filepath.Dir(path), err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return &InputError{Msg: fmt.Sprintf("%s already exists: open into an empty folder", path)}
		}
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	return nil
}
