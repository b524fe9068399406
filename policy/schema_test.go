package policy

import (
	"strings"
	"testing"
)

// A seal kit's schema carries the classes, purposes and public fields and
// no role or member; the field policy built from it seals and decrypts
// nothing, and validates public metadata as the main policy does.
func TestSchemaAndFieldPolicy(t *testing.T) {
	src := testPolicy(t, replace("name = \"test\"\n", "name = \"test\"\npurposes = [\"prosecution\", \"advocacy\"]\n"))
	p, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := p.Schema()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Members {
		if strings.Contains(string(schema), m.Name) || strings.Contains(string(schema), m.Recipient) {
			t.Fatalf("the schema names member %s:\n%s", m.Name, schema)
		}
	}
	if strings.Contains(string(schema), "roles") {
		t.Fatalf("the schema has roles:\n%s", schema)
	}
	researcher := p.Members[1]
	fp, err := ParseField(schema, researcher)
	if err != nil {
		t.Fatalf("ParseField: %v", err)
	}
	if !fp.May(researcher.Name, ActionSeal) || len(fp.Decryptable(researcher.Name)) != 0 || fp.May(researcher.Name, ActionPolicy) {
		t.Fatalf("the field member may: seal %v, decrypt %v", fp.May(researcher.Name, ActionSeal), fp.Decryptable(researcher.Name))
	}
	if strings.Join(fp.ClassNames(), ",") != strings.Join(p.ClassNames(), ",") || fp.Threshold("identity") != p.Threshold("identity") ||
		strings.Join(fp.Purposes, ",") != strings.Join(p.Purposes, ",") || len(fp.Public) != len(p.Public) {
		t.Fatalf("the field policy differs from the policy: %+v", fp)
	}
	if _, err := ParseField([]byte(src), researcher); err == nil {
		t.Fatal("ParseField accepted a whole policy with members")
	}
	if _, err := ParseField([]byte("name = \"x\"\n"), researcher); err == nil {
		t.Fatal("ParseField accepted a schema without classes")
	}
}
