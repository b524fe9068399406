package keys

import "github.com/tvault/tvault/vault/internal/record"

// FromKit returns the epoch a seal kit carries for one class: its public
// slot recipients and threshold, with no wrap of any slot secret. A field
// vault seals to it (WrapDEK) and can never open what it sealed.
func FromKit(c record.KitClass, policyVersion int64) *Epoch {
	e := &Epoch{Epoch: record.Epoch{Class: c.Class, Number: c.Epoch, Threshold: c.Threshold, PolicyVersion: policyVersion}}
	for _, s := range c.Slots {
		e.Slots = append(e.Slots, record.Slot{Recipient: s})
	}
	return e
}
