package vault

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/internal/witness"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// miniWitness is a c2sp.org/tlog-witness with the checks litewitness
// makes (old size, consistency proof), without its key registry: enough
// to test what tvault sends.
type miniWitness struct {
	mu    sync.Mutex
	s     *torchwood.CosignatureSigner
	size  int64
	root  tlog.Hash
	olds  []int64 // the old sizes of the requests it received
	fail  int     // answer this many requests with HTTP 500 first
	url   *url.URL
	vkeyV note.Verifier
}

func newMiniWitness(t *testing.T) *miniWitness {
	s, err := torchwood.NewCosignatureSigner("mini.example/w", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	w := &miniWitness{s: s, vkeyV: s.Verifier()}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	w.url, _ = url.Parse(srv.URL)
	return w
}

func (w *miniWitness) opts() WitnessOptions { return WitnessOptions{URL: w.url, Key: w.vkeyV} }

func (w *miniWitness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail > 0 {
		w.fail--
		http.Error(rw, "down", http.StatusInternalServerError)
		return
	}
	body, _ := io.ReadAll(r.Body)
	head, msg, _ := bytes.Cut(body, []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	old, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "old "), 10, 64)
	if err != nil {
		http.Error(rw, "bad old", http.StatusBadRequest)
		return
	}
	w.olds = append(w.olds, old)
	var proof tlog.TreeProof
	for _, l := range lines[1:] {
		h, err := tlog.ParseHash(l)
		if err != nil {
			http.Error(rw, "bad proof line", http.StatusBadRequest)
			return
		}
		proof = append(proof, h)
	}
	text, _, _ := bytes.Cut(msg, []byte("\n\n"))
	c, err := torchwood.ParseCheckpoint(string(text) + "\n")
	if err != nil {
		http.Error(rw, "bad checkpoint", http.StatusBadRequest)
		return
	}
	if old != w.size {
		rw.WriteHeader(http.StatusConflict)
		io.WriteString(rw, strconv.FormatInt(w.size, 10)+"\n")
		return
	}
	if w.size > 0 && tlog.CheckTree(proof, c.N, c.Hash, w.size, w.root) != nil {
		http.Error(rw, "bad consistency proof", http.StatusUnprocessableEntity)
		return
	}
	w.size, w.root = c.N, c.Hash
	signed, _ := note.Sign(&note.Note{Text: string(text) + "\n"}, w.s)
	rw.Write(signed[len(text)+2:])
}

// learn makes the witness hold checkpoint cp, as if another copy of tvault
// had sent it.
func (w *miniWitness) learn(t *testing.T, cp []byte) {
	text, _, _ := bytes.Cut(cp, []byte("\n\n"))
	c, err := torchwood.ParseCheckpoint(string(text) + "\n")
	if err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.size, w.root = c.N, c.Hash
	w.mu.Unlock()
}

// verifyWitnessed is audit verify --witness on the vault's own log.
func verifyWitnessed(v *member, wv note.Verifier) ([]audit.Witnessed, error) {
	sum, err := v.VerifyAudit(ctx, audit.VerifyOptions{Witnesses: []note.Verifier{wv}})
	return sum.Witnessed, err
}

