package main

import "os"

// openTerminal opens the console: CONIN$ to read (for reading and writing,
// as changing its mode to turn echo off requires) and CONOUT$ for the
// prompt, whatever stdin and stderr are redirected to.
func openTerminal() (terminal, error) {
	in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return terminal{}, err
	}
	out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		in.Close()
		return terminal{}, err
	}
	return terminal{in: in, out: out}, nil
}
