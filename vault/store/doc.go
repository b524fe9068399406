// Package store is tvault's storage layer: the only package that imports
// Badger and the only one that builds storage keys.
//
// A vault directory holds one Badger database, opened with SyncWrites so that
// an acknowledged commit survives a power cut. The key layout is:
//
//	meta/vault                      vault metadata (id, format version)
//	pol/<version:8 BE>              signed policy versions
//	key/<class>/<epoch:4 BE>        a class's slot recipients and wrapped slot secrets
//	rec/<id>                        signed record header
//	dek/<id>/<class>                wrapped DEK shares of one class of a record
//	blob/<blob-id>/<n:4 BE>         age ciphertext of one blob, ChunkSize bytes a value
//	idx/<field>/<escaped value>/<id> public-metadata index
//	log/size, log/e/<seq:8 BE>, log/h/<index:8 BE>, log/checkpoint
//	                                the audit log (see package audit)
//
// Values that carry ciphertext are large and live in Badger's value log;
// everything else is small and lives in the LSM tree.
//
// Errors never carry Badger's own message, which can hex-dump the start of a
// key or value: they name the operation and a coarse cause, and wrap
// ErrNotFound, ErrLocked or ErrCorrupt where a caller branches on them.
package store
