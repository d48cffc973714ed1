# Two commands for a new user (see README): `make lab` and `make test`.
# Each sets up .venv when it is missing or pyproject.toml changed, then does its job.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# Debian's PostgreSQL server binaries (any major version): the store tests start a throw-away
# cluster from them. The system service is never started.
PG_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb) /usr/lib/postgresql/missing/bin/initdb)
# JupyterHub's proxy, from npm into the project (not global).
NODE_DIR := $(VENV)/node
CHP := $(NODE_DIR)/node_modules/.bin/configurable-http-proxy
# apt needs root; use sudo only when we are not root already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: lab app test lint unit notebooks browser hubtest hub bench demo hooks clean help

# Options for lab and app, e.g. make app ARGS="--port 8866 --no-browser --store clinic.sqlite"
ARGS ?=

help:
	@echo "make lab    open the workbook in JupyterLab (demo store if no clinic store exists)"
	@echo "make app    serve the same screens as an app (Voila): no code, for the visit itself"
	@echo "make test   run every test: lint, unit (SQLite and PostgreSQL), notebooks, browser, hub"
	@echo "make hub    start the practice's JupyterHub on 127.0.0.1 for a try (docs/deploy.md)"
	@echo "make bench  run the speed benchmarks (prints medians and ratios)"

$(STAMP): pyproject.toml
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
		echo "Installing python3-venv (needed to create .venv)"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; \
	fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[lab,test,dev,postgres,hub]'
	@touch $@

# The real-browser test drives Debian's chromium (Playwright cannot download browsers here).
$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core

# The store tests run on PostgreSQL too: Debian's server package, without starting its service.
$(PG_INITDB):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q postgresql
	@# Debian's package starts the clinic-wide service on install; the tests never use it.
	-$(SUDO) sh -c 'command -v systemctl >/dev/null && systemctl is-active --quiet postgresql && systemctl stop postgresql || true'

# The hub (deploy/, tests/hub) needs Node.js and configurable-http-proxy.
$(CHP):
	@command -v npm >/dev/null || { $(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error configurable-http-proxy@5

lab: $(STAMP)
	$(BIN)/python -m workbook lab $(ARGS)

app: $(STAMP)
	$(BIN)/python -m workbook app $(ARGS)

test: $(STAMP) $(CHROMIUM) $(PG_INITDB) $(CHP) lint
	$(BIN)/python -m pytest tests workbook notebooks --nbval-lax --nbval-current-env

# Lint, format and type checks: ruff (rules and formatting) and mypy with pandas-stubs.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP) $(PG_INITDB)
	$(BIN)/python -m pytest tests workbook -m "not browser and not hub"

notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks --nbval-lax --nbval-current-env

browser: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest tests -m browser

hubtest: $(STAMP) $(PG_INITDB) $(CHP)
	$(BIN)/python -m pytest tests -m hub

# A try on this machine: the hub on http://127.0.0.1:8000 with a throw-away PostgreSQL clinic
# store (or $$WORKBOOK_DB if set). See docs/deploy.md for a clinic's real deployment.
hub: $(STAMP) $(PG_INITDB) $(CHP)
	$(BIN)/python deploy/try_hub.py

bench: $(STAMP) $(PG_INITDB)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
	@echo "== benchmarks/bench_store.py --postgres (a throw-away PostgreSQL cluster)"
	$(BIN)/python benchmarks/bench_store.py --postgres

hooks: $(STAMP)
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
