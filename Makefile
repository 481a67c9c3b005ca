# Set-up is part of every target: a fresh machine needs only Python 3.11, Java 17+ and the package registries.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the whole pipeline end to end on the embedded default (local Spark, Delta warehouse in lakehouse/).
run: setup
	$(BIN)/python -m jobs run-all

## Run the test suite.
test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf lakehouse
