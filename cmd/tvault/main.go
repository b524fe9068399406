package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/urfave/cli/v2"
)

// interruptSignals stop a command cleanly (see main). On Windows, os/signal
// delivers Ctrl-C and Ctrl-Break as os.Interrupt (SIGINT) and the closing of
// the console window, logoff and shutdown as SIGTERM; SIGHUP never comes
// there. After a console close, logoff or shutdown event Windows gives the
// process a few seconds (five for a closed window) before it ends it,
// cleanup finished or not.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

func main() {
	hardenProcess()
	// The first SIGINT, SIGTERM or SIGHUP cancels ctx, which urfave/cli
	// hands to every command as c.Context: the work stops, whatever
	// plaintext it had begun to write is removed, and tvault exits 128 plus
	// the signal's number (see interruptedError).
	//
	// stop is deliberately never called. It would give these signals back
	// their default action, which kills the process on the spot, so a
	// second Ctrl-C during that cleanup (people press it twice) would leave
	// half-written plaintext behind. Left registered, the context's channel
	// catches every later signal and drops it; the process ends at os.Exit,
	// once the cleanup is done. Only SIGKILL (on Windows, TerminateProcess)
	// cuts it short, which the crash tests cover.
	ctx, _ := signal.NotifyContext(context.Background(), interruptSignals...)
	// Without this, a write to a closed pipe ("tvault list | head -1")
	// would kill the process on the spot, before the vault is closed; with
	// it the write fails with EPIPE, which run reports (see outputError).
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(profiled(func() int {
		return run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	}))
}

// env holds the process's surroundings, so that tests can run the CLI in
// process and nothing below reads os.Stdin or the environment directly.
type env struct {
	stdin io.Reader
	// stdout is out: every command's result goes through it, checked.
	stdout, stderr io.Writer
	out            *stdoutWriter
	getenv         func(string) string
	// done is what the command did that stands although its output may
	// be lost (see committed).
	done string
}

// run executes one tvault command and returns its exit code. It never
// panics: a bug is reported as an error without a stack trace.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	out := &stdoutWriter{w: stdout}
	e := &env{stdin: stdin, stdout: out, out: out, stderr: stderr, getenv: os.Getenv}
	defer func() {
		if r := recover(); r != nil {
			if e.getenv("TVAULT_DEBUG") != "" {
				fmt.Fprintf(stderr, "%v\n%s", r, debug.Stack())
			}
			fmt.Fprintln(stderr, "tvault: error: internal error (a bug in tvault); nothing was released")
			fmt.Fprintln(stderr, "tvault: hint: please report it, with the command you ran but without any secret")
			code = exitError
		}
	}()
	app := newApp(e)
	argv, err := reorderArgs(app, args)
	if err != nil {
		return e.fail(err)
	}
	// checkOutput: a result that did not reach standard output is an
	// error, whether or not the command noticed.
	if err := e.checkOutput(app.RunContext(ctx, argv)); err != nil {
		return e.fail(interrupted(ctx, err))
	}
	// A command that finished although a signal came is a success: its
	// result is whole (a record is sealed, a file is in place) and a script
	// must be able to rely on it.
	return exitOK
}

var version = "dev"

func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                 "tvault",
		Usage:                "an encrypted vault for sensitive testimony",
		Version:              versionString(),
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		Flags:                globalFlags(),
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err.Error()}
		},
		Commands: []*cli.Command{
			keygenCommand(e),
			cardCommand(e),
			initCommand(e),
			kitCommand(e),
			bundleCommand(e),
			policyCommand(e),
			keysCommand(e),
			unmaskCommand(e),
			consentCommand(e),
			sealCommand(e),
			listCommand(e),
			showCommand(e),
			openCommand(e),
			catCommand(e),
			auditCommand(e),
			custodyCommand(e),
			eraseCommand(e),
			holdCommand(e),
			retentionCommand(e),
			checkCommand(e),
		},
		CommandNotFound: func(_ *cli.Context, name string) {},
	}
	for _, c := range app.Commands {
		setUsageErrors(c)
		setJSONForm(c, "")
	}
	return app
}

func setUsageErrors(c *cli.Command) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err.Error()} }
	for _, s := range c.Subcommands {
		setUsageErrors(s)
	}
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "vault", Usage: "vault `DIR` (default $XDG_DATA_HOME/tvault)", EnvVars: []string{"TVAULT_VAULT"}},
		&cli.StringFlag{Name: "identity", Aliases: []string{"i"}, Usage: "identity `FILE` (default $XDG_CONFIG_HOME/tvault/identity.age)", EnvVars: []string{"TVAULT_IDENTITY"}},
		&cli.StringFlag{Name: "passphrase-file", Usage: "read the identity's passphrase from `FILE` instead of the terminal", EnvVars: []string{"TVAULT_PASSPHRASE_FILE"}},
		&cli.BoolFlag{Name: "json", Usage: "print JSON instead of text"},
	}
}
