# Parley: the two commands a newcomer needs are `make demo` and `make test`.
GO ?= go

.PHONY: demo serve test test-fast fuzz build bench screenshots lint-api api-docs-vendor

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
## browser tests run when Debian's chromium is installed. A package may take 40
## minutes: e2e, the longest, hit 20 under -race with the machine's load at 12-15.
test:
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(MAKE) lint-api
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/parley
	$(GO) test -race -count=1 -timeout 40m ./...
	$(MAKE) fuzz FUZZTIME=100000x

APILINT := tools/apilint
## lint-api: lint the API documents with the pinned Redocly CLI (tools/apilint;
## npm ci on first use). Zero errors and zero warnings: waivers live, with their
## reasons, in tools/apilint/redocly.yaml and .redocly.lint-ignore.yaml.
lint-api:
	@test -d $(APILINT)/node_modules/@redocly/cli || (cd $(APILINT) && npm ci --no-audit --no-fund --ignore-scripts)
	cd $(APILINT) && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly lint --format=stylish \
		../../internal/api/openapi.json ../../internal/xrpc/openapi.json

## api-docs-vendor: copy Swagger UI, at the version tools/apilint pins, into
## internal/api/docsui (served at /api/docs); run it after changing that pin.
api-docs-vendor:
	cd $(APILINT) && npm ci --no-audit --no-fund --ignore-scripts
	cp $(APILINT)/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(APILINT)/node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt internal/api/docsui/
	sed '/sourceMappingURL=/d' $(APILINT)/node_modules/swagger-ui-dist/swagger-ui.css > internal/api/docsui/swagger-ui.css
	cp $(APILINT)/node_modules/swagger-ui-dist/LICENSE internal/api/docsui/LICENSE.swagger-ui
	cp $(APILINT)/node_modules/swagger-ui-dist/NOTICE internal/api/docsui/NOTICE.swagger-ui
	node -p 'require("./$(APILINT)/node_modules/swagger-ui-dist/package.json").version' > internal/api/docsui/VERSION

## test-fast: the suite without the race detector
test-fast:
	$(GO) test -count=1 ./...

## bench: a quick pass of every benchmark scenario, under 3 minutes (full size: docs/benchmarks.md)
bench:
	CGO_ENABLED=0 $(GO) build -o bin/parley ./cmd/parley
	./bin/parley bench all --quick

FUZZTIME ?= 30s
## fuzz: run each fuzz target for FUZZTIME (a duration, or a count such as 100000x).
## make test uses a count: Go 1.26's fuzz coordinator can fail a target with a bare
## "context deadline exceeded" when a duration runs out while a starved worker is mid-call
## (go.dev/issue/75804, fixed in 1.27); a count has no deadline to race.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/api
	$(GO) test -run '^$$' -fuzz '^FuzzValidateText$$' -fuzztime $(FUZZTIME) ./internal/dm
	$(GO) test -run '^$$' -fuzz '^FuzzValidateEmoji$$' -fuzztime $(FUZZTIME) ./internal/dm
	$(GO) test -run '^$$' -fuzz '^FuzzTemplate$$' -fuzztime $(FUZZTIME) ./internal/brand

SHOTS ?= screenshots
## screenshots: PNGs of the main pages (desktop and phone width) into $(SHOTS)/; needs chromium
screenshots:
	$(GO) test ./internal/web -run 'Test(Brand)?Screenshots$$' -count=1 -screenshots=$(abspath $(SHOTS))
