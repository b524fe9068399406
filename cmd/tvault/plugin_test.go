package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tvault/tvault/internal/testkit/ageplugin"
)

// pluginBuilt is age-plugin-tvtest, built once per test process into the
// folder buildTvault uses (removed after the tests).
var pluginBuilt struct {
	path string
	err  error
}

// buildPlugin builds age-plugin-tvtest once and returns its path.
func buildPlugin() (string, error) {
	builds.Lock()
	defer builds.Unlock()
	if pluginBuilt.path == "" && pluginBuilt.err == nil {
		if builds.dir == "" {
			builds.dir, pluginBuilt.err = os.MkdirTemp("", "tvault-build-")
			builds.paths = map[string]string{}
		}
		if pluginBuilt.err == nil {
			pluginBuilt.path, pluginBuilt.err = ageplugin.Build(builds.dir)
		}
	}
	return pluginBuilt.path, pluginBuilt.err
}

// cmdMkplugin: mkplugin DIR copies age-plugin-tvtest (a software stand-in
// for a hardware key's plugin, see internal/testkit/ageplugin) into
// $WORK/DIR, which the script puts on PATH; rm takes it off again.
func cmdMkplugin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: mkplugin DIR")
	}
	path, err := buildPlugin()
	ts.Check(err)
	b, err := os.ReadFile(path)
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o755))
}

// cmdCardmember: cardmember POLICY NAME puts the card the last command
// printed (keygen's or card's recipient, signing_key and card_sig lines)
// in place of member NAME's in POLICY, as an admin pastes it.
func cmdCardmember(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cardmember POLICY NAME")
	}
	card := map[string]string{}
	for _, line := range strings.Split(ts.ReadFile("stdout"), "\n") {
		if k, _, ok := strings.Cut(line, " = "); ok {
			card[k] = line
		}
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	blocks := strings.Split(string(b), "\n[[members]]\n")
	found := false
	for i, bl := range blocks {
		if !strings.HasPrefix(bl, fmt.Sprintf("name = %q\n", args[1])) {
			continue
		}
		for _, k := range []string{"recipient", "signing_key", "card_sig"} {
			if card[k] == "" {
				ts.Fatalf("cardmember: no %s in stdout", k)
			}
			bl = regexp.MustCompile(`(?m)^`+k+` = .*$`).ReplaceAllLiteralString(bl, card[k])
		}
		blocks[i], found = bl, true
	}
	if !found {
		ts.Fatalf("cardmember: no member %s", args[1])
	}
	ts.Check(os.WriteFile(p, []byte(strings.Join(blocks, "\n[[members]]\n")), 0o600))
}
