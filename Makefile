# tthc-hub: `make demo` and `make test` work from a fresh clone with only Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench bench-delivery serve mocks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

demo: $(STAMP)  ## set up, then run the whole flow against the bundled mocks on a temp SQLite file
	$(BIN)/tthc-hub demo

test: $(STAMP)  ## set up, then run every test (PostgreSQL tests skip, saying why, when it is absent)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not postgres" -q

lint: $(STAMP)
	$(BIN)/ruff check hub connectors mocks tests

bench: $(STAMP)  ## reconciliation at 10k, 100k and 1M dossiers vs a one-query SQL baseline (SIZES=10000,100000)
	$(BIN)/python bench/reconcile_bench.py $(if $(SIZES),--sizes $(SIZES),)

bench-delivery: $(STAMP)  ## delivery vs raw httpx, ingest rate, start-up (EVENTS=2000)
	$(BIN)/python bench/delivery_bench.py $(if $(EVENTS),--events $(EVENTS),)

serve: $(STAMP)
	$(BIN)/tthc-hub serve

mocks: $(STAMP)
	$(BIN)/tthc-hub mocks serve

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
