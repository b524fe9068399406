//go:build tvaultdebug

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// This file is compiled only with -tags tvaultdebug: the crash tests and the
// performance work. A release build (make build, go install) has neither
// hook, so no environment variable can make it kill itself halfway through a
// seal or write a profile next to the vault. nodebug.go holds the release
// counterparts.

// profiled runs fn, writing a CPU profile to $TVAULT_CPUPROFILE if set: a
// developer's tool for the performance work (pprof shows no content, only
// where time went).
func profiled(fn func() int) int {
	p := os.Getenv("TVAULT_CPUPROFILE")
	if p == "" {
		return fn()
	}
	f, err := os.Create(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tvault: cannot write the CPU profile: %v\n", err)
		return fn()
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err == nil {
		defer pprof.StopCPUProfile()
	}
	return fn()
}

// failpoint returns the vault's failpoint hook for $TVAULT_FAILPOINT: at the
// point of that name the process dies at once, without any cleanup, as a
// power cut would (die). Without the variable it returns nil.
func (e *env) failpoint() func(name string) {
	fp := e.getenv("TVAULT_FAILPOINT")
	if fp == "" {
		return nil
	}
	return func(name string) {
		if name == fp {
			die()
		}
	}
}
