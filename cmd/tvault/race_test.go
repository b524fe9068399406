//go:build race

package main

// raceBuild: the tests run under -race, and so do the binaries they build.
const raceBuild = true
