# surrogo: the two commands of the README are `make figures` and `make test`. Both install
# what they need (Debian's Jupyter, the Go tools, GoNB's kernel spec) and are idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
BIN := $(CURDIR)/bin
export PATH := $(BIN):$(PATH)
export GOFLAGS ?= -buildvcs=false

# Scale of `make figures`: smoke (seconds), cpu (minutes on 2 cores, the default), gpu, paper.
SCALE ?= cpu
# Notebook filter for `make figures`, e.g. ONLY=2023-fig03.
ONLY ?=

GO_TOOLS := $(BIN)/gonb $(BIN)/gopls $(BIN)/goimports

.PHONY: figures test setup tools jupyter kernel surrogo notebook clean

## figures: reproduce every figure and table at $(SCALE) scale (executes notebooks/, writes figures/).
figures: setup surrogo
	$(BIN)/surrogo notebooks run --scale $(SCALE) --inplace $(ONLY)

## test: vet, then every package's tests, which include executing every notebook at the smoke scale.
test: setup
	go vet ./...
	go test -timeout 60m ./...

## setup: Jupyter (Debian packages), the Go tools GoNB needs, and GoNB's kernel spec.
setup: jupyter tools kernel

jupyter:
	@if ! command -v jupyter-nbconvert >/dev/null || ! /usr/bin/python3 -c 'import ipykernel, nbclient' 2>/dev/null; then \
		echo "Installing Jupyter from Debian's packages..."; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel >/dev/null; }; \
	fi

# The tool versions are pinned by the `tool` directives of go.mod.
tools: $(GO_TOOLS)
$(GO_TOOLS): go.mod go.sum
	@mkdir -p $(BIN)
	go build -o $(BIN)/ github.com/janpfeifer/gonb golang.org/x/tools/gopls golang.org/x/tools/cmd/goimports
	@touch $(GO_TOOLS)

# GoNB's kernel spec, pointed at scripts/gonb-kernel so that the kernel finds gopls, goimports
# and go whatever the PATH of the Jupyter server (`jupyter notebook notebooks/` works as is).
kernel: tools jupyter
	@scripts/install-kernel.sh

## notebook: start Jupyter on 127.0.0.1 with a token (first free port from PORT=8888); prints the URL.
notebook: setup
	@scripts/notebook.sh

surrogo:
	go build -o $(BIN)/surrogo ./cmd/surrogo

clean:
	rm -rf $(BIN)
