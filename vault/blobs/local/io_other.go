//go:build !linux

package local

// platformIO elsewhere (macOS, Windows) is the portable path: buffered
// writes and (*os.File).Sync, which is F_FULLFSYNC on macOS and
// FlushFileBuffers on Windows (see portableIO). Neither has O_DIRECT;
// macOS's nearest, F_NOCACHE, is not used.
var platformIO = portableIO
