# 一业一查 joint inspections — developer entry points. Everything installs from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The distributions (see pyproject.toml): library, services, the public portal's pages, development tools.
DISTS := shared services/registry services/planning services/sampling services/results services/audit services/gsxt_emulator portal devtools
PYPROJECTS := pyproject.toml $(addsuffix /pyproject.toml,$(DISTS))
STAMP := $(VENV)/.installed-$(shell cat $(PYPROJECTS) | cksum | cut -d' ' -f1)

.PHONY: help install system-packages lint run test test-unit test-e2e fuzz bench token migrate samples api-snapshot clean-data mutation

help:
	@echo "make run        start every service (embedded PostgreSQL unless JC_DATABASE_URL is set)"
	@echo "make test       the whole suite (unit, service, e2e) against real PostgreSQL"
	@echo "make system-packages  Debian packages the browser, gateway and alert tests need (make test runs it)"
	@echo "make lint       ruff: lint and format check"
	@echo "make fuzz       property-based fuzzing of every service's OpenAPI, many examples (make test runs a short one)"
	@echo "make bench      benchmarks; print their figures"
	@echo "make mutation   mutation scores of the pure cores (docs/mutation.md; slow)"
	@echo "make token ROLE=admin|officer|inspector|auditor|service [DEPT=SCJG]"
	@echo "make migrate    create and migrate every service database"
	@echo "make samples    rewrite the sample directory files in tests/data/ from the demo generator"
	@echo "make api-snapshot  rewrite docs/api/<service>.json from the served OpenAPI, a CHANGELOG.md line per change"

$(STAMP): $(PYPROJECTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check $(foreach d,$(filter-out devtools,$(DISTS)),-e $(d)) -e 'devtools[test,bench]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# Debian packages some tests drive (Chromium, nginx, promtool): tools/system-packages.sh.
system-packages:
	@bash tools/system-packages.sh

run: $(STAMP)
	$(PY) -m jcdev run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(STAMP) system-packages
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: $(STAMP) system-packages
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

fuzz: $(STAMP)
	JC_FUZZ_EXAMPLES=$(or $(EXAMPLES),150) JC_FUZZ_RANDOM=1 $(PY) -m pytest tests/fuzz -p no:logging $(PYTEST_ARGS)

bench: $(STAMP)
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b; done

mutation: $(STAMP)
	@$(PY) -c 'import mutmut' 2>/dev/null || $(PY) -m pip install -q --disable-pip-version-check -e 'devtools[test,mutation]'
	$(PY) tools/mutation.py $(MUTATION_ARGS)

token: $(STAMP)
	@$(PY) -m jcdev token --role $(or $(ROLE),admin) $(if $(DEPT),--dept $(DEPT))

migrate: $(STAMP)
	$(PY) -m jcdev migrate

samples: $(STAMP)
	$(PY) -m jcdev samples tests/data

# The API contracts (docs/api/<service>.json) and CHANGELOG.md; a breaking change needs a version bump.
api-snapshot: $(STAMP)
	$(PY) -m jcdev api-snapshot

clean-data:
	rm -rf .data
