package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tvault/tvault/internal/testkit"
)

func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){"tvault": main})
}

// cleanupM runs the tests, then removes the binaries they built.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	defer removeBuilds()
	return c.m.Run()
}

// TestScripts runs the CLI scenarios in testdata/*.txt against the real
// command, started as a separate process for every invocation.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			// No terminal, no default identity: every script names what it uses.
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".data"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "perms":
				// The system keeps the permissions tvault gives files:
				// always on Unix; on Windows, not under wine.
				return permsKept(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkteam":      cmdMkteam,
			"mkform":      cmdMkform,
			"mkfile":      cmdMkfile,
			"samefile":    cmdSamefile,
			"setid":       cmdSetid,
			"nocanary":    cmdNocanary,
			"filemode":    cmdFilemode,
			"private":     cmdPrivate,
			"expose":      cmdExpose,
			"unreadable":  cmdUnreadable,
			"slice":       cmdSlice,
			"flipbyte":    cmdFlipbyte,
			"forgeexport": cmdForgeexport,
			"wincopy":     cmdWincopy,
			"sha256":      cmdSha256,
			"code":        cmdCode,
			"mkbig":       cmdMkbig,
			"editpolicy":  cmdEditpolicy,
			"mkplugin":    cmdMkplugin,
			"cardmember":  cmdCardmember,
			"fakewitness": cmdFakewitness,
			"witnesskey":  cmdWitnesskey,
			"mkcards":     cmdMkcards,
			"initat":      cmdInitat,
			"sealat":      cmdSealat,
			"storedvalue": cmdStoredvalue,
			"nobytes":     cmdNobytes,
		},
	})
}

// mkteam [THRESHOLD]: the example team of five in $WORK/keys, a
// passphrase file, $WORK/policy.toml; sets TVAULT_PASSPHRASE_FILE and
// TVAULT_VAULT=$WORK/vault.
func cmdMkteam(ts *testscript.TestScript, neg bool, args []string) {
	th := 1
	if len(args) == 1 {
		th, _ = strconv.Atoi(args[0])
	}
	team, err := testkit.NewTeam(ts.MkAbs("."), th)
	ts.Check(err)
	ts.Setenv("TVAULT_PASSPHRASE_FILE", team.PassFile)
	ts.Setenv("TVAULT_VAULT", ts.MkAbs("vault"))
}

// mkform DIR CANARY: the example form with its attachments.
func cmdMkform(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mkform DIR CANARY")
	}
	_, err := testkit.WriteForm(ts.MkAbs(args[0]), args[1])
	ts.Check(err)
}

// mkfile NAME SIZE: SIZE bytes of seeded pseudo-random data (suffixes K, M).
func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mkfile NAME SIZE")
	}
	size := parseSize(ts, args[1])
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	_, err = io.CopyN(f, r, size)
	ts.Check(err)
	ts.Check(f.Close())
}

func parseSize(ts *testscript.TestScript, s string) int64 {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	ts.Check(err)
	return n * mult
}

// samefile A B: the two files have the same bytes (streamed, for big files).
func cmdSamefile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: samefile A B")
	}
	same, err := sameContent(ts.MkAbs(args[0]), ts.MkAbs(args[1]))
	ts.Check(err)
	if same == neg {
		ts.Fatalf("%s and %s: same=%v", args[0], args[1], same)
	}
}

func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	ra, rb := bufio.NewReaderSize(fa, 1<<20), bufio.NewReaderSize(fb, 1<<20)
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, ea := io.ReadFull(ra, ba)
		nb, eb := io.ReadFull(rb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea != nil || eb != nil {
			return ea == eb || (ea == io.ErrUnexpectedEOF && eb == io.ErrUnexpectedEOF) || na == 0, nil
		}
	}
}

// setid VAR: sets VAR to the first line of the last command's stdout.
func cmdSetid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: setid VAR")
	}
	out := ts.ReadFile("stdout")
	line, _, _ := strings.Cut(out, "\n")
	if line == "" {
		ts.Fatalf("no stdout to take an id from")
	}
	ts.Setenv(args[0], strings.TrimSpace(line))
}

// nocanary CANARY PATH...: no file below any PATH contains CANARY.
func cmdNocanary(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: nocanary CANARY PATH...")
	}
	needle := []byte(args[0])
	for _, root := range args[1:] {
		err := filepath.WalkDir(ts.MkAbs(root), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, needle) {
				return fmt.Errorf("%s contains %q", p, needle)
			}
			return nil
		})
		ts.Check(err)
	}
}

// filemode MODE PATH...: each path is private to the user, as tvault makes
// what it creates (see perm_*_test.go): on Unix, a file has exactly this
// permission (octal) and a folder none for group or others; on Windows,
// which has no modes, every one passes private.Check. For a folder, every
// file and folder below it too.
func cmdFilemode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: filemode FILEMODE PATH...")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	for _, root := range args[1:] {
		err := filepath.WalkDir(ts.MkAbs(root), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return checkPrivate(p, d, fs.FileMode(want))
		})
		ts.Check(err)
	}
}

// private PATH...: make each file private to the user, as an identity file
// must be (on Unix mode 0600, on Windows an access list for the user only).
func cmdPrivate(ts *testscript.TestScript, neg bool, args []string) {
	for _, p := range args {
		ts.Check(makePrivate(ts.MkAbs(p)))
	}
}

// expose PATH...: let other users read each file (on Unix mode 0644, on
// Windows an access list entry for BUILTIN\Users).
func cmdExpose(ts *testscript.TestScript, neg bool, args []string) {
	for _, p := range args {
		ts.Check(makeExposed(ts.MkAbs(p)))
	}
}

// unreadable PATH...: make each file unreadable, even to the user (on Unix
// mode 0000, on Windows an empty access list). Root, and a process with the
// backup privilege on Windows, read it anyway.
func cmdUnreadable(ts *testscript.TestScript, neg bool, args []string) {
	for _, p := range args {
		ts.Check(makeUnreadable(ts.MkAbs(p)))
	}
}

// slice SRC OFFSET LENGTH DST: DST gets LENGTH bytes of SRC from OFFSET.
func cmdSlice(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: slice SRC OFFSET LENGTH DST")
	}
	src, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer src.Close()
	off, length := parseSize(ts, args[1]), parseSize(ts, args[2])
	dst, err := os.Create(ts.MkAbs(args[3]))
	ts.Check(err)
	_, err = io.Copy(dst, io.NewSectionReader(src, off, length))
	ts.Check(err)
	ts.Check(dst.Close())
}

// flipbyte FILE OFFSET: flips the lowest bit of FILE's byte at OFFSET (a
// negative OFFSET counts from the end).
func cmdFlipbyte(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	if off < 0 {
		off += len(b)
	}
	b[off] ^= 1
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
}

// sha256 FILE: sets $SHA to the hex SHA-256 of FILE.
func cmdSha256(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sha256 FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	sum := sha256.Sum256(b)
	ts.Setenv("SHA", hex.EncodeToString(sum[:]))
}

// code N PROG ARGS...: runs PROG like exec and requires exit status N;
// stdout and stderr are kept for the next stdout/stderr check.
func cmdCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: code N PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// mkbig NAME SIZE TEXT: a file of SIZE bytes made of TEXT repeated.
func cmdMkbig(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: mkbig NAME SIZE TEXT")
	}
	size := int(parseSize(ts, args[1]))
	b := bytes.Repeat([]byte(args[2]), size/len(args[2])+1)[:size]
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
}
