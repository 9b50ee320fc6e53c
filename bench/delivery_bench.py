"""Delivery, scale-out, ingest, latency, a long run and start-up, side by side (``make bench``).

Every figure comes from the same run, on the same payloads: N "received" events
(one per distinct dossier, from ``hub.testing.samples``), sent as MOLISA's
``DongBoDVC`` (REST) and MONRE's ``TiepNhanHoSo`` (SOAP). The bundled mocks
(the ``register_mocks`` hook) run in their own processes on loopback; so does
every measured process, so the CPU and peak memory of a row are that process's own.
The mocks are reset before each row and checked after it.

Rows
----
raw (the limit: the client library alone, no hub)
    ``raw httpx -> MOLISA``: httpx's AsyncClient posting the connector's bodies (with
    AcceptKey and Idempotency-Key) at the hub's concurrency (``WorkerSettings().
    concurrency`` in flight, one pool). ``raw zeep -> MONRE``: zeep's AsyncClient with
    the connector's parsed WSDL, settings, binding and headers, over its own
    httpx.AsyncClient, calling ``TiepNhanHoSo`` with the connector's arguments.
    ``+200 ms``: the same against the MOLISA mock with a ``slow`` fault (every call
    answered 200 ms later: I/O-bound), with one pool of 8 and with 4 pools of 8 (the
    references of the scale-out rows, 1 and 4 workers), ``--scale-events`` calls
    (default 1000; the 1-pool row lasts about 25 s, the 4-pool row about 6 s).
delivery (the hub draining N already-ingested events)
    N events ingested first (outside the clock); then worker processes
    (``hub.worker.run``, default worker settings) claim, map, send and record the ack
    and the attempt. Each worker runs its connectors' ``warm_up`` (the address tables)
    before "go", as the raw rows map their bodies (which loads them) before theirs.
    Clock: from "go" to the last job's ``finished_at``. Checked:
    every job succeeded with exactly one attempt, and the mock applied each dossier
    once with no duplicate and no contract violation. Rows: SQLite with 1 worker for
    MOLISA and MONRE (target: ``x raw`` = delivery / raw >= 0.9); PostgreSQL with 1
    worker for MOLISA. The p50/p99/max of a delivery row are the hub's call times
    (``attempts.duration_ms``); of a raw row, the call times the client saw.
    Scale-out (``... MOLISA +200 ms``): 1 and 4 worker processes on PostgreSQL, each
    with the default in-flight limit, against the +200 ms mock, ``--scale-events`` jobs
    (target: 4 workers >= 3.5x one worker; ``x raw`` against the raw row with as many
    pools). Every PostgreSQL delivery row also reports, under the table, its claims:
    ``claim transactions/s`` = the workers' store round trips that claimed jobs (one
    transaction each: ``store.settle(claim=...)`` or ``store.claim``, counted by
    wrapping the store's methods inside the worker process), with ``claimed jobs/s``
    and jobs per claim; and its lock waits: every 20 ms the row's backends (those
    holding a lock on a table of the row's schema) waiting on a heavyweight lock
    (pg_stat_activity ``wait_event_type = 'Lock'``; pg_locks not granted), as the
    share of samples with a waiter, the most waiting at once and the wait events,
    plus the deadlocks of the database (pg_stat_database, database-wide) during the row.
peers
    The same MOLISA delivery by the task queues a province would otherwise use: a
    Celery worker on Redis and procrastinate on PostgreSQL, posting with httpx (see
    bench/_bench_peers.py: set-up, fairness, what they do not guarantee); ``x raw``
    against raw httpx. Needs the ``bench`` extra; skipped, saying why, without it.
ingest
    ``POST /api/v1/events`` (the API in its own process, no worker, no API keys:
    open on loopback), one event per request and batches of 100, on SQLite and
    PostgreSQL; p50/p99/max are request times. Checked: every event accepted, a job each.
    A batch's worth of other events (at least 20) goes first, outside the clock: a new
    API process's first requests pay one-time costs (lazy imports, the first
    statements compiled) that a running API has long paid.
latency
    ingest -> ministry ack at a steady rate (default 100 events/s for 10 s): the
    API runs with its worker in-process (``create_app(hub, run_worker=True)``);
    one event is posted every 1/rate s on a fixed schedule (open loop: a slow answer
    does not delay the next send); latency = the job's ``finished_at`` (written
    after the mock answered) - the client's send time, same machine clock. 20
    events first, excluded, to warm up connections. Target p99 <= 20 ms on SQLite.
    When the hub delivers slower than the offered rate, the backlog grows and so does
    the latency: the row then measures the queue. The time the API took to answer
    the POSTs is printed under the table, with the time from the ingest's
    transaction (the job's ``created_at``) to the start of the ministry call (the
    attempt's ``started_at``): the rest of the request, the worker's wake-up and its
    claim, so a late wake-up would show there. A row at a quarter of the rate shows the
    latency below saturation. ``API + worker process`` (PostgreSQL): the worker in a
    process of its own polling every 5 ms (``worker.poll_seconds``), as a deployment
    running ``tthc-hub serve --no-worker`` and ``tthc-hub worker`` would.
    ``raw httpx -> MOLISA`` at both rates: the same client, schedule and warm-up
    posting the connector's bodies straight to the mock (no hub); its p50 at the low
    rate over the full rate is what the idle machine adds alone (a note under the
    table sets it beside the hub's). ``same CPU work``: validating 10 events (~0.5 ms
    warm, no I/O, in the bench's own process) timed after as long asleep as each rate
    leaves between events, 150 times: the machine's cost of idling, without sockets.
long-run
    ``--long-jobs`` jobs (default 100,000; 2,000 with --quick; ``make bench-long``
    runs this section alone) on PostgreSQL: the API in its own process takes all the
    events first, in batches of 100 (distinct dossiers: 1,000 drawn, the rest copies
    under their own mã hồ sơ); then one worker process (default settings) drains them.
    The backlog is complete before the drain, so the first 10 % run against the fullest
    pending index and the last 10 % against the largest jobs and attempts tables (and
    their dead rows). Figures: the rate of the first and of the last 10 % of jobs by
    ``finished_at`` (tenth job count / the span of their finish times; target last >=
    0.9x first: "as fast as", less noise), the worker's peak RSS (target <= 150 MB) and
    the API's (<= 200 MB), the ingest rate, claims and lock waits as above, the size,
    dead rows and autovacuums of jobs and attempts afterwards, and per tenth of the jobs
    the rate and the median call time at the mock (a slower mock or machine shows in
    both; a slower hub in the rate alone). Checked as the delivery rows are.
start-up
    ``tthc-hub --help`` and bare ``python -c pass`` (with this venv's site-packages),
    each the median of 5 runs (3 with --quick).

Targets (issue #21): under the table, each target with its measured figure and
"met" or the shortfall; in the JSON as ``targets``. ``scripts/bench_table.py`` turns a
results file into the README's tables.

Profiles: ``--profile cprofile|py-spy`` (``make profile``) writes one per raw and
delivery process to bench/profiles/<time>/ (bench/_bench_profile.py); ``--only`` runs
some sections (raw,delivery,peers,ingest,latency,long-run,start-up).

Code: this file (options, the order of the rows, the results file);
bench/_bench_base.py (a run's processes and databases), bench/_bench_rows.py (the
rows), bench/_bench_long.py (the long run, claim counts and lock waits),
bench/_bench_targets.py (the table, notes and targets), bench/_bench_util.py and
bench/_bench_child.py (payloads, measured processes), bench/_bench_peers.py.

Columns: ``rate`` events (or calls) per second; ``CPU s`` and ``% core`` of the
measured process(es) during the timed window (4 workers: the sum); ``RSS MB`` peak
resident memory (VmHWM / ru_maxrss) of the measured process (4 workers: each);
``mock %`` the mock process's CPU during the row: near 100 % the mock, not the
client or the hub, is the limit; ``box %`` how busy the whole machine was (all cores:
hub, mock, PostgreSQL, and anything else running; near 100 % the machine is the limit).

Reproduce::

    make bench                 # or: .venv/bin/python bench/delivery_bench.py
    make bench QUICK=1         # 50 events a row, 200 in the scale-out rows, 2,000 jobs
                               # in the long run, 1 s of latency, no PG-without-delay
                               # or MONRE latency row: a few minutes
    make bench EVENTS=2000     # N per row (at most 9999)
    make bench-long LONG_JOBS=20000   # the long run alone

PostgreSQL: ``TTHC_HUB_BENCH_PG_URL`` or ``TTHC_HUB_TEST_PG_URL`` (default postgresql://postgres@127.0.0.1:5432/test);
each PG row gets a fresh schema, dropped after it; unreachable: those rows are skipped,
saying why. Results: ``bench/results/delivery-<UTC date>.json`` (machine, commit, date).
A benchmark prints, it does not assert speed; it exits 1 only when a row went wrong
(an error, or events not delivered exactly once).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from _bench_base import peers_unavailable
from _bench_long import SCALE_DELAY, scale_name, scale_raw_name
from _bench_rows import Bench
from _bench_targets import print_table, print_targets, targets
from _bench_util import MAX_EVENTS, RESULTS, git_commit, idle_label, machine, pg_unavailable

# --- main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, help="events per row (default 1000; quick 50)")
    parser.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    parser.add_argument("--rate", type=float, default=100.0, help="latency rows: events/s")
    parser.add_argument(
        "--seconds", type=float, help="latency rows: duration (default 10; quick 1)"
    )
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL rows")
    parser.add_argument(
        "--only",
        type=lambda v: {x.strip() for x in v.split(",") if x.strip()},
        help="comma-separated sections to run: raw,delivery,peers,ingest,latency,long-run,start-up",
    )
    parser.add_argument(
        "--scale-events",
        type=int,
        help="events of the +200 ms scale-out rows (default 1000; quick 200)",
    )
    parser.add_argument(
        "--long-jobs",
        type=int,
        help="jobs of the long run on PostgreSQL (default 100000; quick 2000)",
    )
    parser.add_argument(
        "--profile",
        choices=("cprofile", "py-spy"),
        help="profile the raw and delivery processes into bench/profiles/<time>/ "
        "(cprofile slows them: its rates are not comparable with unprofiled ones)",
    )
    args = parser.parse_args()
    args.events = args.events or (50 if args.quick else 1000)
    args.seconds = args.seconds or (1.0 if args.quick else 10.0)
    args.scale_events = args.scale_events or (200 if args.quick else 1000)
    args.long_jobs = args.long_jobs or (2000 if args.quick else 100_000)
    if args.long_jobs < 100:
        parser.error("--long-jobs: at least 100 (its tenths are compared)")
    if args.scale_events > MAX_EVENTS:
        parser.error(f"--scale-events: at most {MAX_EVENTS}")
    args.startup_runs = 3 if args.quick else 5
    return args


def run_rows(bench: Bench, pg_reason: str | None) -> None:
    args, c = bench.args, bench.concurrency
    quick = "--quick" if args.quick else None
    bench.start_mocks()
    scale = args.scale_events
    bench.row("raw", "httpx -> MOLISA", bench.raw("raw-rest", "molisa"))
    bench.row("raw", "zeep -> MONRE", bench.raw("raw-soap", "monre"))
    for pools in (1, 4):  # the references of the scale-out rows: 1 and 4 workers
        run = bench.raw("raw-rest", "molisa", clients=pools, delay=SCALE_DELAY, n=scale)
        bench.row("raw", scale_raw_name(pools, c), run)

    row = bench.row("delivery", "SQLite, 1 worker, MOLISA", bench.delivery("molisa", "sqlite", 1))
    bench.ratio(row, "raw", "httpx -> MOLISA")
    row = bench.row("delivery", "SQLite, 1 worker, MONRE", bench.delivery("monre", "sqlite", 1))
    bench.ratio(row, "raw", "zeep -> MONRE")
    if not pg_reason:
        name = "PostgreSQL, 1 worker, MOLISA"
        if bench.skip(f"delivery {name}", quick):
            row = bench.row("delivery", name, bench.delivery("molisa", "pg", 1))
            bench.ratio(row, "raw", "httpx -> MOLISA")
        for w in (1, 4):
            run = bench.delivery("molisa", "pg", w, delay=SCALE_DELAY, n=scale)
            row = bench.row("delivery", scale_name(w), run)
            bench.ratio(row, "raw", scale_raw_name(w, c))

    for role, name in (
        ("peer-celery", "Celery + Redis, httpx -> MOLISA"),
        ("peer-procrastinate", "procrastinate + PostgreSQL, httpx -> MOLISA"),
    ):
        if bench.wants("peers") and bench.skip(f"peers {name}", peers_unavailable(role, pg_reason)):
            row = bench.row("peers", name, bench.peer(role))
            bench.ratio(row, "raw", "httpx -> MOLISA")

    for kind, label in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        if kind == "sqlite" or not pg_reason:
            bench.row("ingest", f"{label}, 1 event per request", bench.ingest(kind, 1))
            bench.row("ingest", f"{label}, batches of 100", bench.ingest(kind, 100))

    for connector in ("molisa", "monre"):
        name = f"SQLite, {connector.upper()}, {args.rate:g}/s for {args.seconds:g} s"
        if bench.skip(f"latency {name}", quick if connector == "monre" else None):
            bench.row("latency", name, bench.latency(connector))
    # Below saturation: what one event waits when the hub is not queueing.
    low = args.rate / 4
    name = f"SQLite, MOLISA, {low:g}/s for {args.seconds:g} s"
    bench.row("latency", name, bench.latency("molisa", rate=low))
    # The same client and schedule straight to the mock, at both rates: what the idle
    # machine alone adds to a p50 when the rate falls (the hub's 25/s row has it too).
    for rate in (args.rate, low):
        name = f"raw httpx -> MOLISA, {rate:g}/s for {args.seconds:g} s"
        bench.row("latency", name, bench.raw_latency(rate))
    # And the machine alone: the same CPU work after as long asleep as the two rates leave.
    for rate in (args.rate, low):
        name = f"same CPU work, {1000 / rate:g} ms asleep before each"
        bench.row("latency", name, bench.cpu_after_sleep(1 / rate))
    if not pg_reason:
        # Two SQLite writers in two processes meet SQLite's sleeping busy handler; a
        # split deployment runs on PostgreSQL. At the full rate one PostgreSQL ingest
        # per request is already at its limit (the ingest rows), so below it.
        name = f"PostgreSQL, MOLISA, API + worker process, {low:g}/s"
        bench.row("latency", name, bench.latency("molisa", "pg", split=True, rate=low))

    if not pg_reason:
        name = f"PostgreSQL, {args.long_jobs} jobs, API + worker process, MOLISA"
        bench.row("long-run", name, bench.long_run())

    exe = str(Path(sys.executable).with_name("tthc-hub"))
    bench.row("start-up", "tthc-hub --help", bench.startup([exe, "--help"]))
    bench.row("start-up", "python -c pass", bench.startup([sys.executable, "-c", "pass"]))


def main() -> int:
    args = parse_args()
    for key in [k for k in os.environ if k.startswith("TTHC_HUB_")]:
        del os.environ[key]  # this process builds hubs too: no settings from the caller
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` cleans up
    bench = Bench(args)
    n, c = bench.n, bench.concurrency
    os.environ["TTHC_HUB_CONFIG"] = str(bench.tmp / "empty.toml")
    (bench.tmp / "empty.toml").touch()
    pg_reason = "--no-pg" if args.no_pg else pg_unavailable()
    if pg_reason:
        bench.skipped.append(f"PostgreSQL rows ({pg_reason})")
    print(f"tthc-hub delivery benchmark: {n} events per row, {c} in flight per worker")
    try:
        run_rows(bench, pg_reason)
    finally:
        bench.close()

    now = datetime.now(UTC)
    record = {
        "benchmark": "delivery",
        "date": now.isoformat(timespec="seconds"),
        **git_commit(),
        "machine": machine(),
        "args": {k: v for k, v in vars(args).items()},
        "worker_concurrency": c,
        "rows": bench.rows,
        "targets": targets(bench),
        "problems": bench.problems,
        "skipped": bench.skipped,
    }
    commit = (record["commit"] or "?")[:10] + (" (dirty)" if record["dirty"] else "")
    m = record["machine"]
    print_table(
        bench,
        f"tthc-hub delivery benchmark, {now:%Y-%m-%d %H:%M} UTC, commit {commit}; "
        f"{m['cores']} cores, Python {m['python']}" + idle_label(m),
    )
    print_targets(record["targets"])
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"delivery-{now:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(record, indent=2, default=str))
    print(f"written to {out.relative_to(RESULTS.parents[1])}")
    if bench.problems:
        print("\nPROBLEMS (figures of these rows are not to be trusted):", file=sys.stderr)
        for p in bench.problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
