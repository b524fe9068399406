package main

import (
	"bytes"
	"os"

	"github.com/rogpeppe/go-internal/testscript"
)

// wincopy SRC DST: DST is SRC as a Windows editor or a mail client may
// save it: a UTF-8 byte order mark, CRLF line ends, no final line end.
func cmdWincopy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: wincopy SRC DST")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = append([]byte("\xef\xbb\xbf"), bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))...)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o600))
}
