package store

// DeleteErasureMark removes the erasure mark of record id (of one class,
// or of the whole record when class is empty). tvault itself never removes
// one; the tamper tests use it to play someone with the vault folder who
// restores an erased record from a backup and hides that it was erased.
func (t *Txn) DeleteErasureMark(id, class string) error { return t.del(erasedKey(id, class)) }
