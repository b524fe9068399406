package main

import (
	"path/filepath"
)

// field returns a field vault of the fixture's vault holding one record,
// a bundle of it imported into the vault, and the receipt of that import;
// made on first use.
func (f *cliFixture) field() (fieldVault, bundle, receipt string) {
	if f.fieldVault == "" {
		kit := filepath.Join(f.dir, "fixture-kit.tvk")
		f.b.must("kit", "export", "-o", kit, "-i", f.key("admin-kyiv"))
		f.fieldVault = filepath.Join(f.dir, "vault-field")
		f.b.must("init", "--kit", kit, "--name", "olena", "--vault", f.fieldVault, "-i", f.key("olena"))
		f.b.must("seal", f.form, "--vault", f.fieldVault, "-i", f.key("olena"))
		f.bundle, f.receipt = filepath.Join(f.dir, "fixture.tvb"), filepath.Join(f.dir, "fixture.receipt")
		f.b.must("bundle", "export", "-o", f.bundle, "--vault", f.fieldVault, "-i", f.key("olena"))
		f.b.must("bundle", "import", f.bundle, "-o", f.receipt, "-i", f.key("mykola"))
	}
	return f.fieldVault, f.bundle, f.receipt
}

// fieldCases are the field and custody commands for cliCases.
func (f *cliFixture) fieldCases() []cliCase {
	return []cliCase{
		{cmd: "kit export", done: "the kit was written to", args: func(n string) []string {
			return []string{"kit", "export", "-o", filepath.Join(f.dir, "kit-"+n+".tvk"), "-i", f.key("admin-kyiv")}
		}},
		{cmd: "bundle export", done: "the bundle was written to", args: func(n string) []string {
			fv, _, _ := f.field()
			return []string{"bundle", "export", "-o", filepath.Join(f.dir, "bundle-"+n+".tvb"), "--vault", fv, "-i", f.key("olena")}
		}},
		{cmd: "bundle import", done: "records are in the vault all the same", args: func(string) []string {
			_, b, _ := f.field()
			return []string{"bundle", "import", b, "-i", f.key("mykola")}
		}},
		{cmd: "bundle purge", done: "removed all the same", args: func(string) []string {
			fv, _, r := f.field()
			return []string{"bundle", "purge", r, "--vault", fv, "-i", f.key("olena")}
		}},
		{cmd: "custody", done: "the custody report was written to", args: func(n string) []string {
			return []string{"custody", f.rec, "-o", filepath.Join(f.dir, "custody-"+n+".json"), "-i", f.key("taras")}
		}},
	}
}
