package main

import "strings"

// holdCases are the hold and retention commands for cliCases: a hold of a
// record sealed for it, the release of one, and a retention run (the
// fixture's policy keeps everything, so it erases nothing).
func (f *cliFixture) holdCases() []cliCase {
	held := func() string {
		rec := strings.TrimSpace(f.b.must("seal", f.form, "-i", f.key("olena")))
		f.b.must("hold", rec, "--reason", "case 1", "-i", f.key("iryna"))
		return rec
	}
	return []cliCase{
		{cmd: "hold", done: "is under a legal hold all the same", args: func(string) []string {
			rec := strings.TrimSpace(f.b.must("seal", f.form, "-i", f.key("olena")))
			return []string{"hold", rec, "--reason", "case 1", "-i", f.key("iryna")}
		}},
		{cmd: "hold", done: "was released all the same", args: func(string) []string {
			return []string{"hold", "--release", held(), "--reason", "case 1 closed", "-i", f.key("taras")}
		}},
		{cmd: "retention run", done: "erased all the same", args: func(string) []string {
			return []string{"retention", "run", "-i", f.key("iryna")}
		}},
		{cmd: "retention run", args: func(string) []string {
			return []string{"retention", "run", "--dry-run", "-i", f.key("iryna")}
		}},
	}
}
