package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs puts every flag before the positional arguments, so that
// "tvault erase ID --class identity" means what it says: urfave/cli v2 stops
// parsing flags at the first positional argument (its issues #427, #976),
// which would silently turn that --class into a second record id. Global
// flags may appear anywhere and are moved before the command name. After
// "--" everything is positional. Unknown flags stay where they are, for
// urfave/cli to reject as a usage error.
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
				continue
			}
			if f := findFlag(app.Flags, name); f != nil {
				global = append(global, a)
				if !hasValue && takesValue(f) && i+1 < len(rest) {
					global = append(global, rest[i+1])
					i++
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
