# Warden's scripts: the same targets run on a laptop and in CI (.ci/run calls `make test`).
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
UV    ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
CONFIG ?= examples/warden.yaml
# Every command finds the config the same way: --config, $$WARDEN_CONFIG, then ./warden.yaml, ...
# `make up` runs on this one; `eval "$$(make -s env)"` makes later commands in a shell read it too.
WARDEN_CONFIG := $(abspath $(CONFIG))

.PHONY: install up env test test-fast lint fmt system-deps services bench clean lock assets

install: $(VENV)/.installed assets

## Front-end libraries from the npm registry, copied where the web app and reports read them.
ASSETS := src/warden/web/static/vendor/uPlot.iife.min.js
assets: $(ASSETS)

$(ASSETS): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	mkdir -p src/warden/web/static/vendor
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css src/warden/web/static/vendor/
	cp node_modules/mermaid/dist/mermaid.min.js src/warden/web/static/vendor/
	cp node_modules/web-vitals/dist/web-vitals.iife.js src/warden/web/static/vendor/

$(VENV)/.installed: requirements.lock pyproject.toml
	@python3 -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null || python3 -m pip install --quiet uv
	@[ -x $(PY) ] || $(UV) venv --quiet --python 3.11 $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

## Run Warden on the bundled example config with the embedded SQLite store (./warden.db).
up: install
	@echo "config: $(WARDEN_CONFIG); in another shell: export WARDEN_CONFIG=$(WARDEN_CONFIG)"
	WARDEN_CONFIG=$(WARDEN_CONFIG) $(VENV)/bin/warden up --config $(CONFIG)

## Print the shell line that makes `warden ...` read the config `make up` uses.
env:
	@echo "export WARDEN_CONFIG=$(WARDEN_CONFIG)"

## Install everything (Python packages, Debian packages), start the servers the tests talk to
## (PostgreSQL, MariaDB, Redis, RabbitMQ; each only if its port is closed), run every test.
test: install services
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not integration and not browser"

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

## Debian packages: the peers the tests start (nginx, Prometheus, Chromium, ...) and the servers.
system-deps:
	scripts/services.sh install

services: system-deps
	scripts/services.sh start

## Re-pin the lockfiles after a change to pyproject.toml.
lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --no-header -q -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 --generate-hashes --no-header -q -o requirements-bench.lock

bench: install system-deps
	$(UV) pip sync --quiet --python $(PY) requirements-bench.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@rm -f $(VENV)/.installed

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
