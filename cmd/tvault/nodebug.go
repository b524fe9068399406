//go:build !tvaultdebug

package main

// The release build: TVAULT_CPUPROFILE and TVAULT_FAILPOINT mean nothing
// here (debug.go, built with -tags tvaultdebug, gives them their meaning).

func profiled(fn func() int) int { return fn() }

func (e *env) failpoint() func(name string) { return nil }