func keptNote(t *testing.T, v *member, wv note.Verifier) []byte {
	t.Helper()
	var kept []byte
	if err := v.st.View(func(tx *store.Txn) error {
		var err error
		kept, err = tx.Cosigned(witnessKey(wv))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return kept
}

func TestAuditWitness(t *testing.T) {
	f := newFixture(t, 1)
	w := newMiniWitness(t)
	v := f.open("iryna")
	n := logSize(t, v)
	res, err := v.AuditWitness(ctx, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint sent covers the audit-witness entry, and nothing follows it.
	if res.Size != n+1 || logSize(t, v) != n+1 || res.OldSize != 0 {
		t.Errorf("cosigned size %d (from %d), log %d entries; want %d from 0", res.Size, res.OldSize, logSize(t, v), n+1)
	}
	kept := keptNote(t, v, w.vkeyV)
	if !bytes.Equal(kept, res.Cosigned) {
		t.Error("the kept note is not the one returned")
	}
	if _, err := witness.Open(kept, w.vkeyV); err != nil {
		t.Errorf("kept note: %v", err)
	}
	seal(t, as(v.Vault, f.team.Get("olena").Identity), f.exampleForm("W1"))
	res2, err := v.AuditWitness(ctx, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if res2.OldSize != res.Size || w.olds[len(w.olds)-1] != res.Size {
		t.Errorf("second request from size %d (witness saw old %d), want %d", res2.OldSize, w.olds[len(w.olds)-1], res.Size)
	}
	got, err := verifyWitnessed(v, w.vkeyV)
	if err != nil || len(got) != 1 || got[0].Size != res2.Size {
		t.Errorf("verify --witness = %v, %v; want the witness at %d", got, err, res2.Size)
	}
}

// TestAuditWitnessConflict: a witness that holds a later checkpoint than
// the vault kept (sent by another copy of the vault, or the kept one lost)
// answers 409; tvault proves consistency from the witness's size.
func TestAuditWitnessConflict(t *testing.T) {
	f := newFixture(t, 1)
	w := newMiniWitness(t)
	v := f.open("iryna")
	cp, err := v.AuditCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.learn(t, cp)
	seal(t, as(v.Vault, f.team.Get("olena").Identity), f.exampleForm("W2"))
	res, err := v.AuditWitness(ctx, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(w.olds) != 2 || w.olds[0] != 0 || w.olds[1] == 0 || res.OldSize != w.olds[1] {
		t.Errorf("requests from old sizes %v, result from %d; want 0, then the witness's size", w.olds, res.OldSize)
	}
}

func TestAuditWitnessFailsClosed(t *testing.T) {
	f := newFixture(t, 1)
	w := newMiniWitness(t)
	v := f.open("iryna")
	w.fail = 1
	n := logSize(t, v)
	if _, err := v.AuditWitness(ctx, w.opts()); err == nil || errors.Is(err, ErrIntegrity) {
		t.Fatalf("failing witness: err = %v, want a plain error", err)
	}
	if kept := keptNote(t, v, w.vkeyV); kept != nil || logSize(t, v) != n+1 {
		t.Errorf("failing witness: kept %q, log grew by %d; want nothing kept and the request's entry", kept, logSize(t, v)-n)
	}
	if _, err := verifyWitnessed(v, w.vkeyV); !errors.Is(err, ErrIntegrity) {
		t.Errorf("verify --witness without a kept note: err = %v, want ErrIntegrity", err)
	}
	// Another witness key under the same name verifies nothing kept.
	if _, err := v.AuditWitness(ctx, w.opts()); err != nil {
		t.Fatal(err)
	}
	other, _ := witness.NewVerifier("mini.example/w", ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, 32)).Public().(ed25519.PublicKey))
	if _, err := verifyWitnessed(v, other); !errors.Is(err, ErrIntegrity) {
		t.Errorf("verify --witness with another key: err = %v, want ErrIntegrity", err)
	}
}

// TestAuditWitnessTamperedKept: an insider who edits the kept cosigned
// checkpoint in the store is found by verify --witness and by the next
// audit witness, which then sends nothing and records nothing.
func TestAuditWitnessTamperedKept(t *testing.T) {
	f := newFixture(t, 1)
	w := newMiniWitness(t)
	v := f.open("iryna")
	if _, err := v.AuditWitness(ctx, w.opts()); err != nil {
		t.Fatal(err)
	}
	kept := keptNote(t, v, w.vkeyV)
	for what, bad := range map[string][]byte{
		"cosignature": append(bytes.Clone(kept[:len(kept)-6]), "AAAA=\n"...),
		"size":        bytes.Replace(kept, []byte("\n"), []byte("\n1"), 1),
		"history":     forkedCosigned(t, f, w, v.Vault.log.Origin(), logSize(t, v)),
	} {
		if err := v.st.Update(func(tx *store.Txn) error { return tx.PutCosigned(witnessKey(w.vkeyV), bad) }); err != nil {
			t.Fatal(err)
		}
		_, err := verifyWitnessed(v, w.vkeyV)
		if !errors.Is(err, ErrIntegrity) {
			t.Errorf("%s: verify --witness: err = %v, want ErrIntegrity", what, err)
		} else if what == "history" && !strings.Contains(err.Error(), "does not extend") {
			t.Errorf("forked kept checkpoint: err = %v, want it to say the log does not extend it", err)
		}
		if what != "cosignature" { // check knows no witness key: it checks the member's signature and the history
			rep, err := v.Check(ctx, CheckOptions{})
			if err != nil || !slices.ContainsFunc(rep.Findings, func(fd Finding) bool { return fd.Severity == "error" && fd.Subject == "audit log" }) {
				t.Errorf("%s: check did not report the kept checkpoint: %v, %+v", what, err, rep)
			}
		}
		n, sent := logSize(t, v), len(w.olds)
		if _, err := v.AuditWitness(ctx, w.opts()); !errors.Is(err, ErrIntegrity) {
			t.Errorf("%s: AuditWitness: err = %v, want ErrIntegrity", what, err)
		}
		if logSize(t, v) != n || len(w.olds) != sent {
			t.Errorf("%s: AuditWitness recorded or sent after finding the kept note bad", what)
		}
	}
}

// memberSigner signs checkpoints as a member, as the vault does.
type memberSigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s memberSigner) Name() string                    { return s.name }
func (s memberSigner) KeyHash() uint32                 { return s.hash }
func (s memberSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// forkedCosigned is a checkpoint of another history of the log, of size n,
// signed by a member and cosigned by the witness: what a vault would keep
// had the witness been shown a fork.
func forkedCosigned(t *testing.T, f *fixture, w *miniWitness, origin string, n int64) []byte {
	id := f.team.Get("iryna").Identity
	vk, err := note.NewEd25519VerifierKey("iryna", id.SigningPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	nv, err := note.NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	var root tlog.Hash
	root[0] = 0xff
	text := origin + "\n" + strconv.FormatInt(n, 10) + "\n" + root.String() + "\n"
	signed, err := note.Sign(&note.Note{Text: text}, memberSigner{"iryna", nv.KeyHash(), id.SigningKey()}, w.s)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}
