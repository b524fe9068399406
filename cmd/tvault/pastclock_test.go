package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault"
)

// Retention counts from sealing, and no flag or variable of tvault sets
// its clock (vault.Options.Now is for tests only). So the scenarios that
// need records sealed years ago make them with these two commands, which
// call the vault package in the test process with the clock set back;
// every later command is the real tvault, at the real time.

// initat DATE POLICY: creates the vault $TVAULT_VAULT at DATE (YYYY-MM-DD,
// noon UTC) as admin-kyiv of mkteam's team, with the policy file POLICY.
func cmdInitat(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: initat DATE POLICY")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	v, err := vault.Init(ts.Getenv("TVAULT_VAULT"), teamIdentity(ts, "admin-kyiv"), b, vault.Options{Now: clockAt(ts, args[0])})
	ts.Check(err)
	ts.Check(v.Close())
}

// sealat DATE FORM...: seals each form as olena at DATE and prints each
// record's id on a line, as seal does.
func cmdSealat(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: sealat DATE FORM...")
	}
	var forms []*vault.Form
	for _, p := range args[1:] {
		path := ts.MkAbs(p)
		b, err := os.ReadFile(path)
		ts.Check(err)
		f, err := vault.ParseForm(path, b, filepath.Dir(path))
		ts.Check(err)
		forms = append(forms, f)
	}
	v, err := vault.Open(ts.Getenv("TVAULT_VAULT"), vault.Options{Now: clockAt(ts, args[0])})
	ts.Check(err)
	defer v.Close()
	res, err := v.As(teamIdentity(ts, "olena")).Seal(context.Background(), forms)
	ts.Check(err)
	for _, r := range res {
		fmt.Fprintln(ts.Stdout(), r.ID)
	}
	ts.Check(v.Close())
}

func clockAt(ts *testscript.TestScript, day string) func() time.Time {
	d, err := time.Parse(time.DateOnly, day)
	ts.Check(err)
	d = d.Add(12 * time.Hour)
	return func() time.Time { return d }
}

// teamIdentity reads mkteam's identity file of member name.
func teamIdentity(ts *testscript.TestScript, name string) *tcrypto.Identity {
	id, err := tcrypto.ReadIdentityFile(ts.MkAbs(filepath.Join("keys", name+".age")), func() (string, error) { return testkit.Passphrase, nil })
	ts.Check(err)
	return id
}
