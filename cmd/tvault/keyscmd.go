package main

import (
	"fmt"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func keysSyncCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "sync",
		Usage:     "give members the policy makes holders the class keys they lack",
		ArgsUsage: " ",
		Description: "Run by a holder of the class: wraps the current slot key of each class they hold (or only of\n" +
			"those named with --class) to every member the policy in force makes a holder who lacks it — a new\n" +
			"member, or a member's new key. An admin alone cannot grant a class: that takes an admin (the\n" +
			"policy) and a holder (the key). A threshold class gives each holder a slot of its own: new holders\n" +
			"there need 'tvault keys rotate' and 'tvault keys rewrap'. Exits 3 when the holder has no key of a\n" +
			"class to give either.",
		Flags: []cli.Flag{&cli.StringSliceFlag{Name: "class", Usage: "sync only class `C` (repeatable)"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("keys sync takes no arguments (name classes with --class)")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				res, err := v.SyncKeys(c.StringSlice("class"))
				e.committed("the keys given are stored all the same: run 'tvault keys status'")
				if c.Bool("json") && res != nil {
					if jerr := jsonOut(e, syncJSON(res)); jerr != nil && err == nil {
						err = jerr
					}
				} else {
					e.printSync(res)
				}
				return err
			})
		},
	}
}

func (e *env) printSync(res []vault.ClassSync) {
	for _, cs := range res {
		switch {
		case len(cs.Granted) > 0:
			fmt.Fprintf(e.stdout, "class %s: epoch %d wrapped to %s\n", cs.Class, cs.Epoch, joinQuoted(cs.Granted))
		case cs.Pending != "":
			fmt.Fprintf(e.stdout, "class %s: %s still lack%s keys: %s\n", cs.Class, joinQuoted(cs.Lacking), sIfOne(len(cs.Lacking)), cs.Pending)
		default:
			fmt.Fprintf(e.stdout, "class %s: every holder has the keys of epoch %d\n", cs.Class, cs.Epoch)
		}
	}
}

func sIfOne(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

func syncJSON(res []vault.ClassSync) any {
	type class struct {
		Class   string   `json:"class"`
		Epoch   int      `json:"epoch"`
		Granted []string `json:"granted"`
		Lacking []string `json:"lacking"`
		Pending string   `json:"pending,omitempty"`
	}
	out := []class{}
	for _, cs := range res {
		out = append(out, class{cs.Class, cs.Epoch, append([]string{}, cs.Granted...), append([]string{}, cs.Lacking...), cs.Pending})
	}
	return out
}

func keysRotateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "start a new epoch of a class's keys, wrapped to its current holders only",
		ArgsUsage: " ",
		Description: "Run by a holder of the class: makes fresh slot keys, wraps them to the holders the policy in\n" +
			"force names and to no one else, and records them in the audit log. Records sealed from now on use\n" +
			"them; older records stay readable by whoever held the old keys until 'tvault keys rewrap --class C'\n" +
			"moves them. Also makes the first keys of a class the policy added. A class with a threshold gives\n" +
			"each holder a slot of their own, which that holder makes: every holder runs it once, and the new\n" +
			"keys are in force after the last one.",
		Flags: []cli.Flag{&cli.StringSliceFlag{Name: "class", Usage: "the class `C` to rotate"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("keys rotate takes no arguments (name the class with --class)")
			}
			// A repeated --class must not rotate only the last one named.
			switch classes := c.StringSlice("class"); {
			case len(classes) == 0:
				return usagef("name the class to rotate with --class C")
			case len(classes) > 1:
				return usagef("keys rotate rotates one class at a time: run it once for each of %s", strings.Join(classes, ", "))
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				r, err := v.RotateKeys(c.StringSlice("class")[0])
				if err != nil {
					return err
				}
				e.committed("epoch %d of class %s was made all the same: run 'tvault keys status'", r.To, r.Class)
				if c.Bool("json") {
					return jsonOut(e, map[string]any{"class": r.Class, "from": r.From, "epoch": r.To, "threshold": r.Threshold,
						"holders": append([]string{}, r.Holders...), "awaiting": append([]string{}, r.Awaiting...)})
				}
				if len(r.Awaiting) > 0 {
					fmt.Fprintf(e.stdout, "class %s: your slot of epoch %d is offered; the epoch is in force once %s %s run 'tvault keys rotate --class %s' too (threshold %d: each holder makes their own slot)\n",
						r.Class, r.To, joinQuoted(r.Awaiting), haveHas(len(r.Awaiting)), r.Class, r.Threshold)
					return nil
				}
				fmt.Fprintf(e.stdout, "class %s: epoch %d (threshold %d) wrapped to %s; new records use it\n", r.Class, r.To, r.Threshold, joinQuoted(r.Holders))
				if r.From > 0 {
					fmt.Fprintf(e.stdout, "records sealed before stay on their epochs: run 'tvault keys rewrap --class %s'\n", r.Class)
				}
				return nil
			})
		},
	}
}

func keysRewrapCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "rewrap",
		Usage:     "move every record's keys to the current epoch of its class",
		ArgsUsage: " ",
		Description: "Run by a holder of the class who holds the old keys: re-wraps each record's DEK to the class's\n" +
			"current epoch and deletes the old wrap in the same step, never touching attachments. Interrupted or\n" +
			"killed, it loses nothing: run it again to finish. Shows a progress bar on a terminal. A record of a\n" +
			"threshold class is never whole in one place: each holder's run adds their share, reshared to the new\n" +
			"keys, and the run that brings the shares to the threshold moves the record; so k holders each run it\n" +
			"once. Exits 0 when every record is moved or awaits other holders, 1 when some are left (each class\n" +
			"says why) or when a member the policy removed still holds the current epoch (run 'tvault keys rotate\n" +
			"--class C' first).",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "class", Usage: "rewrap only class `C` (repeatable)"},
			&cli.BoolFlag{Name: "no-progress", Usage: "never show a progress bar"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("keys rewrap takes no arguments (name classes with --class)")
			}
			return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
				opts := vault.RewrapOptions{Classes: c.StringSlice("class")}
				if !c.Bool("no-progress") && e.stderrIsTerminal() {
					opts.Progress = e.rewrapBar()
				}
				res, err := v.Rewrap(c.Context, opts)
				if err != nil {
					return err
				}
				e.committed("the records were moved all the same: run 'tvault keys status'")
				if c.Bool("json") {
					if err := jsonOut(e, rewrapJSON(res)); err != nil {
						return err
					}
				} else {
					e.printRewrap(res)
				}
				left, stale := 0, 0
				for _, r := range res {
					left += r.Left
					stale += len(r.Stale)
					if r.To == 0 {
						return fmt.Errorf("class %s has no keys to move records to", r.Class)
					}
				}
				if stale > 0 {
					return fmt.Errorf("records are on keys that members the policy removed still hold: run 'tvault keys rotate --class C' first, as said above")
				}
				if left > 0 {
					return fmt.Errorf("%d record%s still on older epochs, as said above; they open as before", left, plural(left))
				}
				return nil
			})
		},
	}
}

func (e *env) printRewrap(res []vault.ClassRewrap) {
	for _, r := range res {
		if r.To == 0 {
			fmt.Fprintf(e.stdout, "class %s: %s\n", r.Class, r.Pending)
			continue
		}
		fmt.Fprintf(e.stdout, "class %s: %d record%s moved to epoch %d, %d already on it", r.Class, r.Moved, plural(r.Moved), r.To, r.Current)
		if r.Waiting > 0 {
			fmt.Fprintf(e.stdout, "; %d await other holders: %s", r.Waiting, r.Awaiting)
		}
		if r.Left > 0 {
			fmt.Fprintf(e.stdout, "; %d left: %s", r.Left, r.Pending)
		}
		if len(r.Stale) > 0 {
			fmt.Fprintf(e.stdout, "; but %s still hold%s epoch %d, which the policy no longer gives them: run 'tvault keys rotate --class %s', then 'tvault keys rewrap --class %s'",
				joinQuoted(r.Stale), sIfOne(len(r.Stale)), r.To, r.Class, r.Class)
		}
		fmt.Fprintln(e.stdout)
	}
}

func rewrapJSON(res []vault.ClassRewrap) any {
	type class struct {
		Class   string   `json:"class"`
		Epoch   int      `json:"epoch"`
		Moved   int      `json:"moved"`
		Current int      `json:"current"`
		Waiting int      `json:"waiting"`
		Left    int      `json:"left"`
		Pending string   `json:"pending,omitempty"`
		Stale   []string `json:"stale"`
	}
	out := []class{}
	for _, r := range res {
		out = append(out, class{r.Class, r.To, r.Moved, r.Current, r.Waiting, r.Left, r.Pending, append([]string{}, r.Stale...)})
	}
	return out
}

// rewrapBar shows one bar per class, counted in records.
func (e *env) rewrapBar() func(class string, done, total int) {
	var bar *progressbar.ProgressBar
	var cur string
	return func(class string, done, total int) {
		if bar == nil || class != cur {
			if bar != nil {
				_ = bar.Finish()
			}
			cur = class
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription("rewrapping "+class), progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(done)
		if done >= total {
			_ = bar.Finish()
		}
	}
}

func haveHas(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}
