# StoreLens. `make run` serves the demo on http://127.0.0.1:8080; `make test`
# runs every test (Go, then the browser tests). Both install what they need.

GO      ?= go
BIN     := bin/storelens
ADDR    ?= 127.0.0.1:8080
DATA    ?= ./data
CHROMIUM ?= /usr/bin/chromium

.PHONY: run build edge generate deps vendor-js test test-go test-browser test-postgres lint bench chromium clean

# Browser libraries served from /static/vendor: installed from the npm
# registry by web/package-lock.json and copied here (not committed).
VENDOR_JS := web/static/vendor/hls.min.js web/static/vendor/mpegts.js \
	web/static/vendor/uPlot.iife.min.js web/static/vendor/uPlot.min.css

## deps: Go modules and the templ generator (pinned by go.mod's tool line)
deps:
	$(GO) mod download
	$(GO) tool templ version >/dev/null

## generate: templ components -> *_templ.go (committed; regenerate after editing .templ)
generate: deps
	$(GO) tool templ generate

## vendor-js: the npm browser libraries into web/static/vendor
vendor-js: $(VENDOR_JS)

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(VENDOR_JS): web/node_modules/.installed
	cp web/node_modules/hls.js/dist/hls.min.js web/node_modules/mpegts.js/dist/mpegts.js \
	   web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css web/static/vendor/
	cp web/node_modules/hls.js/LICENSE web/static/vendor/hls.js.LICENSE
	cp web/node_modules/mpegts.js/LICENSE web/static/vendor/mpegts.js.LICENSE
	cp web/node_modules/uplot/LICENSE web/static/vendor/uPlot.LICENSE
	touch $(VENDOR_JS)

build: generate vendor-js
	$(GO) build -o $(BIN) ./cmd/web

## edge: storelens-edge, the on-site connector of chain mode, static for
## linux/amd64 and linux/arm64 (bin/storelens-edge-linux-*)
edge:
	for arch in amd64 arm64; do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -o bin/storelens-edge-linux-$$arch ./cmd/edge || exit 1; \
	done

## run: the server in demo mode on an empty data directory (ADDR, DATA to change)
run: build
	./$(BIN) --addr $(ADDR) --data-dir $(DATA)

## test: every test; installs Chromium (Debian) and npm packages when missing
test: test-go test-browser

lint: generate
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './playwright/*' -not -name '*_templ.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test-go: lint
	$(GO) test -race -count=1 -timeout 30m ./...

## test-postgres: the Go suite again on a throwaway PostgreSQL cluster (Debian's postgresql; scripts/pgtest.sh)
test-postgres: generate
	scripts/pgtest.sh

test-browser: build chromium playwright/node_modules/.installed
	cd playwright && CHROMIUM=$(CHROMIUM) npx playwright test

playwright/node_modules/.installed: playwright/package-lock.json
	cd playwright && npm ci --no-audit --no-fund
	touch $@

## chromium: Debian's Chromium for the browser tests (npx playwright install cannot download here)
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

## bench: the benchmarks of BENCHMARKS.md (pages; traffic on 100 shops x 2 years)
bench: generate
	$(GO) test -run '^$$' -bench 'ShopsPage|CameraList' -benchmem ./internal/handlers/
	$(GO) test -run '^$$' -bench 'AllTrafficYear' -benchtime 5x ./internal/handlers/
	$(GO) test -run '^$$' -bench 'Traffic' -benchtime 5x -benchmem ./internal/traffic/
	$(GO) test -run '^$$' -bench 'FLVFanout|HLSFanout' -benchtime 1x ./internal/live/
	$(GO) test -run '^$$' -bench 'DiscoveryFrame' -benchmem ./internal/vendors/sunmilan/
	$(GO) test -run '^$$' -bench 'EventFanout' -benchtime 1x -timeout 10m ./internal/handlers/
	STORELENS_INGEST_SECONDS=60 $(GO) test -run '^$$' -bench 'EventIngest' -benchtime 1x -timeout 10m ./internal/handlers/
	$(GO) test -run '^$$' -bench 'EventSearch' -benchtime 20x -v -timeout 90m ./internal/handlers/
	$(GO) test -run '^$$' -bench 'EdgeEightCameras' -benchtime 1x ./cmd/edge/
	$(GO) test -run '^$$' -bench 'EdgesReconnect' -benchtime 1x ./cmd/web/
	$(GO) test -run '^$$' -bench 'ChainSize' -benchtime 1x -v -timeout 110m ./internal/handlers/

## bench-postgres: the chain size and three instances on a throwaway PostgreSQL (scripts/pgtest.sh)
.PHONY: bench-postgres
bench-postgres: generate
	PGTEST_RACE= PGTEST_TIMEOUT=110m PGTEST_PG_OPTS="-c shared_buffers=2GB -c work_mem=32MB -c max_wal_size=8GB" \
	  PGTEST_FLAGS="-run ^\$$ -bench ChainSize -benchtime 1x -v" PGTEST_PACKAGES=./internal/handlers/ scripts/pgtest.sh
	PGTEST_RACE= PGTEST_FLAGS="-run ^\$$ -bench IngestThreeInstances -benchtime 1x -v" PGTEST_PACKAGES=./cmd/web/ scripts/pgtest.sh

## fuzz: every Go fuzz target for FUZZTIME each (15s; CI runs this after the tests)
.PHONY: fuzz
fuzz:
	FUZZTIME=$(or $(FUZZTIME),15s) scripts/fuzz.sh

clean:
	rm -rf bin playwright/test-results playwright/playwright-report playwright/.data
	find web/static/vendor -type f ! -name .gitkeep -delete
