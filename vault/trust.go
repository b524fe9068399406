package vault

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/trust"
)

// TrustedKeys are members' signing keys learned from outside an audit
// export, from one of the two files package vault/internal/trust
// specifies: the vault's signed policy chain ('tvault policy export') or
// a file of the members' cards.
type TrustedKeys struct {
	// Keys are the members' keys: for a chain, those of every version,
	// each with the versions that list it.
	Keys []audit.KeyInfo
	// Origin is the chain's vault's audit log origin, "tvault/<vault
	// id>"; "" for a cards file, which names no vault.
	Origin string
	chain  []trust.Version
}

// ReadTrustedKeys parses and verifies a policy chain file (it begins
// with {"tvault_policy_chain":) or else a cards file. A chain that does
// not verify, or a card whose card_sig does not, wraps ErrIntegrity; a
// file that is neither a chain nor a cards file is an *InputError.
func ReadTrustedKeys(b []byte) (*TrustedKeys, error) {
	if bytes.HasPrefix(b, []byte(trust.ChainTag)) {
		c, err := trust.ParseChain(b, "")
		if err != nil {
			return nil, err
		}
		return &TrustedKeys{Keys: c.Keys(), Origin: c.Origin, chain: c.Versions}, nil
	}
	keys, err := trust.ParseCards(b)
	var fe *trust.FormatError
	if errors.As(err, &fe) {
		return nil, &InputError{Msg: "it is neither a policy chain ('tvault policy export -o FILE') nor a cards file: " + fe.Msg}
	}
	if err != nil {
		return nil, err
	}
	return &TrustedKeys{Keys: keys}, nil
}

// VersionsOf reports how many policy versions a chain holds (0 for cards).
func (k *TrustedKeys) VersionsOf() int { return len(k.chain) }

// CheckExport reads an audit export and checks what the keys alone
// cannot: with a chain, that the export is of the chain's vault, that
// every entry was signed by a member of the policy version in force at
// its seq (a removed member's key verifies only the entries made while
// they were a member), and that each version's policy-apply entry that
// the export holds is the one in the chain — in an unfiltered export, that
// it holds every one below its tree size. A mismatch wraps ErrIntegrity;
// an export that applied versions the chain lacks is an *InputError (the
// chain is older: export it again). It does not verify the export:
// audit.VerifyExportWith, with Keys, does; a line it cannot read is left
// to that. With cards it checks nothing.
func (k *TrustedKeys) CheckExport(r io.Reader) error {
	if k.chain == nil {
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	if !sc.Scan() {
		return sc.Err()
	}
	var hdr struct {
		Origin   string          `json:"origin"`
		TreeSize int64           `json:"tree_size"`
		Filter   json.RawMessage `json:"filter"`
	}
	if json.Unmarshal(sc.Bytes(), &hdr) != nil {
		return nil
	}
	if hdr.Origin != k.Origin {
		return integrityErrorf("the export is of %q, the policy chain of %q: they are different vaults", clip(hdr.Origin, 80), k.Origin)
	}
	rs := newRestricted(k.chain)
	seen := map[int64]bool{}
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(`{"seq":`)) || !rs.interesting(line) {
			continue
		}
		if err := rs.check(line, seen); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, v := range k.chain[1:] {
		if hdr.Filter == nil && v.Applied < hdr.TreeSize && !seen[v.Applied] {
			return integrityErrorf("audit entry %d is not policy version %d's policy-apply entry: the policy chain is not this log's", v.Applied, v.Version)
		}
	}
	return nil
}

// restricted is what CheckExport looks for in entry lines: the keys
// that some policy version does not list (only their entries can be
// signed outside their versions), and policy-apply entries. It finds them
// with bytes.Contains, and reads only the lines that have them, so that
// an export signed by the members of every version costs one scan.
type restricted struct {
	chain []trust.Version
	keys  [][]byte // the keys' base64, short enough for bytes.Index's fast path
	// listed holds (name, key) for every member of every version: version
	// v lists them if v is among listed's versions.
	listed map[[2]string][]int64
}

func newRestricted(chain []trust.Version) *restricted {
	rs := &restricted{chain: chain, listed: map[[2]string][]int64{}}
	for _, ki := range trust.Keys(chain) {
		rs.listed[[2]string{ki.Name, ki.Key}] = ki.PolicyVersions
		if len(ki.PolicyVersions) < len(chain) {
			rs.keys = append(rs.keys, []byte(strings.TrimPrefix(ki.Key, "ed25519:")))
		}
	}
	return rs
}

