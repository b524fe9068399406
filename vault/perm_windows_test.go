package vault

import (
	"io/fs"
	"testing"
)

// setUmask does nothing: Windows has no umask.
func setUmask(*testing.T, int) {}

// notPrivate cannot tell on Windows, and says nothing: there is no
// permission bit to read (os reports 0666 or 0777 for anything writable),
// and who may open a file is its access list, inherited from its folder.
// Owner-only access lists on Windows are internal/private's, tested there.
func notPrivate(fs.FileInfo) string { return "" }
