# Parley: the two commands a newcomer needs are `make demo` and `make test`.
GO ?= go

.PHONY: demo serve test test-fast fuzz build bench screenshots

## demo: run Parley with demo people and conversations on http://127.0.0.1:8080
demo:
	$(GO) run ./cmd/parley demo

## serve: run Parley on an empty database in ./parley-data
serve:
	$(GO) run ./cmd/parley serve

## build: a static binary (no cgo) in ./bin/parley
build:
	CGO_ENABLED=0 $(GO) build -o bin/parley ./cmd/parley

## test: a tidy go.mod, vet, the whole suite under the race detector, and a short fuzz pass.
## PostgreSQL/NATS tests run when PARLEY_TEST_POSTGRES / PARLEY_TEST_NATS are set;
## browser tests run when Debian's chromium is installed.
test:
	$(GO) mod tidy -diff
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/parley
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) fuzz FUZZTIME=10s

## test-fast: the suite without the race detector
test-fast:
	$(GO) test -count=1 ./...

## bench: a quick pass of every benchmark scenario, under 3 minutes (full size: docs/benchmarks.md)
bench:
	CGO_ENABLED=0 $(GO) build -o bin/parley ./cmd/parley
	./bin/parley bench all --quick

FUZZTIME ?= 30s
## fuzz: run each fuzz target for FUZZTIME
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/api
	$(GO) test -run '^$$' -fuzz '^FuzzValidateText$$' -fuzztime $(FUZZTIME) ./internal/dm
	$(GO) test -run '^$$' -fuzz '^FuzzValidateEmoji$$' -fuzztime $(FUZZTIME) ./internal/dm
	$(GO) test -run '^$$' -fuzz '^FuzzTemplate$$' -fuzztime $(FUZZTIME) ./internal/brand

SHOTS ?= screenshots
## screenshots: PNGs of the main pages (desktop and phone width) into $(SHOTS)/; needs chromium
screenshots:
	$(GO) test ./internal/web -run 'Test(Brand)?Screenshots$$' -count=1 -screenshots=$(abspath $(SHOTS))
