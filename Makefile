# Set-up is part of every target: a fresh machine needs only Python 3.11, Java 17+ and the package registries.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-slow clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the whole pipeline end to end on the embedded default (local Spark, Delta warehouse in lakehouse/).
run: setup
	$(BIN)/python -m jobs run-all

## Run the test suite (everything but the end-to-end runs marked slow: about 10 minutes on 2 cores).
test: setup
	$(BIN)/python -m pytest -m "not slow"

## The end-to-end runs: a standalone cluster, calibration at S = 0.01, erasure, gold against independent code.
test-slow: setup
	$(BIN)/python -m pytest -m slow

clean:
	rm -rf lakehouse
