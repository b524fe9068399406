package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// binary runs the real tvault (the test binary, which testscript.Main puts
// on PATH as "tvault") against one vault with one passphrase file.
type binary struct {
	t   *testing.T
	env []string
}

func newBinary(t *testing.T, vault, passFile string) *binary {
	return &binary{t: t, env: append(os.Environ(), "TVAULT_VAULT="+vault, "TVAULT_PASSPHRASE_FILE="+passFile)}
}

// cmd returns an unstarted tvault command with extra environment settings.
func (b *binary) cmd(extraEnv []string, args ...string) *exec.Cmd {
	c := exec.Command("tvault", args...)
	c.Env = append(append([]string(nil), b.env...), extraEnv...)
	return c
}

// run runs tvault and returns its stdout, stderr and exit code; a failure
// to start it at all ends the test.
func (b *binary) run(args ...string) (stdout, stderr string, code int) {
	c := b.cmd(nil, args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// must runs tvault and ends the test unless it exits 0.
func (b *binary) must(args ...string) string {
	out, errs, code := b.run(args...)
	if code != 0 {
		b.t.Fatalf("tvault %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}
