package keys

import (
	"errors"
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/crypto/shamir"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// ErrNoSlot is returned by OpenDEK when the identity holds no slot of the
// epoch: it is not (or no longer) a holder of the class.
var ErrNoSlot = errors.New("holds no slot of the class")

// ThresholdError is returned by OpenDEK when the identity's own shares are
// fewer than the class's threshold: unmasking needs other holders.
type ThresholdError struct{ Need int }

func (e *ThresholdError) Error() string {
	return fmt.Sprintf("needs %d holders to unmask a record", e.Need)
}

// WrapDEK wraps dek to the epoch's slots: whole to the one slot when the
// threshold is 1, else split k-of-n with one share per slot.
func (e *Epoch) WrapDEK(dek []byte) (*record.DEKWrap, error) {
	rs, err := e.slotRecipients()
	if err != nil {
		return nil, err
	}
	shares := [][]byte{dek}
	if e.Threshold > 1 {
		if shares, err = shamir.Split(dek, len(rs), e.Threshold); err != nil {
			return nil, err
		}
		defer func() {
			for _, s := range shares {
				clear(s)
			}
		}()
	}
	w := &record.DEKWrap{Epoch: e.Number, Threshold: e.Threshold}
	for i, r := range rs {
		s, err := tcrypto.Wrap(shares[i%len(shares)], r)
		if err != nil {
			return nil, err
		}
		w.Shares = append(w.Shares, s)
	}
	return w, nil
}

// OpenDEK unwraps the DEK of w (a wrap to this epoch, split or reshared)
// with id's slots. It returns ErrNoSlot or a *ThresholdError when id cannot
// open it alone, and an error wrapping fault.ErrIntegrity when the wrap is
// damaged or forged. The caller clears the DEK after use.
func (e *Epoch) OpenDEK(w *record.DEKWrap, id *tcrypto.Identity) ([]byte, error) {
	if !e.Fits(w) {
		return nil, fault.Integrityf("the key of class %s does not match its epoch %d", e.Class, e.Number)
	}
	slots, err := e.unwrapSlots(id)
	if err != nil {
		return nil, err
	}
	if len(slots) == 0 {
		return nil, ErrNoSlot
	}
	var shares [][]byte
	defer func() {
		for _, s := range shares {
			clear(s)
		}
	}()
	for i, sk := range slots {
		s, err := e.shareAt(w, i, sk)
		if err != nil {
			return nil, err
		}
		shares = append(shares, s)
	}
	return e.Combine(shares)
}
