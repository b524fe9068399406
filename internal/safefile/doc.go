// Package safefile writes a file that appears whole or not at all.
//
// It is for plaintext leaving the vault (tvault open, tvault cat -o): a
// reader of the folder sees either no file or the complete, verified one,
// and a failed or interrupted write leaves no byte behind, not even in a
// temporary file. It is Linux-only, as tvault is: the final rename uses
// renameat2(RENAME_NOREPLACE), so an existing file is never replaced.
package safefile
