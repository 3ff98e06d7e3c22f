# Two commands that work on a fresh machine with only python3: `make demo`, `make test`.
# Both install from the checked-in lock (requirements/*.txt, every file pinned by sha256),
# so a clone installs the same versions today and in three months; `make lock` refreshes
# the lock and `make test-latest` runs the suite against the newest releases on purpose.
PYTHON ?= python3
VENV := .venv
BIN = $(VENV)/bin
LOCK := requirements
LATEST := .venv-latest
PIP = $(BIN)/python -m pip --disable-pip-version-check
COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock"

.PHONY: demo test lint typecheck pytest unit explore docs lock test-latest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The locked packages first (hashes checked, nothing resolved), then faktura itself,
# editable and without dependencies, built by the locked hatchling.
$(VENV)/.installed-all: $(LOCK)/all.txt pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)/all.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: $(LOCK)/test.txt pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)/test.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(VENV)/.installed-all $@

demo: $(VENV)/.installed-all
	$(BIN)/faktura demo

test: $(VENV)/.installed-test lint typecheck pytest docs

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --strict src

# Every tier (unit, contract, integration, e2e, docs) under the derandomized "ci" profile,
# spread over the cores by pytest-xdist (each worker starts its own PostgreSQL cluster).
# --dist load, not loadfile/loadscope/loadgroup: those key their work by node id, and the
# schemathesis tests share one node id (one per API operation), so they would run one of
# the 42 and drop the rest without a word. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= auto
pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist load

# The fast tier alone, over every core (pytest-xdist).
unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m unit -n auto

# The property tests randomized, with many more examples and the example database on:
# for exploring, not part of `make test` or CI.
explore: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest -q -m "unit or contract"

docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir $(VENV)/site

# Re-resolves every dependency to its newest release within pyproject.toml's bounds, for
# Python 3.11 and newer on every platform; the demo's lock takes the test lock's versions.
# One package alone: make lock LOCK_ARGS="--upgrade-package babel==2.18.0"
LOCK_ARGS ?= --upgrade
lock: | $(BIN)/python
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)/tools.txt
	$(COMPILE) $(LOCK_ARGS) --extra all --extra test pyproject.toml $(LOCK)/build.in \
		-o $(LOCK)/test.txt
	$(COMPILE) --extra all pyproject.toml $(LOCK)/build.in -c $(LOCK)/test.txt \
		-o $(LOCK)/all.txt

# The whole suite in a separate venv with the newest releases (not the lock): upstream
# changes are seen on purpose, not by surprise. Not part of `make test` or CI.
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip --disable-pip-version-check install --quiet --upgrade \
		-e '.[all,test]'
	touch $(LATEST)/.installed-all $(LATEST)/.installed-test
	$(LATEST)/bin/python -m pip --disable-pip-version-check freeze --exclude-editable \
		| $(PYTHON) $(LOCK)/compare.py $(LOCK)/test.txt
	$(MAKE) --no-print-directory test VENV=$(LATEST)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/totals.py

clean:
	rm -rf $(VENV) $(LATEST) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
