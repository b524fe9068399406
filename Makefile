# tvault — every target works on a machine with only Go installed.
GO      ?= go
BIN     ?= bin/tvault
FUZZTIME ?= 20s

.PHONY: all build test lint cross wine release release-test demo bench fuzz clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/tvault

# The tests, CLI scripts (cmd/tvault/testdata/*.txt) included. Every
# package runs under the race detector except the CLI's, whose scripts run
# the test binary as tvault hundreds of times (four times slower under
# -race, for code that is mostly sequential): it runs without it, and the
# tests of its concurrent parts (signals, interrupted commands, a broken pipe,
# the witness client) run again under -race.
RACE_CLI_TESTS = ^(TestInterrupt|TestRunInterrupted|TestBrokenPipe|TestWitnessLitewitness)$$
test:
	$(GO) test -race -timeout 20m $$($(GO) list ./... | grep -v '/cmd/tvault$$')
	$(GO) test -timeout 20m ./cmd/tvault
	$(GO) test -race -timeout 20m -run '$(RACE_CLI_TESTS)' ./cmd/tvault

lint:
	@out=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@sh scripts/check-imports.sh

# Every release target (linux, darwin and windows; see scripts/cross.sh):
# the CLI builds, go vet passes and every package's tests compile, with
# CGO_ENABLED=0. CROSS_TARGETS="GOOS/GOARCH ..." narrows it.
cross:
	@GO=$(GO) sh scripts/cross.sh

# The Windows test binaries of the store, blob, file, CLI and engine
# packages under Debian's wine (scripts/wine/README.md says what wine does
# unlike Windows). Skips without wine unless CI=true, which installs it.
wine:
	@bash scripts/wine/test.sh

# Reproducible binaries for the five targets in bin/release, SHA256SUMS and,
# with TVAULT_RELEASE_KEY, SHA256SUMS.sig (see scripts/release.sh).
release:
	@sh scripts/release.sh bin/release

# Two releases of HEAD must be byte-identical and their signature checkable
# (about 15 minutes; RELEASE_TEST_SHARED_CACHE=1 for a 1-minute version).
release-test:
	@sh scripts/release-test.sh

demo: build
	@sh scripts/demo.sh $(BIN)

# Inner loops (go test -bench), then tvault against the age CLI on the same
# input in one run, then the scale curve to a million records (hours, ~20 GB
# of disk); writes BENCHMARKS.md and BENCHMARKS-scale.png. BENCH_QUICK=1 for
# a short run (minutes; the curve stops at 30,000 records), BENCH_PARTS=scale
# for the curve alone (see scripts/bench.sh).
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./...
	sh scripts/bench.sh $(BIN)

# Each fuzz target runs for FUZZTIME; crashers land in testdata/fuzz.
fuzz:
	@sh scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
