package trust

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

func TestChainRoundTrip(t *testing.T) {
	c := newChain(t)
	if !bytes.HasPrefix(c.file, []byte(ChainTag)) || !bytes.HasSuffix(c.file, []byte("}\n")) {
		t.Fatalf("chain file %.60q…", c.file)
	}
	got, err := ParseChain(c.file, "")
	if err != nil {
		t.Fatal(err)
	}
	id := record.VaultID(c.versions[0].Raw)
	if got.Origin != "tvault/"+id || got.VaultID() != id || len(got.Versions) != 2 {
		t.Fatalf("origin %q, %d versions", got.Origin, len(got.Versions))
	}
	if _, err := ParseChain(c.file, id); err != nil {
		t.Fatalf("with its own vault id: %v", err)
	}
	if got.Versions[1].Applied != 3 || !bytes.Equal(got.Versions[1].Entry, c.versions[1].Entry) {
		t.Fatalf("version 2 applied at %d", got.Versions[1].Applied)
	}
	want := map[string][]int64{"admin": {1, 2}, "iryna": {1, 2}, "olena": {1}}
	keys := got.Keys()
	if len(keys) != 3 {
		t.Fatalf("keys %+v", keys)
	}
	for _, k := range keys {
		if !k.Member || !slices.Equal(k.PolicyVersions, want[k.Name]) || k.Key != c.tm.ids[k.Name].Card().SigningKey {
			t.Errorf("key %+v", k)
		}
	}
}

// InForce: version 1 from seq 0 to the policy-apply entry of version 2
// (seq 3) included, version 2 after it.
func TestInForce(t *testing.T) {
	c := newChain(t)
	for seq, want := range []int64{1, 1, 1, 1, 2, 2} {
		if got := InForce(c.versions, int64(seq)); got != want {
			t.Errorf("InForce(%d) = %d, want %d", seq, got, want)
		}
	}
	if got := InForce(c.versions[:1], 100); got != 1 {
		t.Errorf("one version: InForce = %d", got)
	}
}

// mutate returns the chain file with its JSON changed by fn.
func mutate(t *testing.T, file []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(file, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json orders keys: keep the tag first, as the file has it.
	return append([]byte(ChainTag+"1,"), bytes.Replace(b[1:], []byte(`,"tvault_policy_chain":1`), nil, 1)...)
}

func versionsOf(m map[string]any) []any { return m["versions"].([]any) }

func TestChainRefused(t *testing.T) {
	c := newChain(t)
	admin, olena := c.tm.ids["admin"], c.tm.ids["olena"]
	raw1 := c.versions[0].Raw
	// A version 2 signed by olena, who may not change the policy.
	byOlena, err := record.SignPolicy(olena, "olena", 2, c.tm.policy("admin", "iryna"), raw1, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Another vault's version 1, by the same admin with the same policy.
	other, err := record.SignPolicy(admin, "admin", 1, c.tm.policy("admin", "olena", "iryna"), nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	// A policy-apply entry by admin naming other bytes.
	otherApply := c.append(t, "admin", audit.Entry{Action: "policy-apply", Digest: audit.Digest(other)})
	b64 := base64.StdEncoding.EncodeToString
	cases := []struct {
		name, want string
		file       []byte
		vault      string
	}{
		{"another vault id", "not vault", c.file, "aaaaaaaaaaaaaaaaaaaa"},
		{"empty", "does not parse", nil, ""},
		{"not json", "does not parse", []byte("[[members]]\n"), ""},
		{"trailing data", "data after its end", append(bytes.Clone(c.file), "{}"...), ""},
		{"unknown member", "does not parse", mutate(t, c.file, func(m map[string]any) { m["extra"] = 1 }), ""},
		{"format 2", "unknown format", bytes.Replace(c.file, []byte(ChainTag+"1"), []byte(ChainTag+"2"), 1), ""},
		{"no versions", "no versions", mutate(t, c.file, func(m map[string]any) { m["versions"] = []any{} }), ""},
		{"origin", "not the vault its version 1 defines", mutate(t, c.file, func(m map[string]any) { m["origin"] = "tvault/aaaaaaaaaaaaaaaaaaaa" }), ""},
		{"version 1 of another vault", "not the vault its version 1 defines", mutate(t, c.file, func(m map[string]any) {
			versionsOf(m)[0].(map[string]any)["signed"] = b64(other)
		}), ""},
		{"bad base64", "not valid base64", mutate(t, c.file, func(m map[string]any) { versionsOf(m)[0].(map[string]any)["signed"] = "!!" }), ""},
		{"version 2 dropped, 1 twice", "is stored as version", mutate(t, c.file, func(m map[string]any) {
			m["versions"] = []any{versionsOf(m)[0], versionsOf(m)[0]}
		}), ""},
		{"signed by a non-admin", "may not change the policy", mutate(t, c.file, func(m map[string]any) {
			versionsOf(m)[1].(map[string]any)["signed"] = b64(byOlena)
		}), ""},
		{"no entry", "has no policy-apply entry", mutate(t, c.file, func(m map[string]any) { delete(versionsOf(m)[1].(map[string]any), "entry") }), ""},
		{"entry on version 1", "version 1 has none", mutate(t, c.file, func(m map[string]any) {
			versionsOf(m)[0].(map[string]any)["entry"] = versionsOf(m)[1].(map[string]any)["entry"]
		}), ""},
		{"entry not an entry", "malformed", mutate(t, c.file, func(m map[string]any) { versionsOf(m)[1].(map[string]any)["entry"] = "{}" }), ""},
		{"entry of other bytes", "rewritten", mutate(t, c.file, func(m map[string]any) {
			versionsOf(m)[1].(map[string]any)["entry"] = string(otherApply.Leaf())
		}), ""},
	}
	for _, tc := range cases {
		_, err := ParseChain(tc.file, tc.vault)
		if err == nil || !errors.Is(err, fault.ErrIntegrity) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an integrity error saying %q", tc.name, err, tc.want)
		}
	}
}

// An entry that is not the version's: a policy-apply entry by another
// member, or one that names another digest, or an entry before the
// previous version's.
func TestAppliedRefused(t *testing.T) {
	c := newChain(t)
	pv := c.versions[1].PolicyVersion
	e := c.append(t, "iryna", audit.Entry{Action: "policy-apply", Digest: audit.Digest(pv.Raw)})
	if _, err := Applied(&c.versions[0], pv, e.Seq, e.Leaf()); err == nil || !strings.Contains(err.Error(), "not the entry that applied it") {
		t.Errorf("by iryna: %v", err)
	}
	if _, err := Applied(&c.versions[0], pv, e.Seq+1, e.Leaf()); err == nil {
		t.Error("at another seq: accepted")
	}
	prev := c.versions[0]
	prev.Applied = 10
	if _, err := Applied(&prev, pv, 3, c.versions[1].Entry); err == nil || !strings.Contains(err.Error(), "comes before") {
		t.Errorf("before the previous version's: %v", err)
	}
}

// ParseChain bounds what it reads.
func TestParseChainTooLarge(t *testing.T) {
	b := append([]byte(ChainTag), make([]byte, MaxChainSize)...)
	if _, err := ParseChain(b, ""); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("ParseChain: %v", err)
	}
}
