package trust

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
)

// team is a small team, generated once: an admin (policy action), a
// researcher and a legal member.
type team struct {
	names []string
	ids   map[string]*tcrypto.Identity
}

func newTeam(t testing.TB) *team {
	t.Helper()
	tm := &team{names: []string{"admin", "olena", "iryna"}, ids: map[string]*tcrypto.Identity{}}
	for _, n := range tm.names {
		id, err := tcrypto.GenerateIdentity(true)
		if err != nil {
			t.Fatal(err)
		}
		tm.ids[n] = id
	}
	return tm
}

// policy is the example policy with the team's members in names.
func (tm *team) policy(names ...string) []byte {
	roles := map[string]string{"admin": "admin", "olena": "researcher", "iryna": "legal"}
	var b strings.Builder
	b.WriteString(testkit.PolicyHead(1))
	for _, n := range names {
		c := tm.ids[n].Card()
		fmt.Fprintf(&b, "\n[[members]]\nname = %q\nroles = [%q]\nrecipient = %q\nsigning_key = %q\ncard_sig = %q\n",
			n, roles[n], c.Recipient, c.SigningKey, c.Signature)
	}
	return []byte(b.String())
}

// chain is a verified two-version chain: version 1 with every member,
// version 2, applied by admin at seq 3 of log, without olena.
type chain struct {
	tm       *team
	versions []Version
	log      *audit.Log
	backend  *audit.MemBackend
	file     []byte
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newChain(t testing.TB) *chain {
	t.Helper()
	tm := newTeam(t)
	admin := tm.ids["admin"]
	raw1, err := record.SignPolicy(admin, "admin", 1, tm.policy("admin", "olena", "iryna"), nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := DecodeVersion(nil, 1, raw1)
	if err != nil {
		t.Fatal(err)
	}
	c := &chain{tm: tm, versions: []Version{{PolicyVersion: v1}}, backend: audit.NewMemBackend()}
	c.log = audit.New(origin(raw1))
	c.append(t, "admin", audit.Entry{Action: "init", Digest: audit.Digest(raw1)})
	c.append(t, "olena", audit.Entry{Action: "seal"})
	c.append(t, "iryna", audit.Entry{Action: "open"})
	raw2, err := record.SignPolicy(admin, "admin", 2, tm.policy("admin", "iryna"), raw1, t0)
	if err != nil {
		t.Fatal(err)
	}
	pv2, err := DecodeVersion(&c.versions[0], 2, raw2)
	if err != nil {
		t.Fatal(err)
	}
	e := c.append(t, "admin", audit.Entry{Action: "policy-apply", Digest: audit.Digest(raw2)})
	v2, err := Applied(&c.versions[0], pv2, e.Seq, e.Leaf())
	if err != nil {
		t.Fatal(err)
	}
	c.versions = append(c.versions, v2)
	c.append(t, "iryna", audit.Entry{Action: "open"})
	var buf bytes.Buffer
	if err := WriteChain(&buf, c.versions); err != nil {
		t.Fatal(err)
	}
	c.file = buf.Bytes()
	return c
}

// append appends e to the chain's log, signed by name.
func (c *chain) append(t testing.TB, name string, e audit.Entry) audit.Entry {
	t.Helper()
	e.Outcome, e.Time = audit.OutcomeOK, t0
	out, err := c.log.Append(c.backend, audit.Actor{Name: name, Key: c.tm.ids[name].SigningKey()}, e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
