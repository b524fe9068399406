package store

import "os"

// removeUnstartedLogFiles removes, before Badger opens dir, the memtable
// files and the newest value-log file that are zero bytes long: what a
// process killed between creating one and extending it leaves. Badger
// fails on such a file, as it does elsewhere, but on Windows it keeps the
// file mapped after failing, so removeEmptyLogFiles cannot remove it
// (sharing violation) and the open would fail until the process exits.
//
// This runs before Badger takes its lock, which is safe on Windows only:
// a live process holds each of its log files open without
// FILE_SHARE_DELETE, and Windows refuses to remove a file held so. On
// Linux and macOS a file can be removed while open, so there the cleanup
// waits for Badger's error, which comes after Badger took the lock.
func removeUnstartedLogFiles(dir string) {
	removeLogFilesIf(dir, func(path string) bool {
		fi, err := os.Lstat(path)
		return err == nil && fi.Mode().IsRegular() && fi.Size() == 0
	})
}
