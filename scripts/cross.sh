#!/bin/sh
# make cross: prove that tvault builds for every platform it is released
# for (issue 18), as releases are built (CGO_ENABLED=0). For each target:
# the CLI builds, go vet ./... passes, and the tests of every package that
# has some compile (go test -c; they run only where CI runs, on Linux).
#
# It carries on past a failure, so that one run shows every target's state,
# prints one line per target (what failed, how long it took), and exits 1
# if anything failed. CROSS_TARGETS="GOOS/GOARCH ..." narrows the list.
set -u
cd "$(dirname "$0")/.." || exit 2
targets=${CROSS_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}
GO=${GO:-go}
summary=
status=0
for t in $targets; do
	start=$(date +%s)
	echo "cross: $t" >&2
	export GOOS="${t%/*}" GOARCH="${t#*/}" CGO_ENABLED=0
	failed=
	# Nothing is kept, so the links skip their symbol tables and DWARF
	# (-s -w): about a sixth less linking.
	"$GO" build -ldflags='-s -w' -o /dev/null ./cmd/tvault || failed="$failed build"
	"$GO" vet ./... || failed="$failed vet"
	# The packages with tests, as this target sees them (scripts/rss is
	# Linux-only). One go test -c builds them all, in parallel.
	pkgs=$("$GO" list -e -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...)
	# shellcheck disable=SC2086 # one word per package
	"$GO" test -ldflags='-s -w' -c -o /dev/null $pkgs >/dev/null || failed="$failed test-compile"
	secs=$(($(date +%s) - start))
	if [ -n "$failed" ]; then
		summary="$summary$(printf '%-14s FAIL:%s (%ds)' "$t" "$failed" "$secs")
"
		status=1
	else
		summary="$summary$(printf '%-14s ok (%ds)' "$t" "$secs")
"
	fi
done
printf '%s' "$summary"
exit $status
