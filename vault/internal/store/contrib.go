package store

import "fmt"

// prefixContrib holds the contributions holders made to move a threshold
// record's DEK to a new epoch (keys rewrap), until there are enough:
// contrib/<class>/<record id>/<x, one byte>.
var prefixContrib = []byte("contrib/")

func contribPrefix(class, id string) []byte {
	return cat(prefixContrib, []byte(class), []byte("/"), []byte(id), []byte("/"))
}

// PutContribution stores the contribution of the holder of slot x.
func (t *Txn) PutContribution(class, id string, x byte, v []byte) error {
	return t.set(cat(contribPrefix(class, id), []byte{x}), v)
}

// Contributions returns the stored contributions for record id's part of
// class, by slot x.
func (t *Txn) Contributions(class, id string) (map[byte][]byte, error) {
	out := map[byte][]byte{}
	err := t.each(contribPrefix(class, id), true, func(s, v []byte) error {
		if len(s) != 1 {
			return fmt.Errorf("contribution key of %d bytes: %w", len(s), ErrCorrupt)
		}
		out[s[0]] = v
		return nil
	})
	return out, err
}

// DeleteContributions removes every contribution for record id's part of
// class.
func (t *Txn) DeleteContributions(class, id string) error {
	cs, err := t.Contributions(class, id)
	if err != nil {
		return err
	}
	for x := range cs {
		if err := t.del(cat(contribPrefix(class, id), []byte{x})); err != nil {
			return err
		}
	}
	return nil
}
