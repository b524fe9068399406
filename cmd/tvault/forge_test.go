package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/audit"
)

// forgeexport IDENTITY NAME IN OUT OP [ARG]: what an exporter with a real
// member key (IDENTITY, the member NAME) can do to an unfiltered export, and
// then make it verify on its own:
//
//	truncate N    keep entries 0..N-1 and re-sign the checkpoint as NAME
//	backdate SEQ  move NAME's entry SEQ a day before entry 0, re-sign it,
//	              the tree and the checkpoint
//	cosign        add a cosignature by a witness nobody knows
//	resignall     re-sign every entry and the checkpoint with IDENTITY's key
//	              under each entry's actor name, and list only that key
func cmdForgeexport(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 5 {
		ts.Fatalf("usage: forgeexport IDENTITY NAME IN OUT OP [ARG]")
	}
	id, err := tcrypto.ReadIdentityFile(ts.MkAbs(args[0]), func() (string, error) { return testkit.Passphrase, nil })
	ts.Check(err)
	f := &forger{name: args[1], key: id.SigningKey()}
	raw, err := os.ReadFile(ts.MkAbs(args[2]))
	ts.Check(err)
	ls := strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")
	hdr, keys, entries, cp := ls[0], ls[1], ls[2:len(ls)-1], ls[len(ls)-1]
	_, f.entries, err = audit.ExportEntries(raw)
	ts.Check(err)
	op := args[4]
	arg := 0
	if len(args) > 5 {
		arg, err = strconv.Atoi(args[5])
		ts.Check(err)
	}
	var out []string
	switch op {
	case "truncate":
		out = f.rebuild(ts, hdr, keys, entries[:arg], f.entries[:arg], nil)
	case "backdate":
		out = f.rebuild(ts, hdr, keys, entries, f.entries, func(i int, e *audit.Entry) bool {
			if i != arg {
				return false
			}
			if e.Actor != f.name {
				ts.Fatalf("entry %d is %s's, not %s's", i, e.Actor, f.name)
			}
			e.Time = f.entries[0].Time.Add(-24 * time.Hour)
			return true
		})
	case "resignall":
		pub := tcrypto.FormatSigningKey(f.key.Public().(ed25519.PublicKey))
		var names []string
		out = f.rebuild(ts, hdr, keys, entries, f.entries, func(i int, e *audit.Entry) bool {
			if !slices.Contains(names, e.Actor) {
				names = append(names, e.Actor)
			}
			e.ActorKey = pub
			return true
		})
		var kl []audit.KeyInfo
		for _, n := range names {
			kl = append(kl, audit.KeyInfo{Name: n, Key: pub, Member: true})
		}
		b, err := json.Marshal(struct {
			Keys []audit.KeyInfo `json:"keys"`
		}{kl})
		ts.Check(err)
		out[1] = string(b) + "\n"
	case "cosign":
		var c struct {
			Checkpoint string `json:"checkpoint"`
		}
		ts.Check(json.Unmarshal([]byte(cp), &c))
		_, skey, _ := ed25519.GenerateKey(rand.Reader)
		text, _, _ := strings.Cut(c.Checkpoint, "\n\n")
		w := &noteSigner{name: "witness.example.org/unknown", key: skey}
		signed, err := note.Sign(&note.Note{Text: text + "\n"}, w)
		ts.Check(err)
		_, sig, _ := strings.Cut(string(signed), "\n\n")
		c.Checkpoint += sig
		out = append(append([]string{hdr, keys}, entries...), jsonLine(ts, c))
	default:
		ts.Fatalf("unknown forgeexport op %q", op)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), []byte(strings.Join(out, "")), 0o600))
}

type forger struct {
	name    string
	key     ed25519.PrivateKey
	entries []audit.Entry // the export's, as audit.ExportEntries reads them
}

// rebuild returns the export of entries, with edit applied (an edited entry
// is re-signed with f's key), its tree recomputed, the header's size set and
// the checkpoint signed by f.
func (f *forger) rebuild(ts *testscript.TestScript, hdr, keys string, entries []string, parsed []audit.Entry, edit func(int, *audit.Entry) bool) []string {
	hashes := map[int64]tlog.Hash{}
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	out := []string{"", keys}
	for i, line := range entries {
		e := parsed[i]
		if edit != nil && edit(i, &e) {
			e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(f.key, e.SignedBytes()))
			line = entryLine(ts, &e)
		}
		hs, err := tlog.StoredHashesForRecordHash(int64(i), tlog.RecordHash(e.Leaf()), reader)
		ts.Check(err)
		for j, h := range hs {
			hashes[tlog.StoredHashIndex(0, int64(i))+int64(j)] = h
		}
		out = append(out, line)
	}
	n := int64(len(entries))
	root, err := tlog.TreeHash(n, reader)
	ts.Check(err)
	var h struct {
		Origin string `json:"origin"`
	}
	ts.Check(json.Unmarshal([]byte(hdr), &h))
	out[0] = fmt.Sprintf(`{"tvault_audit_export":1,"origin":%q,"tree_size":%d}`+"\n", h.Origin, n)
	text := fmt.Sprintf("%s\n%d\n%s\n", h.Origin, n, root)
	signed, err := note.Sign(&note.Note{Text: text}, &noteSigner{name: f.name, key: f.key})
	ts.Check(err)
	return append(out, jsonLine(ts, struct {
		Checkpoint string `json:"checkpoint"`
	}{string(signed)}))
}

// entryLine writes an unfiltered entry line as the export does, for the
// values tests use (no characters JSON escapes differently).
func entryLine(ts *testscript.TestScript, e *audit.Entry) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"seq":%d`, e.Seq)
	for _, f := range [][2]string{{"time", e.Time.UTC().Format(time.RFC3339Nano)}, {"actor", e.Actor}, {"actor_key", e.ActorKey},
		{"action", e.Action}, {"record", e.Record}, {"class", e.Class}, {"outcome", e.Outcome}, {"detail", e.Detail},
		{"digest", e.Digest}, {"sig", e.Sig}, {"hash", tlog.RecordHash(e.Leaf()).String()}} {
		if f[0] == "digest" && f[1] == "" {
			continue
		}
		v, err := json.Marshal(f[1])
		ts.Check(err)
		fmt.Fprintf(&b, `,%q:%s`, f[0], v)
	}
	return b.String() + "}\n"
}

func jsonLine(ts *testscript.TestScript, v any) string {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	ts.Check(enc.Encode(v))
	return out.String()
}

// noteSigner signs notes with an Ed25519 key under a name, as
// note.NewSigner would.
type noteSigner struct {
	name string
	key  ed25519.PrivateKey
}

func (s *noteSigner) Name() string { return s.name }
func (s *noteSigner) KeyHash() uint32 {
	h := sha256.New()
	h.Write([]byte(s.name + "\n\x01"))
	h.Write(s.key.Public().(ed25519.PublicKey))
	sum := h.Sum(nil)
	return uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
}
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }
