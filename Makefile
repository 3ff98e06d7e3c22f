# Two commands that work on a fresh machine with only python3: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-all: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(VENV)/.installed-all $@

demo: $(VENV)/.installed-all
	$(BIN)/faktura demo

test: $(VENV)/.installed-test lint typecheck unit docs

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --strict src

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

docs: $(VENV)/.installed-test
	$(BIN)/mkdocs build --strict --site-dir $(VENV)/site

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/totals.py

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
