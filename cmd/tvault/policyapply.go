package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault"
)

// nextStep is one thing that must follow a policy apply, for one class.
type nextStep struct {
	Class    string   `json:"class"`
	Why      string   `json:"why"`
	Members  []string `json:"members"`
	Commands []string `json:"commands"`
}

// nextSteps says, per class, what a policy change leaves to do: new
// holders need keys sync; a holder who left keeps the old slot keys until
// the class is rotated and its records rewrapped.
func nextSteps(ch *vault.PolicyChange) []nextStep {
	members := func(kind, class string) []string {
		var out []string
		for _, c := range ch.Changes {
			if c.Kind == kind && c.Class == class {
				out = append(out, c.Subject)
			}
		}
		return out
	}
	out := []nextStep{}
	for _, class := range ch.Sync {
		out = append(out, nextStep{Class: class, Why: "new holders cannot open it until a holder of the class gives them its keys",
			Members: members("holder-added", class), Commands: []string{"tvault keys sync"}})
	}
	for _, class := range ch.Make {
		out = append(out, nextStep{Class: class, Why: "a new class has no keys: nothing can be sealed to it until a holder makes them",
			Members: []string{}, Commands: []string{"tvault keys rotate --class " + class}})
	}
	for _, class := range ch.Rotate {
		why := "holders who left still hold its keys and can open its records until its keys are rotated and its records rewrapped"
		gone := members("holder-removed", class)
		if len(gone) == 0 {
			why = "its threshold or its holders changed, and with a threshold each holder needs a slot of their own: new keys, then its records moved to them"
			gone = members("holder-added", class)
		}
		out = append(out, nextStep{Class: class, Why: why, Members: gone,
			Commands: []string{"tvault keys rotate --class " + class, "tvault keys rewrap --class " + class}})
	}
	return out
}

func (e *env) applyPolicy(c *cli.Context, path string) error {
	b, err := readInputFile(path, "policy")
	if err != nil {
		return err
	}
	return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
		ch, err := v.ApplyPolicy(b)
		if err != nil {
			return err
		}
		e.committed("policy version %d is in force all the same", ch.To)
		for _, w := range ch.Warnings {
			fmt.Fprintf(e.stderr, "%s:%s (warning)\n", path, problemLine(w))
		}
		steps := nextSteps(ch)
		if c.Bool("json") {
			changes := ch.Changes
			if changes == nil {
				changes = []policy.Change{}
			}
			retention := ch.Retention
			if retention == nil {
				retention = []vault.RetentionChange{}
			}
			return jsonOut(e, map[string]any{"version": ch.To, "previous": ch.From, "changes": changes, "next_steps": steps, "retention": retention})
		}
		fmt.Fprintf(e.stdout, "policy version %d is in force (it follows version %d)\n", ch.To, ch.From)
		if len(ch.Changes) == 0 {
			fmt.Fprintln(e.stdout, "no change in members, roles, classes, purposes or public fields")
		} else {
			fmt.Fprintln(e.stdout, "changes:")
		}
		for _, c := range ch.Changes {
			fmt.Fprintf(e.stdout, "  %s\n", text.Escape(c.Text))
		}
		e.printRetentionChanges(ch.Retention)
		if len(steps) == 0 {
			fmt.Fprintln(e.stdout, "nothing else to do: no class gained or lost a holder, or changed")
			return nil
		}
		fmt.Fprintln(e.stdout, "next steps:")
		for _, s := range steps {
			who := ""
			if len(s.Members) > 0 {
				who = " (" + joinQuoted(s.Members) + ")"
			}
			fmt.Fprintf(e.stdout, "  class %s: %s%s: run %s\n", s.Class, s.Why, who, joinCommands(s.Commands))
		}
		return nil
	})
}

func (e *env) showPolicyVersion(c *cli.Context, n int64) error {
	return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
		pv, err := v.ShowPolicyVersion(n)
		if err != nil {
			return err
		}
		if c.Bool("json") {
			return jsonOut(e, map[string]any{"version": pv.Version, "policy": string(pv.Policy),
				"signed_by": pv.SignedBy, "signed_at": pv.SignedAt.UTC().Format(time.RFC3339Nano), "current": pv.Current})
		}
		state := "no longer in force"
		if pv.Current {
			state = "in force"
		}
		fmt.Fprintf(e.stdout, "# policy version %d, signed by %s at %s, %s\n%s", pv.Version, text.Escape(pv.SignedBy),
			pv.SignedAt.UTC().Format(time.RFC3339), state, escapePolicy(string(pv.Policy)))
		return nil
	})
}

func joinQuoted(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ", "
		}
		out += text.Escape(s)
	}
	return out
}

func joinCommands(cmds []string) string {
	out := ""
	for i, s := range cmds {
		if i > 0 {
			out += ", then "
		}
		out += "'" + s + "'"
	}
	return out
}

// printRetentionChanges says which classes' records already sealed now
// expire sooner: a policy change never shortens a retention silently.
func (e *env) printRetentionChanges(rcs []vault.RetentionChange) {
	if len(rcs) == 0 {
		return
	}
	fmt.Fprintln(e.stdout, "retention shortened: records already sealed expire sooner")
	for _, rc := range rcs {
		from := rc.From
		if from == "" {
			from = "none (kept for ever)"
		}
		fmt.Fprintf(e.stdout, "  class %s: %s -> %s, counted from each record's sealing: %d %s already past it, which the next 'tvault retention run' erases (unless held); 'tvault retention run --dry-run' lists them\n",
			text.Escape(rc.Class), text.Escape(from), text.Escape(rc.To), rc.Expired, map[bool]string{true: "record is", false: "records are"}[rc.Expired == 1])
	}
}
