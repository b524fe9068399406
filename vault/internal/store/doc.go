// Package store is the vault's Badger database: the only package that
// imports Badger and the only one that builds storage keys.
//
// A vault directory holds one Badger database; every commit that
// acknowledges an operation is synced, so that it survives a power cut,
// and every write transaction first checks that the disk keeps Reserve
// free (Badger writes through mmap into sparse files and dies with SIGBUS,
// not an error, when the disk fills). The key layout is:
//
//	meta/vault                      vault metadata (id, format version)
//	pol/<version:8 BE>              signed policy versions
//	key/<class>/<epoch:4 BE>        an epoch of a class: slot recipients and wrapped slot secrets
//	rec/<id>                        signed record header
//	dek/<id>/<class>                wrapped DEK shares of one part of a record
//	blob/<blob-id>/data             an inline blob (up to InlineLimit): its age ciphertext
//	idx/<field>/<escaped value>/<id> public-metadata index
//	log/size, log/e/<seq:8 BE>, log/h/<index:8 BE>, log/checkpoint
//	                                the audit log (see package audit)
//	log/seal/<id>, log/policy/<version>, log/epoch/<class>/<epoch>,
//	log/import/<id>, log/unmask/{r,g}/…
//	                                the seq of the entry that binds a stored value
//	log/cosigned/<name>+<hash>      the latest checkpoint a witness cosigned (its vkey's
//	                                name and key hash), with its cosignature lines
//	grant/<class>/<epoch>/<seq>     a key grant of keys sync, keyed by its entry
//	offer/<class>/<epoch>/<member>  a holder's slot offer for a threshold rotation
//	contrib/<class>/<id>/<x>        a holder's contribution to a threshold rewrap
//	unm/r/…, unm/g/…                unmask requests and approvals
//	kit/<seq>, intake/<seq>         exported seal kits and their intake keys
//	erased/<id>/<class or *>        the seq of the erase entry that erased a class (* the record)
//	scrub/<id>, scrubgc/<id>        what an erase has still to remove from the files (erase.go)
//	hold/<id>                       the seq of the entry that placed a legal hold
//	consent/<id>/<seq:8 BE>         a consent change of a record, keyed by its entry
//	bundle/<digest>                 manifests of imported bundles
//	field/origin, field/kit, field/seal/<id>, receipt/<digest>
//	                                a field vault's origin and kit; an imported
//	                                record's field seal entry; purge receipts
//
// Larger blobs are not its concern: package vault routes them to a
// blobs.Store by size. Values that carry ciphertext (inline blobs, DEK
// wraps, headers) live in Badger's value log; everything else is small and
// lives in the LSM tree.
//
// It must not decide anything: what a value means, whether it verifies and
// who may write it are the caller's. Errors never carry Badger's own
// message, which can hex-dump the start of a key or value: they name the
// operation and a coarse cause, and wrap ErrNotFound, ErrLocked, ErrCorrupt
// (a fault.ErrIntegrity) or ErrNoSpace where a caller branches on them.
package store
