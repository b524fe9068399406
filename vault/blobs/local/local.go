package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tvault/tvault/internal/safefile"
	"github.com/tvault/tvault/vault/blobs"
)

// partSuffix names the file of a blob being written, or left by an
// interrupted write.
const partSuffix = ".part"

// Store keeps blobs as files under one root folder (see the package
// documentation). Its methods are safe for concurrent use, also by several
// Stores (or processes) on the same root, as long as no two writes of the
// same id overlap.
type Store struct {
	root string
	// io is platformIO, or portableIO in tests and benchmarks of the path
	// macOS and Windows take.
	io fileIO
}

var _ blobs.Store = (*Store)(nil)

// New returns the Store whose blobs live under root. Nothing is created
// until the first blob is written; a missing root is an empty store.
func New(root string) *Store { return &Store{root: root, io: platformIO} }

func shardName(id string) string { return id[:min(2, len(id))] }

// errNoShard: the blob's folder does not exist, so neither does the blob.
var errNoShard = errors.New("no blob folder")

// errNotRegular: something other than a regular file has a blob's name.
var errNotRegular = errors.New("not a regular file")

// shard returns the folder of blob id after checking that it and the root
// are plain folders, not symbolic links: a link planted there would have
// tvault read, write or delete files outside the vault. With create,
// missing folders are made (and their parents synced); without it, a
// missing folder is errNoShard.
func (s *Store) shard(id string, create bool) (string, error) {
	dir := filepath.Join(s.root, shardName(id))
	for _, d := range []string{s.root, dir} {
		fi, err := os.Lstat(d)
		switch {
		case errors.Is(err, os.ErrNotExist) && create:
			if err := mkdirDurable(d); err != nil {
				return "", newFileError("create a blob folder", err)
			}
		case errors.Is(err, os.ErrNotExist):
			return "", errNoShard
		case err != nil:
			return "", newFileError("open a blob folder", err)
		case !fi.IsDir():
			return "", fmt.Errorf("the blob folder %s is not a plain folder: %w", filepath.Base(d), blobs.ErrCorrupt)
		}
	}
	return dir, nil
}

func missing(id string) error { return fmt.Errorf("blob %s: %w", id, blobs.ErrNotExist) }

// Open opens blob id, which must be exactly size bytes long. A missing
// file, or anything but a regular file under its name (a link, a FIFO), is
// ErrNotExist.
func (s *Store) Open(ctx context.Context, id string, size int64) (blobs.Reader, error) {
	if err := blobs.CheckIDs(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("failed to open blob %s: %w", id, err)
	}
	f, fi, err := s.openFile(id)
	if err != nil {
		return nil, err
	}
	if fi.Size() != size {
		f.Close()
		return nil, fmt.Errorf("blob %s has %d bytes, want %d: %w", id, fi.Size(), size, blobs.ErrCorrupt)
	}
	// Read ahead generously: blobs are read front to back, or in ranges.
	s.io.adviseSequential(f)
	return &fileReader{f: f, id: id, size: size}, nil
}

