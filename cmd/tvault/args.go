package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
)

// reorderArgs puts every flag before the positional arguments, so that
// "tvault erase ID --class identity" means what it says: urfave/cli v2 stops
// parsing flags at the first positional argument (its issues #427, #976),
// which would silently turn that --class into a second record id. Global
// flags may appear anywhere and are moved before the command name. After
// "--" everything is positional. Unknown flags stay where they are, for
// urfave/cli to reject as a usage error. On the way it checks the value of
// every flag with checkFlagText.
func reorderArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) == 0 {
		return args, nil
	}
	var global, path, local, pos []string
	var cmd *cli.Command
	flagsOf := func() []cli.Flag {
		if cmd != nil {
			return cmd.Flags
		}
		return nil
	}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			pos = append(pos, rest[i+1:]...)
			break
		}
		if len(a) > 1 && strings.HasPrefix(a, "-") {
			name, hasValue := flagName(a)
			if f := findFlag(flagsOf(), name); f != nil {
				local = append(local, a)
				if !hasValue && takesValue(f) && i+1 < len(rest) {
					local = append(local, rest[i+1])
					i++
				}
				if err := checkFlagText(f, local[len(local)-1], hasValue); err != nil {
					return nil, err
				}
				continue
			}
			if f := findFlag(app.Flags, name); f != nil {
				global = append(global, a)
				if !hasValue && takesValue(f) && i+1 < len(rest) {
					global = append(global, rest[i+1])
					i++
				}
				if err := checkFlagText(f, global[len(global)-1], hasValue); err != nil {
					return nil, err
				}
				continue
			}
			local = append(local, a) // unknown, or help: urfave/cli decides
			continue
		}
		// A word: the command, a subcommand, or a positional argument.
		if cmd == nil && len(pos) == 0 && len(path) == 0 {
			c := app.Command(a)
			if c == nil {
				return nil, usagef("unknown command %q", a)
			}
			cmd = c
			path = append(path, a)
			continue
		}
		if cmd != nil && len(cmd.Subcommands) > 0 && len(pos) == 0 {
			c := cmd.Command(a)
			if c == nil {
				return nil, usagef("unknown command %q", strings.Join(append(path, a), " "))
			}
			cmd = c
			path = append(path, a)
			continue
		}
		pos = append(pos, a)
	}
	out := append([]string{args[0]}, global...)
	out = append(out, path...)
	out = append(out, local...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out, nil
}

func flagName(a string) (string, bool) {
	a = strings.TrimLeft(a, "-")
	name, _, hasValue := strings.Cut(a, "=")
	return name, hasValue
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}

// maxFlagText is the longest text a flag may carry, in bytes. A --purpose
// goes into an audit entry's detail as "purpose: TEXT", with "; range N+N"
// after it for cat, and a detail holds at most 1024 bytes: 960 leaves room
// for both, so that a long purpose is a usage error here rather than an
// invalid audit entry (exit 1) after the record was read.
const maxFlagText = 960

// pathFlags are the flags whose value names a file or folder. Their values
// are left as the file system has them (a path may hold any byte but NUL);
// messages that quote a path escape it on printing (see env.fail).
var pathFlags = map[string]bool{
	"vault": true, "identity": true, "passphrase-file": true,
	"output": true, "policy": true, "against": true, "kit": true,
}

// checkFlagText refuses a flag value that is not one line of plain text:
// every flag that is not a path carries text that is data — a purpose or
// reason for the audit log, a member's name, a FIELD=VALUE, a class, a
// record id — and control characters (ESC, BEL, newline), bidi overrides
// and invisible format characters in it could forge a row or paint escapes
// on the terminal of whoever reads the log or a message that quotes it.
// arg is the value as given: the word after the flag, or "--flag=value"
// when inline is true. Boolean flags carry no text.
func checkFlagText(f cli.Flag, arg string, inline bool) error {
	if !takesValue(f) || pathFlags[f.Names()[0]] {
		return nil
	}
	name := "--" + f.Names()[0]
	v := arg
	if inline {
		_, v, _ = strings.Cut(arg, "=")
	}
	if err := text.Line(v); err != nil {
		return usagef("%s %v: a flag's value must be one line of plain text", name, err)
	}
	if len(v) > maxFlagText {
		return usagef("%s is %d bytes long, more than the %d allowed", name, len(v), maxFlagText)
	}
	return nil
}
