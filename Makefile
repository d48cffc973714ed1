# Two commands for a new user (see README): `make lab` and `make test`.
# Each sets up .venv when it is missing or pyproject.toml changed, then does its job.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# apt needs root; use sudo only when we are not root already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: lab app test lint unit notebooks browser bench demo hooks clean help

# Options for lab and app, e.g. make app ARGS="--port 8866 --no-browser --store clinic.sqlite"
ARGS ?=

help:
	@echo "make lab    open the workbook in JupyterLab (demo store if no clinic store exists)"
	@echo "make app    serve the same screens as an app (Voila): no code, for the visit itself"
	@echo "make test   run every test: lint, unit, notebooks (nbval), real browser"
	@echo "make bench  run the speed benchmarks (prints medians and ratios)"

$(STAMP): pyproject.toml
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
		echo "Installing python3-venv (needed to create .venv)"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; \
	fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[lab,test,dev]'
	@touch $@

# The real-browser test drives Debian's chromium (Playwright cannot download browsers here).
$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core

lab: $(STAMP)
	$(BIN)/python -m workbook lab $(ARGS)

app: $(STAMP)
	$(BIN)/python -m workbook app $(ARGS)

test: $(STAMP) $(CHROMIUM) lint
	$(BIN)/python -m pytest tests workbook notebooks --nbval-lax --nbval-current-env

# Lint, format and type checks: ruff (rules and formatting) and mypy with pandas-stubs.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests workbook -m "not browser"

notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks --nbval-lax --nbval-current-env

browser: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest tests -m browser

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

hooks: $(STAMP)
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
