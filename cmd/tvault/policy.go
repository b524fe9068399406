package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault"
)

func policyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "policy",
		Usage: "show or check a policy",
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "print the vault's current policy",
				ArgsUsage: " ",
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("policy show takes no arguments")
					}
					return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
						text, ver, err := v.ShowPolicy()
						if err != nil {
							return err
						}
						if c.Bool("json") {
							return jsonOut(e, map[string]any{"version": ver, "policy": string(text)})
						}
						fmt.Fprintf(e.stdout, "# policy version %d\n%s", ver, escapePolicy(string(text)))
						return nil
					})
				},
			},
			{
				Name:      "check",
				Usage:     "validate a policy file without touching a vault",
				ArgsUsage: "FILE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("policy check needs exactly one FILE")
					}
					return e.checkPolicy(c.Args().First())
				},
			},
		},
	}
}

// checkPolicy lists every problem of a policy file, one a line as
// FILE:LINE: message, and warnings after them.
func (e *env) checkPolicy(path string) error {
	b, err := readInputFile(path, "policy")
	if err != nil {
		return err
	}
	// The vault's own rules, exactly as init applies them: the policy
	// language's, and that each card_sig binds its member's keys.
	p, err := vault.CheckPolicy(b)
	var ps policy.Problems
	if errors.As(err, &ps) {
		for _, pr := range ps {
			fmt.Fprintf(e.stderr, "%s:%s\n", path, problemLine(pr))
		}
		return withHint(usageError{fmt.Sprintf("%s has %d problem%s", path, len(ps), plural(len(ps)))},
			"fix each line above, then run 'tvault policy check' again")
	}
	if err != nil {
		return usagef("%s: %v", path, err)
	}
	for _, w := range p.Warnings() {
		fmt.Fprintf(e.stderr, "%s:%s (warning)\n", path, problemLine(w))
	}
	fmt.Fprintf(e.stdout, "%s: ok: policy %q, %d classes, %d roles, %d members\n", path, p.Name, len(p.Classes), len(p.Roles), len(p.Members))
	return nil
}

// problemLine formats a problem after "FILE:": "LINE: NAME: MESSAGE",
// escaped for the terminal (policy quotes the text it cites, but a syntax
// error's message comes from the TOML parser).
func problemLine(p policy.Problem) string {
	msg := text.Escape(p.Msg)
	if p.Name != "" {
		msg = text.Escape(p.Name) + ": " + msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%d: %s", p.Line, msg)
	}
	return " " + msg
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// escapePolicy escapes a stored policy for the terminal, line by line,
// keeping its line ends and tabs: a version an older tvault accepted (see
// policy.ParseStored) may hold a bidi override in a comment or a string.
// A policy Parse accepts today comes out unchanged.
func escapePolicy(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		body := strings.TrimRight(l, "\r\n")
		cells := strings.Split(body, "\t")
		for j, c := range cells {
			cells[j] = text.Escape(c)
		}
		lines[i] = strings.Join(cells, "\t") + l[len(body):]
	}
	return strings.Join(lines, "")
}
