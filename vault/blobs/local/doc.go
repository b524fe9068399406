// Package local is the blobs.Store of files on a local file system: the
// layout of every existing vault, which it must keep byte for byte.
//
// Under the root folder it is given (the engine passes <vault>/db/blobs),
// blob <id> is the file
//
//	<root>/<first two characters of id>/<id>
//
// written as <id>.part, with O_DIRECT through a bounded pipeline (the
// caller fills 4 MiB aligned buffers, one goroutine hashes them with BLAKE3,
// another writes them), then made durable — its size checked, fdatasync,
// rename to <id>, fsync of the shard folder and of the root — when the
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
// The Linux system calls (O_DIRECT, fdatasync, fadvise, fcntl) live in
// io_linux.go; io_other.go is a portable fallback (buffered writes and
// fsync) that keeps the package building on other systems.
package local
