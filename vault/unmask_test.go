package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// openIdentity opens only the identity class of record id as v into a new
// folder and returns the folder and the error.
func openIdentity(f *fixture, v *member, id string) (string, error) {
	out := f.mkdir("open")
	_, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out, Classes: []string{"identity"}})
	return out, err
}

func wantDenied(t *testing.T, what string, err error, reason string) {
	t.Helper()
	var de *DeniedError
	if !errors.As(err, &de) || !strings.Contains(de.Reason, reason) {
		t.Fatalf("%s: err = %v, want a denial saying %q", what, err, reason)
	}
}

// TestUnmask: with identity at threshold 2, a request by iryna and one
// approval by taras open exactly that record's identity class for exactly
// iryna; the analyst can neither request nor approve; approving one's own
// request or approving twice is refused; every step is in the log.
func TestUnmask(t *testing.T) {
	f := newFixture(t, 2)
	var id1, id2 string
	f.as("olena", func(v *member) {
		res := seal(t, v, f.exampleForm("ONE"), f.exampleForm("TWO"))
		id1, id2 = res[0].ID, res[1].ID
	})
	var req string
	f.as("iryna", func(v *member) {
		_, err := openIdentity(f, v, id1)
		wantDenied(t, "iryna alone", err, "'tvault unmask request "+id1+" --reason TEXT'")
		if _, err := v.RequestUnmask(ctx, id1, "", ""); !isInput(err) {
			t.Fatalf("request without a reason: err = %v, want an input error", err)
		}
		if _, err := v.RequestUnmask(ctx, id1, "testimony", "x"); !isInput(err) {
			t.Fatalf("request for a class without threshold: err = %v, want an input error", err)
		}
		info, err := v.RequestUnmask(ctx, id1, "", "court order 2026/17")
		if err != nil {
			t.Fatalf("RequestUnmask: %v", err)
		}
		req = info.ID
		if info.Record != id1 || info.Class != "identity" || !record.ValidID(req) {
			t.Fatalf("request %+v", info)
		}
		_, err = openIdentity(f, v, id1)
		wantDenied(t, "iryna before any approval", err, "1 more approval needed")
		_, err = v.ApproveUnmask(ctx, req)
		wantDenied(t, "iryna approves her own request", err, "is their own")
	})
	f.as("mykola", func(v *member) {
		_, err := v.ApproveUnmask(ctx, req)
		wantDenied(t, "the analyst approves", err, "no role of theirs may decrypt class identity")
		_, err = v.RequestUnmask(ctx, id1, "", "curious")
		wantDenied(t, "the analyst requests", err, "no role of theirs may decrypt identity")
		if l, err := v.ListUnmask(ctx); err != nil || len(l) != 0 {
			t.Fatalf("the analyst lists %+v, %v: want nothing", l, err)
		}
	})
	f.as("taras", func(v *member) {
		a, err := v.ApproveUnmask(ctx, req)
		if err != nil || a.Shares != 2 || a.Need != 2 || a.Requester != "iryna" {
			t.Fatalf("ApproveUnmask = %+v, %v", a, err)
		}
		if _, err := v.ApproveUnmask(ctx, req); err == nil || errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "already") {
			t.Fatalf("approving twice: err = %v", err)
		}
		// The approver did not ask: the record stays closed to him.
		_, err = openIdentity(f, v, id1)
		wantDenied(t, "taras after approving", err, "'tvault unmask request")
		l, err := v.ListUnmask(ctx)
		if err != nil || len(l) != 1 || l[0].State != UnmaskGranted || l[0].Shares != 2 || l[0].Reason != "court order 2026/17" {
			t.Fatalf("taras lists %+v, %v", l, err)
		}
	})
	f.as("iryna", func(v *member) {
		out, err := openIdentity(f, v, id1)
		if err != nil {
			t.Fatalf("iryna after approval: %v", err)
		}
		b, err := os.ReadFile(filepath.Join(out, "identity", "fields.json"))
		if err != nil || !bytes.Contains(b, []byte("ONE-name")) {
			t.Fatalf("identity fields: %q, %v", b, err)
		}
		// The longest purpose and the note of the approvals fit one entry.
		long := strings.Repeat("é", maxPurpose/2)
		if _, err := v.OpenRecord(ctx, id1, OpenRecordOptions{Dir: f.mkdir("long"), Purpose: long}); err != nil {
			t.Fatalf("open with a %d-byte purpose: %v", len(long), err)
		}
		if _, err := openIdentity(f, v, id2); err == nil {
			t.Fatal("the approval opened another record")
		}
		if _, err := v.VerifyAudit(ctx, audit.VerifyOptions{}); err != nil {
			t.Fatalf("VerifyAudit: %v", err)
		}
		rep, err := v.Check(ctx, CheckOptions{ReadData: true})
		if err != nil || rep.Errors() != 0 {
			t.Fatalf("Check: %+v, %v", rep, err)
		}
	})
	f.as("admin-kyiv", func(v *member) {
		var buf bytes.Buffer
		if _, err := v.ExportAudit(ctx, &buf, ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, want := range [][2]string{{`"actor":"iryna"`, `"action":"unmask-request","record":"` + id1 + `","class":"identity","outcome":"ok"`},
			{`"actor":"taras"`, `"action":"unmask-approve","record":"` + id1 + `","class":"identity","outcome":"ok"`},
			{`"actor":"mykola"`, `"action":"unmask-approve","record":"` + id1 + `","class":"identity","outcome":"denied"`},
			{`"actor":"iryna"`, `"action":"open","record":"` + id1 + `","class":"identity","outcome":"ok"`},
			{`"actor":"taras"`, `"action":"unmask-list"`}} {
			found := false
			for _, line := range strings.Split(buf.String(), "\n") {
				found = found || strings.Contains(line, want[0]) && strings.Contains(line, want[1])
			}
			if !found {
				t.Errorf("the audit log lacks %s %s", want[0], want[1])
			}
		}
	})
}

func isInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// unmaskSetup seals two records; iryna asks for both, taras approves the
// first. It returns the records and requests.
func unmaskSetup(t *testing.T, f *fixture) (ids, reqs [2]string) {
	f.as("olena", func(v *member) {
		res := seal(t, v, f.exampleForm("ONE"), f.exampleForm("TWO"))
		ids = [2]string{res[0].ID, res[1].ID}
	})
	f.as("iryna", func(v *member) {
		for i, id := range ids {
			info, err := v.RequestUnmask(ctx, id, "identity", "appeal")
			if err != nil {
				t.Fatal(err)
			}
			reqs[i] = info.ID
		}
	})
	f.as("taras", func(v *member) {
		if _, err := v.ApproveUnmask(ctx, reqs[0]); err != nil {
			t.Fatal(err)
		}
	})
	return ids, reqs
}

// copyGrant copies taras's grant of request from (and its entry pointer)
// to request to, as someone with the vault folder could.
func copyGrant(t *testing.T, v *member, from, to string) {
	err := v.Vault.update(func(tx *store.Txn) error {
		raw, err := tx.UnmaskGrant(from, "taras")
		if err != nil {
			return err
		}
		seq, err := tx.UnmaskGrantEntry(from, "taras")
		if err != nil {
			return err
		}
		return tx.PutUnmaskGrant(to, "taras", raw, seq)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnmaskInsider: what someone with the vault folder and a holder's
// key can do to requests and grants in the store is refused as damage.
func TestUnmaskInsider(t *testing.T) {
	t.Run("a grant moved to another record", func(t *testing.T) {
		f := newFixture(t, 2)
		ids, reqs := unmaskSetup(t, f)
		v := f.open("iryna")
		copyGrant(t, v, reqs[0], reqs[1])
		if _, err := openIdentity(f, v, ids[1]); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("open with a moved grant: err = %v, want an integrity failure", err)
		}
		if _, err := v.ListUnmask(ctx); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("list: err = %v, want an integrity failure", err)
		}
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil || rep.Errors() != 1 || !strings.Contains(rep.Findings[0].String(), "unmask request "+reqs[1]) {
			t.Fatalf("check with a moved grant: %+v, %v", rep, err)
		}
	})
	t.Run("a grant moved to another requester", func(t *testing.T) {
		f := newFixture(t, 2)
		ids, reqs := unmaskSetup(t, f)
		var treq string
		f.as("taras", func(v *member) {
			info, err := v.RequestUnmask(ctx, ids[0], "", "mine too")
			if err != nil {
				t.Fatal(err)
			}
			treq = info.ID
		})
		// iryna's grant is taras's: taras moves his own grant of iryna's
		// request under his request, as if iryna had approved it.
		v := f.open("taras")
		err := v.Vault.update(func(tx *store.Txn) error {
			raw, _ := tx.UnmaskGrant(reqs[0], "taras")
			seq, _ := tx.UnmaskGrantEntry(reqs[0], "taras")
			return tx.PutUnmaskGrant(treq, "iryna", raw, seq)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := openIdentity(f, v, ids[0]); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("open with a moved grant: err = %v, want an integrity failure", err)
		}
	})
	t.Run("a grant forged without its entry", func(t *testing.T) {
		f := newFixture(t, 2)
		ids, reqs := unmaskSetup(t, f)
		// taras re-signs his grant for the second request and points it
		// at the entry of his real approval (a replay of that entry).
		v := f.open("taras")
		err := v.Vault.update(func(tx *store.Txn) error {
			raw, _ := tx.UnmaskGrant(reqs[0], "taras")
			seq, _ := tx.UnmaskGrantEntry(reqs[0], "taras")
			g, err := record.DecodeUnmaskGrant(raw, reqs[0], "taras")
			if err != nil {
				return err
			}
			req2, _ := tx.UnmaskRequest(reqs[1])
			g.Request, g.Record, g.RequestHash = reqs[1], ids[1], record.HashValue(req2)
			forged, err := record.SignUnmaskGrant(f.team.Get("taras").Identity, "taras", g)
			if err != nil {
				return err
			}
			return tx.PutUnmaskGrant(reqs[1], "taras", forged, seq)
		})
		if err != nil {
			t.Fatal(err)
		}
		v.Close()
		f.as("iryna", func(v *member) {
			if _, err := openIdentity(f, v, ids[1]); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("open with a forged grant: err = %v, want an integrity failure", err)
			}
			// The genuine one still opens the first record.
			if _, err := openIdentity(f, v, ids[0]); err != nil {
				t.Fatalf("open with the genuine grant: %v", err)
			}
		})
	})
	t.Run("a request forged into the store", func(t *testing.T) {
		f := newFixture(t, 2)
		ids, reqs := unmaskSetup(t, f)
		v := f.open("iryna")
		err := v.Vault.update(func(tx *store.Txn) error {
			raw, _ := tx.UnmaskRequest(reqs[1])
			r, err := record.DecodeUnmaskRequest(raw, reqs[1])
			if err != nil {
				return err
			}
			r.ID, r.Reason = record.NewID(), "never asked"
			forged, err := record.SignUnmaskRequest(f.team.Get("iryna").Identity, "iryna", r)
			if err != nil {
				return err
			}
			seq, _ := tx.UnmaskRequestEntry(reqs[1])
			return tx.PutUnmaskRequest(r.ID, forged, seq)
		})
		if err != nil {
			t.Fatal(err)
		}
		v.Close()
		f.as("taras", func(v *member) {
			var forged string
			v.Vault.view(func(tx *store.Txn) error {
				return tx.EachUnmaskRequest(func(id string, _ []byte) error {
					if id != reqs[0] && id != reqs[1] {
						forged = id
					}
					return nil
				})
			})
			if _, err := v.ApproveUnmask(ctx, forged); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("approving a forged request: err = %v, want an integrity failure", err)
			}
			if _, err := v.ListUnmask(ctx); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("list with a forged request: err = %v, want an integrity failure", err)
			}
			rep, err := v.Check(ctx, CheckOptions{})
			if err != nil || rep.Errors() != 1 || !strings.Contains(rep.Findings[0].String(), "unmask request "+forged) {
				t.Fatalf("check with a forged request: %+v, %v", rep, err)
			}
		})
		_ = ids
	})
	t.Run("a request for an epoch the record has left", func(t *testing.T) {
		f := newFixture(t, 2)
		ids, _ := unmaskSetup(t, f)
		// A request bound to its entry, for epoch 2: as if the record's key
		// had been rewrapped to epoch 1 since (rotation is not ours to make).
		var stale string
		f.as("iryna", func(v *member) {
			err := v.Vault.update(func(tx *store.Txn) error {
				r := &record.UnmaskRequest{ID: record.NewID(), Record: ids[1], Class: "identity", Epoch: 2, Threshold: 2, X: 1,
					Reason: "old", Recipient: f.team.Get("iryna").Identity.Recipient(), RequestedAt: v.Vault.now()}
				raw, err := record.SignUnmaskRequest(f.team.Get("iryna").Identity, "iryna", r)
				if err != nil {
					return err
				}
				e, err := v.Actor.appendEntry(tx, audit.Entry{Action: "unmask-request", Record: ids[1], Class: "identity",
					Outcome: audit.OutcomeOK, Digest: audit.Digest(raw)})
				if err != nil {
					return err
				}
				stale = r.ID
				return tx.PutUnmaskRequest(r.ID, raw, e.Seq)
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		f.as("taras", func(v *member) {
			_, err := v.ApproveUnmask(ctx, stale)
			if err == nil || errors.Is(err, ErrIntegrity) || errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "has since moved to epoch 1") {
				t.Fatalf("approving a stale request: err = %v", err)
			}
		})
	})
}

func TestWithVia(t *testing.T) {
	long := strings.Repeat("é", 600)
	for _, c := range []struct{ detail, via string }{{"", ""}, {"purpose: x", ""}, {"", "unmasked: r"}, {long, "unmasked: r"},
		{"p", strings.Repeat("v", 400)}, {long, strings.Repeat("é", 300)}} {
		got := withVia(c.detail, c.via)
		if len(got) > maxEntryDetail || !utf8.ValidString(got) || c.via == "" && got != c.detail {
			t.Errorf("withVia(%d bytes, %d bytes) = %d bytes, valid %v", len(c.detail), len(c.via), len(got), utf8.ValidString(got))
		}
		if c.via != "" && !strings.Contains(got, c.via[:8]) {
			t.Errorf("withVia lost the note: %q", got)
		}
	}
}
