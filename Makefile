# tvault — every target works on a machine with only Go installed.
GO      ?= go
BIN     ?= bin/tvault
FUZZTIME ?= 20s

.PHONY: all build test lint demo bench fuzz clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/tvault

# The tests, CLI scripts (cmd/tvault/testdata/*.txt) included.
test:
	$(GO) test -race -timeout 20m ./...

lint:
	@out=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@sh scripts/check-imports.sh

demo: build
	@sh scripts/demo.sh $(BIN)

# Inner loops (go test -bench), then tvault against the age CLI on the same
# input in one run; writes BENCHMARKS.md. BENCH_QUICK=1 for a short run.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./...
	sh scripts/bench.sh $(BIN)

# Each fuzz target runs for FUZZTIME; crashers land in testdata/fuzz.
fuzz:
	@sh scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
