# Threatflow: `make run` starts the server, `make test` runs every check.
# Both install what is missing first (Python deps, npm deps, Debian packages).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB := src/threatflow/web/index.html
UI_SOURCES := $(shell find ui/src ui/index.html ui/package.json ui/vite.config.ts -type f 2>/dev/null)
APT_UPDATED := /tmp/.threatflow-apt-updated

.PHONY: run test lint unit integration e2e ui-test deps ui system bench clean

run: deps ui
	HOST=$(HOST) PORT=$(PORT) $(BIN)/threatflow serve --examples examples

test: deps ui system
	$(MAKE) lint
	$(MAKE) ui-test
	$(BIN)/pytest -q

lint: deps
	$(BIN)/ruff check src tests bench examples/apps
	$(BIN)/mypy

unit: deps
	$(BIN)/pytest -q tests/unit

integration: deps system
	$(BIN)/pytest -q tests/integration

e2e: deps ui system
	$(BIN)/pytest -q tests/e2e

bench: deps
	$(BIN)/python -m bench

deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "python3 (3.11+) is required"; exit 2; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || $(MAKE) apt PKGS="python3-venv"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The web UI is built into the Python package; rebuilt only when its sources change.
ui: $(WEB)

$(WEB): $(UI_SOURCES) ui/package-lock.json
	@command -v npm >/dev/null || $(MAKE) apt PKGS="nodejs npm"
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	cd ui && npm run build
	touch $@

ui-test: ui
	cd ui && npm run lint
	cd ui && npm test

# Debian packages the tests need: Chromium for the browser tests, Node for the UI and Prism.
system:
	@test -x /usr/bin/chromium || $(MAKE) apt PKGS="chromium"
	@command -v npm >/dev/null || $(MAKE) apt PKGS="nodejs npm"
	@if [ -f tests/conformance/package-lock.json ] && \
	   [ ! -d tests/conformance/node_modules ] || \
	   [ tests/conformance/package-lock.json -nt tests/conformance/node_modules ]; then \
	  cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error && touch node_modules; \
	fi

apt:
	@test -f $(APT_UPDATED) || { apt-get update -qq && touch $(APT_UPDATED); }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PKGS)

clean:
	rm -rf $(VENV) ui/node_modules src/threatflow/web tests/conformance/node_modules var
