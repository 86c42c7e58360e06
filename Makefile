# Warden's scripts: the same targets run on a laptop and in CI (.ci/run calls `make test`).
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
UV    ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
CONFIG ?= examples/warden.yaml
# Debian packages the test suite starts as real peers (nginx, Prometheus, Chromium, ...).
SYSTEM_PACKAGES := nginx-light prometheus prometheus-alertmanager prometheus-blackbox-exporter \
	chromium postgresql-client mariadb-client zstd redis-tools

.PHONY: install up test test-fast lint fmt system-deps bench clean lock assets

install: $(VENV)/.installed assets

## Front-end libraries from the npm registry, copied where the web app and reports read them.
ASSETS := src/warden/web/static/vendor/uPlot.iife.min.js
assets: $(ASSETS)

$(ASSETS): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	mkdir -p src/warden/web/static/vendor
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css src/warden/web/static/vendor/

$(VENV)/.installed: requirements.lock pyproject.toml
	@python3 -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null || python3 -m pip install --quiet uv
	@[ -x $(PY) ] || $(UV) venv --quiet --python 3.11 $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

## Run Warden on the bundled example config with the embedded SQLite store.
up: install
	$(VENV)/bin/warden up --config $(CONFIG)

## Install everything (Python packages and the Debian peers) and run the whole test suite.
test: install system-deps
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

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

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
