//go:build unix

package main

import "os"

// openTerminal opens the controlling terminal, /dev/tty, for both reading
// and the prompt: not stdin and stderr, which may be files or pipes.
func openTerminal() (terminal, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return terminal{}, err
	}
	return terminal{in: tty, out: tty}, nil
}
