// Package local is the blobs.Store of files on a local file system: the
// layout of every existing vault, which it must keep byte for byte.
//
// Under the root folder it is given (the engine passes <vault>/db/blobs),
// blob <id> is the file
//
//	<root>/<first two characters of id>/<id>
//
// written as <id>.part, with O_DIRECT on Linux, through a bounded pipeline
// (the caller fills 4 MiB aligned buffers, one goroutine hashes them with
// BLAKE3, another writes them), then made durable — its size checked,
// synced, renamed to <id>, the shard folder and the root synced — when the
// Writer commits. A <id>.part file is what an interrupted write left: List
// reports it as partial and RemovePartial removes it.
//
// It owns those files and folders and nothing else. It must never follow
// a symbolic link or open a FIFO planted in the root (they would make tvault
// read, write or delete outside the vault, or hang), never buffer a blob in
// memory beyond its fixed set of buffers, and never put a path or an
// operating-system message in an error: errors name the operation and a
// coarse cause chosen by the error number alone.
//
// The platform code is in two concerns. Writing (io*.go): on Linux,
// O_DIRECT, fdatasync and fadvise; on macOS and Windows, the portable path,
// buffered writes made durable by (*os.File).Sync, which is F_FULLFSYNC on
// macOS and FlushFileBuffers on Windows (both flush the drive's cache).
// Opening (open_*.go): O_NOFOLLOW|O_NONBLOCK on Linux and macOS; on
// Windows CreateFile with FILE_FLAG_OPEN_REPARSE_POINT, which does not
// follow links, and FILE_SHARE_DELETE, so that an open blob file can be
// removed or replaced as on Unix. A blob is renamed into place with
// safefile.Rename, written through to disk on Windows, where a folder
// cannot be synced. Errors are classified by Windows's own error numbers
// there (errno_windows.go), by errno elsewhere.
package local
