// Package safefile writes a file that appears whole or not at all, and
// holds the two file-system steps that make that so on every platform
// tvault is built for: a rename that never replaces (RenameNoReplace) and
// a folder sync (SyncDir).
//
// It is for plaintext leaving the vault (tvault open, tvault cat -o): a
// reader of the folder sees either no file or the complete, verified one,
// and a failed or interrupted write leaves no byte behind, not even in a
// temporary file. An existing file is never replaced: the final rename
// fails instead (renameat2 RENAME_NOREPLACE on Linux, renamex_np
// RENAME_EXCL on macOS, MoveFileEx without MOVEFILE_REPLACE_EXISTING on
// Windows). The platform code is in rename_*.go and syncdir*.go.
package safefile
