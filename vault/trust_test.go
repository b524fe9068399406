package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tvault/tvault/vault/audit"
)

// trustFixture: taras reads the policy, then leaves the team (version 2);
// it returns the vault's policy chain as ReadTrustedKeys reads it, and an
// unfiltered export.
func trustFixture(t *testing.T) (*fixture, *TrustedKeys, []byte) {
	f := newFixture(t, 1)
	f.as("taras", func(v *member) {
		if _, _, err := v.ShowPolicy(); err != nil {
			t.Fatal(err)
		}
	})
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	var chain, export bytes.Buffer
	f.as("olena", func(v *member) {
		if n, err := v.ExportPolicyChain(&chain); err != nil || n != 2 {
			t.Fatalf("ExportPolicyChain: %d, %v", n, err)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.ExportAudit(ctx, &export, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	tk, err := ReadTrustedKeys(chain.Bytes())
	if err != nil {
		t.Fatalf("ReadTrustedKeys: %v", err)
	}
	return f, tk, export.Bytes()
}

func TestTrustedChainChecksExport(t *testing.T) {
	f, tk, export := trustFixture(t)
	if err := tk.CheckExport(bytes.NewReader(export)); err != nil {
		t.Fatalf("CheckExport: %v", err)
	}
	sum, err := audit.VerifyExportWith(bytes.NewReader(export), audit.VerifyOptions{Trusted: tk.Keys, TrustedFrom: "chain"})
	if err != nil || sum.KeysFrom != "chain" {
		t.Fatalf("VerifyExportWith: %+v, %v", sum, err)
	}
	if !bytes.Contains(export, []byte(`"action":"policy-export"`)) {
		t.Fatal("the chain's export is not on record")
	}
	// Taras, removed in version 2, signs one more entry with his real key,
	// and the log is rebuilt around it: every signature verifies with the
	// chain's keys (his is listed, for version 1), but his entry comes
	// after the version that removed him.
	forged := reappend(t, f, export, audit.Entry{Actor: "taras", Action: "policy-show", Outcome: audit.OutcomeOK, Detail: "version 2"}, tk.Keys)
	if _, err := audit.VerifyExportWith(bytes.NewReader(forged), audit.VerifyOptions{Trusted: tk.Keys}); err != nil {
		t.Fatalf("the rebuilt log does not verify with the chain's keys: %v", err)
	}
	err = tk.CheckExport(bytes.NewReader(forged))
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), `signed by "taras" with a key that policy version 2, in force then, does not give them`) {
		t.Fatalf("CheckExport of taras's entry after his removal: %v", err)
	}
}

// A chain whose policy-apply entry is not the export's (a version an
// admin signed but the vault never applied) is refused, and so is an
// export of another vault.
func TestTrustedChainOtherLog(t *testing.T) {
	_, tk, export := trustFixture(t)
	other := *tk
	other.chain = append(tk.chain[:1:1], tk.chain[1])
	other.chain[1].Entry = append([]byte(nil), tk.chain[1].Entry...)
	other.chain[1].Entry[len(other.chain[1].Entry)-3] ^= 1 // its hash changes
	if err := other.CheckExport(bytes.NewReader(export)); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "is not policy version 2's policy-apply entry") {
		t.Fatalf("another policy-apply entry: %v", err)
	}
	other.chain = tk.chain[:1]
	var ie *InputError
	if err := other.CheckExport(bytes.NewReader(export)); !errors.As(err, &ie) || !strings.Contains(err.Error(), "export the policy chain again") {
		t.Fatalf("an older chain: %v", err)
	}
	other = *tk
	other.Origin = "tvault/aaaaaaaaaaaaaaaaaaaa"
	if err := other.CheckExport(bytes.NewReader(export)); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "different vaults") {
		t.Fatalf("another vault: %v", err)
	}
}

// reappend rebuilds the log of an unfiltered export, each entry signed
// again by its actor (Ed25519 signatures are deterministic: the leaves are
// the same), appends extra, and exports it with keys.
func reappend(t *testing.T, f *fixture, export []byte, extra audit.Entry, keys []audit.KeyInfo) []byte {
	t.Helper()
	_, entries, err := audit.ExportEntries(export)
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		Origin string `json:"origin"`
	}
	if err := jsonUnmarshalFirstLine(export, &hdr); err != nil {
		t.Fatal(err)
	}
	l, b := audit.New(hdr.Origin), audit.NewMemBackend()
	extra.Time = entries[len(entries)-1].Time
	for _, e := range append(entries, extra) {
		id := f.team.Get(e.Actor).Identity
		e.Sig, e.Seq = "", 0
		if _, err := l.Append(b, audit.Actor{Name: e.Actor, Key: id.SigningKey()}, e); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	var out bytes.Buffer
	if _, err := l.Export(&out, b, keys, audit.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func jsonUnmarshalFirstLine(b []byte, v any) error {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return json.Unmarshal(line, v)
}

// FuzzParseSigner: parseSigner never panics, and what it reads of a line
// is what a JSON decoder reads of it whenever the line is a canonical
// entry line's shape (valid UTF-8, a time, a name and a key without
// escapes).
func FuzzParseSigner(f *testing.F) {
	f.Add([]byte(`{"seq":17,"time":"2024-05-01T12:00:00Z","actor":"iryna","actor_key":"ed25519:AAAA","action":"open","record":"","class":"","outcome":"ok","detail":"","sig":"x","hash":"y"}`))
	f.Add([]byte(`{"seq":1,"time":"t","actor":"a\",\"actor_key\":\"k","actor_key":"z"}`))
	f.Add([]byte(`{"seq":-1,"time":""`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var e entryLine
		if !e.parseSigner(line) {
			return
		}
		if strings.Contains(e.ActorKey, `"`) {
			t.Fatalf("read a key with a quote: %q", e.ActorKey)
		}
		var j entryLine
		if json.Unmarshal(line, &j) != nil || !utf8.Valid(line) || strings.ContainsAny(string(line), `\`) || bytes.Count(line, []byte(`"actor`)) != 2 {
			return
		}
		if j.Seq != e.Seq || j.Actor != e.Actor || j.ActorKey != e.ActorKey {
			t.Fatalf("parseSigner read %+v, JSON %+v", e, j)
		}
	})
}
