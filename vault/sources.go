package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tvault/tvault/vault/internal/store"
)

// actionRemoveSources is the audit action of RemoveSources.
const actionRemoveSources = "remove-sources"

// RemoveSources removes the plaintext a record was sealed from — the form
// and its attachments — once the record id is durable and verifies (its
// header, signature and seal entry): each file is overwritten with zeros,
// synced, and unlinked. Only files inside the form's folder are touched,
// reached through that folder (os.Root), so a link swapped in since the
// seal cannot make it overwrite anything else; a file outside (sealed with
// AllowOutside) is left and named in the error. Overwriting does not reach
// what SSDs and journaling file systems keep elsewhere (SECURITY.md).
// The removal is recorded.
func (a *Actor) RemoveSources(ctx context.Context, f *Form, id string) (int, error) {
	if err := a.v.view(func(t *store.Txn) error { _, _, err := a.v.sealedHeader(t, id); return err }); err != nil {
		return 0, fmt.Errorf("the sources of record %s were not removed: %w", id, err)
	}
	root, err := os.OpenRoot(f.Dir)
	if err != nil {
		return 0, fmt.Errorf("the sources of record %s were not removed: %w", id, err)
	}
	defer root.Close()
	paths := []string{f.Source}
	for _, c := range f.Classes {
		for _, ff := range c.Files {
			paths = append(paths, ff.Path)
		}
	}
	removed := 0
	var outside []string
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		rel, ok := inside(f.Dir, p)
		if !ok {
			outside = append(outside, p)
			continue
		}
		err := shred(root, rel)
		if errors.Is(err, os.ErrNotExist) {
			continue // named twice, or removed by hand
		}
		if err != nil {
			return removed, fmt.Errorf("removing %s: %w", p, err)
		}
		removed++
	}
	if err := a.recordOK(actionRemoveSources, id, "", fmt.Sprintf("%d files overwritten and removed, %d outside the form's folder left", removed, len(outside))); err != nil {
		return removed, err
	}
	if len(outside) > 0 {
		return removed, fmt.Errorf("record %s is sealed, but %s was left in place: outside the form's folder, --remove-sources does not touch it; remove it by hand", id, strings.Join(outside, ", "))
	}
	return removed, nil
}

// inside returns p relative to dir, and whether it lies inside dir.
func inside(dir, p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

// shred overwrites the regular file rel under root with zeros, syncs it
// and removes it.
func shred(root *os.Root, rel string) error {
	fi, err := root.Lstat(rel)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	fh, err := root.OpenFile(rel, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	zero := make([]byte, 1<<20)
	for left := fi.Size(); left > 0; {
		n := min(left, int64(len(zero)))
		if _, err := fh.Write(zero[:n]); err != nil {
			fh.Close()
			return err
		}
		left -= n
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return root.Remove(rel)
}
