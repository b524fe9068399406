// Package store is tvault's storage layer: the only package that imports
// Badger and the only one that builds storage keys.
//
// A vault directory holds one Badger database; every commit that
// acknowledges an operation is synced, so that it survives a power cut. The
// key layout is:
//
//	meta/vault                      vault metadata (id, format version)
//	pol/<version:8 BE>              signed policy versions
//	key/<class>/<epoch:4 BE>        a class's slot recipients and wrapped slot secrets
//	rec/<id>                        signed record header
//	dek/<id>/<class>                wrapped DEK shares of one class of a record
//	blob/<blob-id>/data             an inline blob (up to InlineLimit): its age ciphertext
//	idx/<field>/<escaped value>/<id> public-metadata index
//	log/size, log/e/<seq:8 BE>, log/h/<index:8 BE>, log/checkpoint
//	                                the audit log (see package audit)
//
// Blobs larger than InlineLimit — the recordings and scans, up to many
// gigabytes — are not database values but files of their own, in the
// database folder:
//
//	blobs/<first two characters of the blob id>/<blob-id>
//
// written with O_DIRECT through a bounded pipeline, hashed with BLAKE3 as
// they are written, and made durable (fdatasync, rename from <blob-id>.part,
// fsync of the folder) before the caller commits the record that names them.
// Storing them in Badger's value log cost twice the CPU of the encryption
// itself (the value log's copies, page faults on its mmap, msync), and a
// deleted value would stay in the value log until it is garbage-collected;
// a file is erased by unlinking it. A .part file is what an interrupted
// write left: never part of a record, and removed by check --repair.
//
// Values that carry ciphertext (inline blobs, DEK wraps, headers) live in
// Badger's value log; everything else is small and lives in the LSM tree.
//
// Errors never carry Badger's own message, which can hex-dump the start of a
// key or value: they name the operation and a coarse cause, and wrap
// ErrNotFound, ErrLocked or ErrCorrupt where a caller branches on them.
package store
