package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	priv "github.com/tvault/tvault/internal/private" // vault has a test helper named private
	"github.com/tvault/tvault/internal/safefile"
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
	staging, err := priv.MkdirTemp(dir, stagingPrefix+"*")
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
	// Everything is whole: the last moment to stop before it is in place.
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, op := range rep.Opened {
		final := filepath.Join(dir, op.Class)
		// Never over an existing folder or file of that name: a class
		// folder someone made since the open started stays theirs. Every
		// file in the folder is closed (safefile.Write closes before it
		// returns): Windows refuses to move a folder with an open file.
		if err := safefile.RenameNoReplace(filepath.Join(staging, op.Class), final); err != nil {
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
	if err := writeNew(ctx, p, func(w io.Writer) error { _, err := w.Write(fields); return err }); err != nil {
		return op, err
	}
	op.Files = append(op.Files, p)
	for i, att := range pa.man.Attachments {
		ref := pa.part.Blobs[i]
		p := filepath.Join(cdir, att.Name)
		err := writeNew(ctx, p, func(w io.Writer) error {
			ph := sha256.New()
			if err := v.decryptContentSum(ctx, pa.dek, ref, att.Size, pa.padded, w, ph); err != nil {
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

// writeNew writes a new file through safefile: whole or not at all, never
// over an existing file, stopped by ctx.
func writeNew(ctx context.Context, path string, fill func(io.Writer) error) error {
	err := safefile.Write(ctx, path, fill)
	if errors.Is(err, fs.ErrExist) {
		return &InputError{Msg: fmt.Sprintf("%s already exists: open into an empty folder", path)}
	}
	return err
}