var policyApplyField = []byte(`"action":"policy-apply"`)

func (rs *restricted) interesting(line []byte) bool {
	return bytes.Contains(line, policyApplyField) ||
		slices.ContainsFunc(rs.keys, func(k []byte) bool { return bytes.Contains(line, k) })
}

// entryLine is what check reads of an entry line.
type entryLine struct {
	Seq      int64  `json:"seq"`
	Actor    string `json:"actor"`
	ActorKey string `json:"actor_key"`
	Action   string `json:"action"`
	Outcome  string `json:"outcome"`
	Hash     string `json:"hash"`
}

// check checks one entry line that interesting selected.
func (rs *restricted) check(line []byte, seen map[int64]bool) error {
	var e entryLine
	if bytes.Contains(line, policyApplyField) {
		if json.Unmarshal(line, &e) != nil {
			return nil // the verifier reports it
		}
	} else if !e.parseSigner(line) {
		return nil
	}
	ver := trust.InForce(rs.chain, e.Seq)
	if !slices.Contains(rs.listed[[2]string{e.Actor, e.ActorKey}], ver) {
		return integrityErrorf("audit entry %d is signed by %q with a key that policy version %d, in force then, does not give them", e.Seq, clip(e.Actor, 64), ver)
	}
	if e.Action != "policy-apply" || e.Outcome != audit.OutcomeOK {
		return nil
	}
	i := slices.IndexFunc(rs.chain, func(v trust.Version) bool { return v.Entry != nil && v.Applied == e.Seq })
	if i < 0 {
		if last := rs.chain[len(rs.chain)-1]; e.Seq > last.Applied {
			return &InputError{Msg: fmt.Sprintf("audit entry %d applied a policy version after the chain's last (version %d): export the policy chain again ('tvault policy export') and verify with it", e.Seq, last.Version)}
		}
		return integrityErrorf("audit entry %d applied a policy version the policy chain does not hold: the chain is not this log's", e.Seq)
	}
	if tlog.RecordHash(rs.chain[i].Entry).String() != e.Hash {
		return integrityErrorf("audit entry %d is not policy version %d's policy-apply entry: the policy chain is not this log's", e.Seq, rs.chain[i].Version)
	}
	seen[e.Seq] = true
	return nil
}

// parseSigner reads seq, actor and actor_key from an entry line without
// decoding it all: the line is canonical (the verifier refuses it
// otherwise) and begins {"seq":N,"time":"…","actor":"…","actor_key":"…",
// where no value before actor_key's end can hold a '"' (a time, a member's
// name and a key have none, and within a JSON string every '"' is escaped).
// A line that does not look so is left to the verifier.
func (e *entryLine) parseSigner(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte(`{"seq":`))
	num, rest, ok2 := bytes.Cut(rest, []byte(`,"time":"`))
	seq, err := strconv.ParseInt(string(num), 10, 64)
	if !ok || !ok2 || err != nil {
		return false
	}
	_, rest, ok = bytes.Cut(rest, []byte(`","actor":"`))
	actor, rest, ok2 := bytes.Cut(rest, []byte(`","actor_key":"`))
	key, _, ok3 := bytes.Cut(rest, []byte(`"`))
	if !ok || !ok2 || !ok3 {
		return false
	}
	e.Seq, e.Actor, e.ActorKey = seq, string(actor), string(key)
	return true
}

// ExportPolicyChain writes the vault's signed policy chain (every version,
// as verified when the vault was opened, with its policy-apply entry) to w
// as the chain file ReadTrustedKeys reads, and returns how many versions
// it wrote. Any member may: every member may read every policy version
// already ('tvault policy show --version N'), and the chain adds only
// signatures and the entries that applied the versions (who applied each
// and when, which the signed versions say too). Its policy-export entry is
// appended first, so the export is on record before anything leaves.
// A field vault has no chain.
func (a *Actor) ExportPolicyChain(w io.Writer) (int, error) {
	if err := a.v.notInField("policy export"); err != nil {
		return 0, err
	}
	if err := a.authorize("policy-export", ""); err != nil {
		return 0, err
	}
	pols := a.v.pols
	if err := a.recordOK("policy-export", "", "", fmt.Sprintf("versions 1 to %d", len(pols))); err != nil {
		return 0, err
	}
	if err := trust.WriteChain(w, pols); err != nil {
		return 0, err
	}
	return len(pols), nil
}

// MaxTrustedKeysFile bounds a file ReadTrustedKeys reads: the larger of
// a chain file's and a cards file's bounds.
const MaxTrustedKeysFile = trust.MaxChainSize
