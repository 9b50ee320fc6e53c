# tthc-hub: `make demo` and `make test` work from a fresh clone with only Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv dev demo test test-fast lint check-install bench bench-delivery bench-long bench-reference bench-reconcile bench-console profile serve mocks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	touch $(BENCH_STAMP)

venv: $(STAMP)  ## only set up .venv (the hub editable, with the test and dev extras)

dev: venv  ## the same as `make venv`

demo: $(STAMP)  ## set up, then run the whole flow against the bundled mocks on a temp SQLite file
	$(BIN)/tthc-hub demo

test: $(STAMP)  ## set up, then run every test (PostgreSQL tests skip, saying why, when it is absent)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not postgres" -q

lint: $(STAMP)  ## ruff over the code and tests, mypy over hub/ and connectors/
	$(BIN)/ruff check hub connectors mocks tests
	$(BIN)/mypy

# `pip install .` alone (no test extras) into a fresh venv runs the demo and the mocks.
check-install:  ## runtime code needs no test-only package (fresh venv, 1-3 min)
	PYTHON=$(PYTHON) scripts/check_runtime_install.sh

# One run, one table: raw httpx/zeep vs hub delivery (SQLite; PostgreSQL with 1 and 4 worker
# processes), the peers (Celery on Redis, procrastinate on PostgreSQL; the `bench` extra),
# ingest, ingest->ack latency, scale-out (1 and 4 workers against a 200 ms mock), the long
# run (LONG_JOBS jobs on PostgreSQL, default 100,000: several minutes), start-up. JSON in
# bench/results/. EVENTS=n per row (default 1000), QUICK=1 for a short run (2,000 jobs in
# the long run), BENCH_ARGS for any other flag (--help).
bench: $(BENCH_STAMP)  ## every row of issue #21 (EVENTS=1000, LONG_JOBS=100000, QUICK=1)
	$(BIN)/python bench/delivery_bench.py $(if $(EVENTS),--events $(EVENTS),) $(if $(LONG_JOBS),--long-jobs $(LONG_JOBS),) $(if $(QUICK),--quick,) $(BENCH_ARGS)

bench-delivery: bench  ## the same as `make bench`

bench-long: $(BENCH_STAMP)  ## the long run alone: LONG_JOBS jobs (default 100000) drained on PostgreSQL
	$(BIN)/python bench/delivery_bench.py --only long-run $(if $(LONG_JOBS),--long-jobs $(LONG_JOBS),) $(BENCH_ARGS)

# The latest `make bench` result becomes the committed reference, and the README's tables
# (between <!-- bench:start --> and <!-- bench:end -->) are generated from it.
bench-reference: $(STAMP)  ## copy the latest bench/results/delivery-*.json to reference.json, regenerate the README tables
	@latest=$$(ls bench/results/delivery-*.json 2>/dev/null | sort | tail -n 1); \
	test -n "$$latest" || { echo "no bench/results/delivery-*.json: run make bench first"; exit 1; }; \
	cp "$$latest" bench/results/reference.json && echo "$$latest -> bench/results/reference.json"
	$(BIN)/python scripts/bench_table.py bench/results/reference.json --write README.md

# Where the CPU of a delivered job goes: the raw and SQLite delivery rows profiled, one
# file set per process in bench/profiles/<UTC time>/ (git-ignored). PROFILER=py-spy samples
# from outside (the `bench` extra; needs ptrace) instead of cProfile.
profile: $(BENCH_STAMP)  ## cProfile (or PROFILER=py-spy) of the raw and delivery rows (EVENTS=500)
	$(BIN)/python bench/delivery_bench.py --only raw,delivery --no-pg --events $(or $(EVENTS),500) --profile $(or $(PROFILER),cprofile) $(BENCH_ARGS)

bench-reconcile: $(STAMP)  ## reconciliation at 10k, 100k and 1M dossiers vs a one-query SQL baseline, and ingest latency during it (SIZES=10000,100000)
	$(BIN)/python bench/reconcile_bench.py $(if $(SIZES),--sizes $(SIZES),)

bench-console: $(STAMP)  ## the console's jobs and job-detail pages at JOBS jobs (default 1,000,000), server p95 vs 150 ms
	$(BIN)/python bench/console_bench.py $(if $(JOBS),--jobs $(JOBS),)

serve: $(STAMP)
	$(BIN)/tthc-hub serve

mocks: $(STAMP)
	$(BIN)/tthc-hub mocks serve

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
