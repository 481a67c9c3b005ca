# Set-up is part of every target: a fresh machine needs only Python 3.11, Java 17+ and the package registries.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run lint test test-slow test-crash clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the whole pipeline end to end on the embedded default (local Spark, Delta warehouse in lakehouse/).
run: setup
	$(BIN)/python -m jobs run-all

## Lint and format check (ruff, configured in pyproject.toml); `ruff format .` and `ruff check --fix .` repair most findings.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Run the test suite (everything but the end-to-end runs marked slow or crash: about 11-15 minutes on 2 cores).
test: setup
	$(BIN)/python -m pytest -m "not slow and not crash"

## The end-to-end runs: a standalone cluster, calibration at S = 0.01, erasure, gold against independent code.
test-slow: setup
	$(BIN)/python -m pytest -m slow

## kill -9 in the middle of ingest, standardize, link and indicators, re-run, compare with an uninterrupted run.
test-crash: setup
	$(BIN)/python -m pytest -m crash

clean:
	rm -rf lakehouse
