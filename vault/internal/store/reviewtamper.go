package store

// DeletePolicyVersion removes a stored policy version and its entry
// pointer. tvault itself never removes one; the tamper tests use it to play
// someone with the vault folder who rolls a policy apply back.
func (t *Txn) DeletePolicyVersion(version int64) error {
	if err := t.del(cat(prefixPolicy, u64(uint64(version)))); err != nil {
		return err
	}
	return t.del(cat(prefixPolE, u64(uint64(version))))
}