// openFile opens the complete blob id for reading and returns it with its
// FileInfo.
func (s *Store) openFile(id string) (*os.File, os.FileInfo, error) {
	dir, err := s.shard(id, false)
	if err == errNoShard {
		return nil, nil, missing(id)
	}
	if err != nil {
		return nil, nil, err
	}
	// openRead never follows a link planted under the blob's name, nor
	// hangs on a FIFO; what it opens that is not a regular file is refused
	// below.
	f, err := openRead(filepath.Join(dir, id))
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, errNotRegular) {
		return nil, nil, missing(id)
	}
	if err != nil {
		return nil, nil, newFileError("read a blob file", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, newFileError("read a blob file", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, missing(id)
	}
	return f, fi, nil
}

// Stat returns the Info of the complete blob id.
func (s *Store) Stat(ctx context.Context, id string) (blobs.Info, error) {
	if err := blobs.CheckIDs(id); err != nil {
		return blobs.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return blobs.Info{}, fmt.Errorf("failed to stat blob %s: %w", id, err)
	}
	dir, err := s.shard(id, false)
	if err == errNoShard {
		return blobs.Info{}, missing(id)
	}
	if err != nil {
		return blobs.Info{}, err
	}
	fi, err := os.Lstat(filepath.Join(dir, id))
	if errors.Is(err, os.ErrNotExist) {
		return blobs.Info{}, missing(id)
	}
	if err != nil {
		return blobs.Info{}, newFileError("read a blob file", err)
	}
	if !fi.Mode().IsRegular() {
		return blobs.Info{}, missing(id)
	}
	return blobs.Info{ID: id, Size: fi.Size()}, nil
}

// List calls fn for every blob file, then for every partial file. An entry
// that no write could have made — a file or link where a shard folder
// belongs, a name that is no id, an id in the wrong shard, anything but a
// regular file — is skipped, and reported as ErrCorrupt once every blob has
// been visited.
func (s *Store) List(ctx context.Context, fn func(blobs.Info) error) error {
	if fi, err := os.Lstat(s.root); errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return newFileError("list blob files", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("the blob folder is not a plain folder: %w", blobs.ErrCorrupt)
	}
	shards, err := os.ReadDir(s.root)
	if err != nil {
		return newFileError("list blob files", err)
	}
	var partial []blobs.Info
	var damage error
	for _, sh := range shards {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("failed to list blob files: %w", err)
		}
		if !sh.IsDir() { // a file, or a link, where a folder belongs
			damage = fmt.Errorf("the blob folder holds a stray entry %q: %w", sh.Name(), blobs.ErrCorrupt)
			continue
		}
		found, err := s.listShard(sh.Name(), fn)
		if err != nil {
			return err
		}
		partial = append(partial, found.partial...)
		if found.damage != nil {
			damage = found.damage
		}
	}
	for _, info := range partial {
		if err := fn(info); err != nil {
			return err
		}
	}
	return damage
}

type shardList struct {
	partial []blobs.Info
	damage  error
}

// listShard calls fn for every blob file in the shard folder name and
// returns its partial files and stray entries.
func (s *Store) listShard(name string, fn func(blobs.Info) error) (shardList, error) {
	var found shardList
	ents, err := os.ReadDir(filepath.Join(s.root, name))
	if err != nil {
		return found, newFileError("list blob files", err)
	}
	for _, e := range ents {
		id, isPart := strings.CutSuffix(e.Name(), partSuffix)
		if !e.Type().IsRegular() || !blobs.ValidID(id) || shardName(id) != name {
			// The name is %q-quoted: it is the entry's own, inside the
			// vault, and cannot break the message.
			found.damage = fmt.Errorf("the blob folder holds a stray entry %q: %w", name+"/"+e.Name(), blobs.ErrCorrupt)
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue // removed since the folder was read
		}
		if err != nil {
			return found, newFileError("list blob files", err)
		}
		info := blobs.Info{ID: id, Size: fi.Size(), Partial: isPart}
		if isPart {
			found.partial = append(found.partial, info)
			continue
		}
		if err := fn(info); err != nil {
			return found, err
		}
	}
	return found, nil
}

// Remove removes the given blobs' files and partial files, then syncs the
// folders it removed from.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	return s.removeFiles(ctx, ids, "", partSuffix)
}

// RemovePartial removes the partial files that interrupted writes of the
// given blobs left. A complete blob of the same id is not touched.
func (s *Store) RemovePartial(ctx context.Context, ids ...string) error {
	return s.removeFiles(ctx, ids, partSuffix)
}

// removeFiles removes, for each id, the blob's file with each of the given
// suffixes if it exists, then syncs the folders it removed from.
func (s *Store) removeFiles(ctx context.Context, ids []string, suffixes ...string) error {
	if err := blobs.CheckIDs(ids...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("failed to remove blob files: %w", err)
	}
	shards := map[string]bool{}
	for _, id := range ids {
		dir, err := s.shard(id, false)
		if err == errNoShard {
			continue
		}
		if err != nil {
			return err
		}
		for _, suf := range suffixes {
			err := os.Remove(filepath.Join(dir, id+suf))
			if err == nil {
				shards[dir] = true
			} else if !errors.Is(err, os.ErrNotExist) {
				return newFileError("remove a blob file", err)
			}
		}
	}
	for sh := range shards {
		if err := safefile.SyncDir(sh); err != nil {
			return newFileError("remove a blob file", err)
		}
	}
	return nil
}

// mkdirDurable creates dir (mode 0700) and any missing parents, syncing each
// parent it adds an entry to, so that a file later made durable in dir is
// also reachable after a power cut.
func mkdirDurable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirDurable(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return safefile.SyncDir(parent)
}
