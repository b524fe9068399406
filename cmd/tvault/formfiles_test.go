package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A form file read again by the seal must be the one checked first.
func TestFormFilesRefusesChangedForm(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "form.toml")
	write := func(s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("[public]\ncategory = \"pow\"\n[testimony]\nsummary = \"checked\"\n")
	ff := &formFiles{paths: []string{p}}
	if err := ff.parseAll(); err != nil {
		t.Fatal(err)
	}
	f, err := ff.Form(0)
	if err != nil || f.Classes[0].Fields["summary"] != "checked" {
		t.Fatalf("Form(0) = %v, %v; want the form as checked", f, err)
	}
	write("[public]\ncategory = \"pow\"\n[testimony]\nsummary = \"swapped\"\n")
	if _, err := ff.Form(0); err == nil || !strings.Contains(err.Error(), "changed while it was being sealed") {
		t.Fatalf("Form(0) of a changed file: %v, want a refusal", err)
	}
}
