// Package testkit builds test fixtures: a team of five members with
// identity files (at a low, test-only scrypt work factor), cards and the
// example policy, as in shared/examples. Only tests import it.
package testkit
