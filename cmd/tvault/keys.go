package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tvault/tvault/vault"
)

func keysCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "give class keys to new holders, rotate them, move records to new keys, see their state",
		Subcommands: []*cli.Command{
			keysSyncCommand(e),
			keysRotateCommand(e),
			keysRewrapCommand(e),
			{
				Name:      "status",
				Usage:     "per class: the epochs in use and who holds keys the policy does not give them, or lacks keys it does",
				ArgsUsage: " ",
				Description: "Any member may run it: it shows member names and record counts, no secret. For each class of the\n" +
					"policy in force it lists every epoch of its keys with the number of records wrapped to it, every\n" +
					"stale holder (a member who holds keys of the current epoch, or of an older one records still use, that\n" +
					"the policy no longer gives them:\n" +
					"they can still open the class until 'tvault keys rotate --class C' and 'tvault keys rewrap'), and\n" +
					"every member the policy makes a holder who has no keys yet ('tvault keys sync'). Exits 0 either way.",
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("keys status takes no arguments")
					}
					return e.withVault(c, vault.Options{}, func(v *vault.Actor) error {
						st, ver, err := v.KeyStatus()
						if err != nil {
							return err
						}
						if c.Bool("json") {
							return jsonOut(e, keyStatusJSON(st, ver))
						}
						e.printKeyStatus(st, ver)
						return nil
					})
				},
			},
		},
	}
}

func (e *env) printKeyStatus(st []vault.ClassKeys, ver int64) {
	fmt.Fprintf(e.stdout, "policy version %d\n", ver)
	for _, c := range st {
		if c.Current == 0 {
			fmt.Fprintf(e.stdout, "class %s: no keys yet: a holder must run 'tvault keys rotate --class %s'\n", c.Class, c.Class)
		} else {
			fmt.Fprintf(e.stdout, "class %s: new records use epoch %d\n", c.Class, c.Current)
		}
		for _, u := range c.Epochs {
			fmt.Fprintf(e.stdout, "  epoch %d: %d record%s\n", u.Epoch, u.Records, plural(u.Records))
		}
		if c.Unreadable > 0 {
			fmt.Fprintf(e.stdout, "  %d record%s with a damaged key: run 'tvault check'\n", c.Unreadable, plural(c.Unreadable))
		}
		for _, m := range c.Stale {
			fmt.Fprintf(e.stdout, "  stale holder: %s holds keys records of the class still use, which policy version %d no longer gives them: %s\n",
				joinQuoted([]string{m}), ver, staleStep(c))
		}
		for _, m := range c.Lacking {
			fmt.Fprintf(e.stdout, "  lacking keys: %s holds the class under policy version %d but has no keys of epoch %d: %s\n",
				joinQuoted([]string{m}), ver, c.Current, lackingStep(c))
		}
		if len(c.Stale) == 0 && len(c.Lacking) == 0 && c.Unreadable == 0 {
			fmt.Fprintln(e.stdout, "  holders match the policy")
		}
	}
}

func keyStatusJSON(st []vault.ClassKeys, ver int64) any {
	type epoch struct {
		Epoch   int `json:"epoch"`
		Records int `json:"records"`
	}
	type class struct {
		Class      string   `json:"class"`
		Current    int      `json:"current_epoch"`
		Epochs     []epoch  `json:"epochs"`
		Stale      []string `json:"stale"`
		Lacking    []string `json:"lacking"`
		Unreadable int      `json:"unreadable"`
	}
	out := struct {
		Version int64   `json:"policy_version"`
		Classes []class `json:"classes"`
	}{Version: ver, Classes: []class{}}
	for _, c := range st {
		j := class{Class: c.Class, Current: c.Current, Epochs: []epoch{}, Stale: append([]string{}, c.Stale...),
			Lacking: append([]string{}, c.Lacking...), Unreadable: c.Unreadable}
		for _, u := range c.Epochs {
			j.Epochs = append(j.Epochs, epoch{u.Epoch, u.Records})
		}
		out.Classes = append(out.Classes, j)
	}
	return out
}

// staleStep says what removes a stale holder: a rotation if they hold the
// current epoch's keys, else (the class was rotated already) a rewrap of
// the records still on the epochs they hold.
func staleStep(c vault.ClassKeys) string {
	if c.StaleCurrent {
		return fmt.Sprintf("run 'tvault keys rotate --class %s', then 'tvault keys rewrap --class %s'", c.Class, c.Class)
	}
	return fmt.Sprintf("run 'tvault keys rewrap --class %s'", c.Class)
}

func lackingStep(c vault.ClassKeys) string {
	if c.Threshold > 1 {
		return fmt.Sprintf("a holder must run 'tvault keys rotate --class %s', then 'tvault keys rewrap --class %s'", c.Class, c.Class)
	}
	return fmt.Sprintf("a holder of %s must run 'tvault keys sync'", c.Class)
}
