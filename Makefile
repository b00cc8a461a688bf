# Alliance: `make demo` serves the demo alliance, `make test` runs the whole suite.
# Both install what is missing first: Debian packages, a virtual environment, the package.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Runtime: git, Noto CJK fonts, HarfBuzz's subsetter (fast CJK font embedding), Pango for WeasyPrint,
# poppler-utils (pdffonts, pdfimages: the pre-publication checks), Java (EPUBCheck).
SYSTEM_PACKAGES := git fonts-noto-cjk libharfbuzz-subset0 libharfbuzz0b libpango-1.0-0 \
	libpangoft2-1.0-0 shared-mime-info python3-venv poppler-utils default-jre-headless
# Tests also drive a real browser, and run against real PostgreSQL and Redis servers.
TEST_PACKAGES := chromium postgresql redis-server

.PHONY: help system test-system venv translations test test-sqlite test-pg e2e bench demo clean assets

help:
	@echo "make demo   install what is missing, seed the demo alliance, serve on 127.0.0.1:5000"
	@echo "make test   install what is missing and run the whole test suite on SQLite, then on PostgreSQL"
	@echo "make test-sqlite / make test-pg   one of the two runs (PYTEST_ARGS=... to pass options)"
	@echo "make bench  run the benchmarks under tests/bench"

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system:
	$(call apt_install,$(SYSTEM_PACKAGES))

test-system:
	$(call apt_install,$(TEST_PACKAGES))

$(BIN)/.installed: pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d alliance/translations

venv: $(BIN)/.installed translations

# The whole suite runs twice: on the embedded SQLite database, then on a throwaway PostgreSQL
# cluster. .ci/with-services starts PostgreSQL and a redis-server for each run (ALLIANCE_TEST_REDIS_URL
# is offered to both) and stops them however pytest ends.
# Both runs always happen; the target fails if either failed. A developer's own ALLIANCE_DATABASE_URL
# and ALLIANCE_REDIS_URL never reach the tests.
# Each run is two pytest runs (.ci/pytest-parallel): the tests on pytest-xdist workers (one a CPU,
# PYTEST_WORKERS=N to choose; each with its own ALLIANCE_HOME, databases and ports), then the few
# marked serial alone. Plain `pytest` still runs everything in one process.
PYTEST_ARGS ?=
TEST_ENV := env -u ALLIANCE_DATABASE_URL -u ALLIANCE_REDIS_URL
test: system test-system venv
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-pg || status=1; \
	exit $$status

test-sqlite: system test-system venv
	@echo "== test suite on SQLite"
	.ci/with-services $(TEST_ENV) -u ALLIANCE_TEST_DATABASE_URL .ci/pytest-parallel $(BIN)/python $(PYTEST_ARGS)

test-pg: system test-system venv
	@echo "== test suite on PostgreSQL"
	.ci/with-services $(TEST_ENV) .ci/pytest-parallel $(BIN)/python $(PYTEST_ARGS)

bench: system test-system venv
	@set -e; for b in tests/bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

demo: system venv
	$(BIN)/alliance demo

# The chapter editor (CodeMirror 6 from npm), bundled into one committed file: the app itself
# needs no node. Run after changing assets/ or package.json.
assets:
	npm ci --no-audit --no-fund
	npx esbuild assets/editor.js --bundle --minify --format=iife --target=es2020 \
		--legal-comments=eof --outfile=alliance/static/vendor/editor.bundle.js \
		'--banner:js=/*! CodeMirror 6, Lezer, style-mod: MIT License, see editor.bundle.LICENSE.txt */'
	cp node_modules/@codemirror/view/LICENSE alliance/static/vendor/editor.bundle.LICENSE.txt

clean:
	rm -rf $(VENV) instance
