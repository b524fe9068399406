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
		Usage: "show, check, apply or export a policy",
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "print the vault's current policy, or a past version",
				ArgsUsage: " ",
				Flags:     []cli.Flag{&cli.Int64Flag{Name: "version", Usage: "print policy version `N` (1 is the first)"}},
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("policy show takes no arguments")
					}
					if c.IsSet("version") {
						if c.Int64("version") < 1 {
							return usagef("--version: policy versions start at 1")
						}
						return e.showPolicyVersion(c, c.Int64("version"))
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
				Name:      "apply",
				Usage:     "sign and put in force a new version of the vault's policy",
				ArgsUsage: "FILE",
				Description: "Needs the policy action. Checks FILE with every rule of 'tvault policy check', prints what changes\n" +
					"from the version in force (members, roles, class holders, purposes, public fields), signs it as the\n" +
					"next version, recorded in the audit log, and prints what must follow: 'tvault keys sync' for a\n" +
					"class with new holders, 'tvault keys rotate --class C' and 'tvault keys rewrap --class C' for a class\n" +
					"a holder left (until then they can still open it). Refused (exit 2): a policy that leaves a class\n" +
					"with fewer holders than its threshold, one that takes the policy action from the member applying\n" +
					"it, one that adds or removes a class or changes a threshold.",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("policy apply needs exactly one FILE")
					}
					return e.applyPolicy(c, c.Args().First())
				},
			},
			{
				Name:      "check",
				Usage:     "validate a policy file without touching a vault",
				ArgsUsage: "FILE",
				Description: "Lists every problem on standard error as FILE:LINE: message and exits 2; warnings follow as\n" +
					"FILE:LINE: message (warning). A valid policy prints one summary line.",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("policy check needs exactly one FILE")
					}
					return e.checkPolicy(c.Args().First(), c.Bool("json"))
				},
			},
			policyExportCommand(e),
		},
	}
}

// checkPolicy lists every problem of a policy file, one a line as
// FILE:LINE: message, and warnings after them; or, asJSON, prints them all
// as the one object policy check --help describes.
func (e *env) checkPolicy(path string, asJSON bool) error {
	b, err := readInputFile(path, "policy")
	if err != nil {
		return err
	}
	// The vault's own rules, exactly as init applies them: the policy
	// language's, and that each card_sig binds its member's keys.
	p, err := vault.CheckPolicy(b)
	var ps policy.Problems
	if err != nil && !errors.As(err, &ps) {
		return usagef("%s: %v", path, err)
	}
	if ps != nil {
		if !asJSON {
			for _, pr := range ps {
				fmt.Fprintf(e.stderr, "%s:%s\n", path, problemLine(pr))
			}
		}
		hint := "fix each line above, then run 'tvault policy check' again"
		if asJSON {
			if err := jsonOut(e, policyCheckJSON(path, nil, ps)); err != nil {
				return err
			}
			hint = "fix each problem listed in the JSON, then run 'tvault policy check' again"
		}
		return withHint(usageError{fmt.Sprintf("%s has %d problem%s", path, len(ps), plural(len(ps)))}, "%s", hint)
	}
	if asJSON {
		return jsonOut(e, policyCheckJSON(path, p, nil))
	}
	for _, w := range p.Warnings() {
		fmt.Fprintf(e.stderr, "%s:%s (warning)\n", path, problemLine(w))
	}
	fmt.Fprintf(e.stdout, "%s: ok: policy %q, %d classes, %d roles, %d members\n", path, p.Name, len(p.Classes), len(p.Roles), len(p.Members))
	return nil
}

// jsonProblem is a policy problem or warning in policy check --json.
type jsonProblem struct {
	Line int    `json:"line"`
	Name string `json:"name,omitempty"`
	Msg  string `json:"message"`
}

func jsonProblems(ps []policy.Problem) []jsonProblem {
	out := make([]jsonProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, jsonProblem{Line: p.Line, Name: p.Name, Msg: p.Msg})
	}
	return out
}

// policyCheckJSON is what policy check --json prints: p is the valid
// policy, or nil with its problems ps.
func policyCheckJSON(path string, p *policy.Policy, ps policy.Problems) any {
	type summary struct {
		File     string        `json:"file"`
		OK       bool          `json:"ok"`
		Policy   string        `json:"policy,omitempty"`
		Classes  *int          `json:"classes,omitempty"`
		Roles    *int          `json:"roles,omitempty"`
		Members  *int          `json:"members,omitempty"`
		Problems []jsonProblem `json:"problems"`
		Warnings []jsonProblem `json:"warnings"`
	}
	out := summary{File: path, Problems: jsonProblems(ps), Warnings: []jsonProblem{}}
	if p != nil {
		nc, nr, nm := len(p.Classes), len(p.Roles), len(p.Members)
		out.OK, out.Policy, out.Classes, out.Roles, out.Members = true, p.Name, &nc, &nr, &nm
		out.Warnings = jsonProblems(p.Warnings())
	}
	return out
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
