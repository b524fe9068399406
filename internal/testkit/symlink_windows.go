package testkit

import (
	"errors"

	"golang.org/x/sys/windows"
)

// symlinkRefused: without Developer Mode or administrator rights, Windows
// refuses to create a symbolic link with ERROR_PRIVILEGE_NOT_HELD.
func symlinkRefused(err error) bool { return errors.Is(err, windows.ERROR_PRIVILEGE_NOT_HELD) }
