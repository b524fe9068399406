package vault

import (
	"errors"
	"fmt"
	"slices"

	"sort"

	"github.com/tvault/tvault/policy"

	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// ClassKeys is the state of one class's keys, as KeyStatus reports it.
type ClassKeys struct {
	Class string
	// Current is the newest epoch: the one new records are sealed to; 0
	// for a class the policy added that has no keys yet.
	Current int
	// Epochs lists every epoch of the class with how many records' keys
	// are wrapped to it (an epoch no record uses any longer has 0).
	Epochs []EpochUse
	// Stale lists the members who hold a slot key of the current epoch,
	// or of an older epoch that records still use, that the policy in
	// force no longer gives them (removed, their role changed, or their
	// keys replaced): they can still open those records until the class's
	// keys are rotated and its records rewrapped. Never silent.
	Stale []string
	// Lacking lists the members the policy in force makes holders of the
	// class who hold no slot key of the current epoch: they cannot open
	// the class until a holder runs keys sync.
	Lacking []string
	// StaleCurrent is set when a stale holder holds the current epoch's
	// keys (a rotation is due), not only older epochs' (a rewrap is).
	StaleCurrent bool
	// Threshold is the class's threshold in the policy in force.
	Threshold int
	// Unreadable counts the records whose key of this class is damaged
	// (tvault check says which).
	Unreadable int
}

// EpochUse is one epoch and the number of records wrapped to it.
type EpochUse struct {
	Epoch   int
	Records int
}

// KeyStatus reports, for every class of the policy in force, its epochs and
// the records on each, and who holds keys the policy does not give them or
// lacks keys it does. Any member may ask: it shows no secret and no
// record's content, only member names and counts, and everyone on the team
// should be able to see that someone removed still holds keys. The request
// is recorded.
func (a *Actor) KeyStatus() ([]ClassKeys, int64, error) {
	if err := a.v.notInField("keys status"); err != nil {
		return nil, 0, err
	}
	if err := a.authorize("keys-status", ""); err != nil {
		return nil, 0, err
	}
	var out []ClassKeys
	err := a.v.view(func(t *store.Txn) error {
		var err error
		out, err = a.v.keyStatus(t)
		return err
	})
	if err != nil {
		return nil, 0, a.failed("keys-status", "", err)
	}
	stale := 0
	for _, c := range out {
		stale += len(c.Stale)
	}
	if err := a.recordOK("keys-status", "", "", fmt.Sprintf("%d classes, %d stale holders", len(out), stale)); err != nil {
		return nil, 0, err
	}
	return out, a.v.polVer, nil
}

func (v *Vault) keyStatus(t *store.Txn) ([]ClassKeys, error) {
	uses, bad, err := epochUses(t)
	if err != nil {
		return nil, err
	}
	var out []ClassKeys
	for _, class := range v.pol.ClassNames() {
		es, err := v.epochNumbers(t, class)
		var nk *NoKeysError
		if errors.As(err, &nk) {
			out = append(out, ClassKeys{Class: class, Lacking: memberNames(v.pol.Holders(class)), Unreadable: bad[class]})
			continue
		}
		if err != nil {
			return nil, err
		}
		ck := ClassKeys{Class: class, Current: es[len(es)-1], Unreadable: bad[class], Threshold: v.pol.Threshold(class)}
		numbers := map[int]bool{}
		for _, n := range es {
			numbers[n] = true
		}
		for n, count := range uses[class] {
			numbers[n] = true
			if !slices.Contains(es, n) {
				// Records on an epoch whose keys are gone: no one opens them
				// through tvault, but whoever kept its slot key still can,
				// unnamed here. Never report them as fine: check says more.
				ck.Unreadable += count
			}
		}
		for n := range numbers {
			ck.Epochs = append(ck.Epochs, EpochUse{Epoch: n, Records: uses[class][n]})
		}
		sort.Slice(ck.Epochs, func(i, j int) bool { return ck.Epochs[i].Epoch < ck.Epochs[j].Epoch })
		// Stale holders are those of the current epoch and of every older
		// epoch records still use: until rewrap, those records open with
		// the old keys.
		for _, u := range ck.Epochs {
			if u.Epoch != ck.Current && u.Records == 0 || !slices.Contains(es, u.Epoch) {
				continue
			}
			e, err := v.loadEpoch(t, class, u.Epoch)
			if err != nil {
				return nil, err
			}
			stale, lacking := v.holderDrift(class, e.Slots)
			for _, m := range stale {
				if !contains(ck.Stale, m) {
					ck.Stale = append(ck.Stale, m)
				}
			}
			if u.Epoch == ck.Current {
				ck.Lacking = lacking
				ck.StaleCurrent = len(stale) > 0
			}
		}
		sort.Strings(ck.Stale)
		out = append(out, ck)
	}
	return out, nil
}

func memberNames(ms []policy.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// holderDrift compares the holders of the slots' wraps with the holders the
// policy in force names, by name and recipient.
func (v *Vault) holderDrift(class string, slots []record.Slot) (stale, lacking []string) {
	want := map[string]string{}
	for _, h := range v.pol.Holders(class) {
		want[h.Name] = h.Recipient
	}
	has := map[string]bool{}
	for _, s := range slots {
		for _, w := range s.Wraps {
			if r, ok := want[w.Member]; ok && r == w.Recipient {
				has[w.Member] = true
			} else if !contains(stale, w.Member) {
				stale = append(stale, w.Member)
			}
		}
	}
	for _, h := range v.pol.Holders(class) {
		if !has[h.Name] {
			lacking = append(lacking, h.Name)
		}
	}
	sort.Strings(stale)
	return stale, lacking
}

// epochUses counts the stored DEK wraps by class and epoch, and the
// unreadable ones by class.
func epochUses(t *store.Txn) (map[string]map[int]int, map[string]int, error) {
	uses, bad := map[string]map[int]int{}, map[string]int{}
	err := t.EachDEK(func(id, class string) error {
		raw, err := t.DEK(id, class)
		if err != nil {
			return err
		}
		w, err := record.DecodeDEKWrap(raw, id, class)
		if err != nil {
			bad[class]++
			return nil
		}
		if uses[class] == nil {
			uses[class] = map[int]int{}
		}
		uses[class][w.Epoch]++
		return nil
	})
	return uses, bad, err
}
