"""Delivery, ingest, latency and start-up of the hub, side by side in one run (``make bench``).

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
    ``+20 ms``: the same against the MOLISA mock with a ``slow`` fault (20 ms a call),
    with one pool of 8 and with 4 pools of 8 (the reference for 1 and 4 workers).
delivery (the hub draining N already-ingested events)
    N events ingested first (outside the clock); then worker processes
    (``hub.worker.run``, default worker settings) claim, map, send and record the ack
    and the attempt. Clock: from "go" to the last job's ``finished_at``. Checked:
    every job succeeded with exactly one attempt, and the mock applied each dossier
    once with no duplicate and no contract violation. Rows: SQLite with 1 worker for
    MOLISA and MONRE (target: ``x raw`` = delivery / raw >= 0.9); PostgreSQL with 1
    worker for MOLISA, and with 1 and 4 worker processes against the +20 ms mock
    (target: 4 workers >= 3.5x one worker, printed under the table). The p50/p99/max
    of a delivery row are the hub's call times (``attempts.duration_ms``); of a raw
    row, the call times the client saw.
peers
    The same MOLISA delivery by the task queues a province would otherwise use: a
    Celery worker on Redis and procrastinate on PostgreSQL, posting with httpx (see
    bench/_bench_peers.py: set-up, fairness, what they do not guarantee); ``x raw``
    against raw httpx. Needs the ``bench`` extra; skipped, saying why, without it.
ingest
    ``POST /api/v1/events`` (the API in its own process, no worker, no API keys:
    open on loopback), one event per request and batches of 100, on SQLite and
    PostgreSQL; p50/p99/max are request times. Checked: every event accepted, a job each.
latency
    ingest -> ministry ack at a steady rate (default 100 events/s for 10 s): the
    API runs with its worker in-process (``create_app(hub, run_worker=True)``);
    one event is posted every 1/rate s on a fixed schedule (open loop: a slow answer
    does not delay the next send); latency = the job's ``finished_at`` (written
    after the mock answered) - the client's send time, same machine clock. 20
    events first, excluded, to warm up connections. Target p99 <= 20 ms on SQLite.
    When the hub delivers slower than the offered rate, the backlog grows and so does
    the latency: the row then measures the queue. The time the API took to answer
    the POSTs is printed under the table. A row at a quarter of the rate shows the
    latency below saturation. ``API + worker process`` (PostgreSQL): the worker in a
    process of its own polling every 5 ms (``worker.poll_seconds``), as a deployment
    running ``tthc-hub serve --no-worker`` and ``tthc-hub worker`` would.
start-up
    ``tthc-hub --help`` and bare ``python -c pass`` (with this venv's site-packages),
    each the median of 5 runs (3 with --quick).

Targets (issue #21): under the table, each target with its measured figure and
"met" or the shortfall; in the JSON as ``targets``. ``scripts/bench_table.py`` turns a
results file into the README's tables.

Profiles: ``--profile cprofile|py-spy`` (``make profile``) writes one per raw and
delivery process to bench/profiles/<time>/ (bench/_bench_profile.py); ``--only`` runs
some sections (raw,delivery,peers,ingest,latency,start-up).

Columns: ``rate`` events (or calls) per second; ``CPU s`` and ``% core`` of the
measured process(es) during the timed window (4 workers: the sum); ``RSS MB`` peak
resident memory (VmHWM / ru_maxrss) of the measured process (4 workers: each);
``mock %`` the mock process's CPU during the row: near 100 % the mock, not the
client or the hub, is the limit; ``box %`` how busy the whole machine was (all cores:
hub, mock, PostgreSQL, and anything else running; near 100 % the machine is the limit).

Reproduce::

    make bench                 # or: .venv/bin/python bench/delivery_bench.py
    make bench QUICK=1         # 50 events a row, 1 s of latency, no PG-without-delay
                               # or MONRE latency row: under a minute
    make bench EVENTS=2000     # N per row (at most 9999)

PostgreSQL: ``TTHC_HUB_BENCH_PG_URL`` or ``TTHC_HUB_TEST_PG_URL`` (default postgresql://postgres@127.0.0.1:5432/test);
each PG row gets a fresh schema, dropped after it; unreachable: those rows are skipped,
saying why. Results: ``bench/results/delivery-<UTC date>.json`` (machine, commit, date).
A benchmark prints, it does not assert speed; it exits 1 only when a row went wrong
(an error, or events not delivered exactly once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _bench_profile import PROFILES, Sampler, slug
from _bench_util import (
    RESULTS,
    Child,
    CpuWindow,
    Db,
    MachineWindow,
    Mock,
    Server,
    check_jobs,
    child_env,
    git_commit,
    machine,
    make_events,
    measured_child,
    percentiles_ms,
    pg_schema,
    pg_unavailable,
    settings_json,
    wait_for_jobs,
    worker_concurrency,
)

SLOW = 0.02  # the delay the +20 ms rows ask of the mock, seconds
WARMUP = 20  # latency rows: events sent first, not counted
SPLIT_POLL = 0.005  # the split latency row's worker.poll_seconds (a claim is one index probe)
STALL_SECONDS = 120  # a drain with no job finishing for this long is an error


class Bench:
    """One run: its processes, temporary files, rows and problems."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n: int = args.events
        self.concurrency = worker_concurrency()
        self.rows: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.skipped: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="tthc-bench-")
        self.tmp = Path(self._tmp.name)
        self._children: list[Child] = []
        self.mocks: dict[str, Mock] = {}
        self._stack = ExitStack()  # this run's PostgreSQL schema, dropped by close()
        self._pg_url: str | None = None
        self._sqlite_template: Path | None = None
        self.profiles: Path | None = None
        if args.profile:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            self.profiles = PROFILES / stamp
            self.profiles.mkdir(parents=True, exist_ok=True)

    # --- plumbing --------------------------------------------------------------------

    def child(self, role: str, spec: dict[str, Any], name: str) -> Child:
        c = measured_child(role, spec, self.tmp, name)
        self._children.append(c)
        return c

    def server(self, role: str, spec: dict[str, Any], name: str) -> Server:
        s = Server(role, spec, self.tmp, name)
        self._children.append(s)
        s.url  # noqa: B018 (wait until it listens)
        return s

    def start_mocks(self) -> None:
        for name in ("molisa", "monre"):  # both start at once; .url waits for each
            self.mocks[name] = mock = Mock(name, self.tmp)
            self._children.append(mock)
        for mock in self.mocks.values():
            mock.reset()

    def end_children(self, keep: int = 0) -> None:
        """Stop the children started after the first ``keep`` (all by default)."""
        while len(self._children) > keep:
            c = self._children.pop()
            with suppress(Exception):
                (c.stop if isinstance(c, Server) else c.close)()

    def close(self) -> None:
        self.end_children()
        try:
            self._stack.close()
        finally:
            self._tmp.cleanup()

    def row(
        self, section: str, name: str, run: Callable[[], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Run one row; an exception or a failed check is a problem, not the end of the run.
        A row of a section ``--only`` leaves out is not run (None)."""
        if not self.wants(section):
            return None
        print(f"  {section:9} {name} ...", end="", flush=True)
        started, before = time.perf_counter(), len(self._children)
        try:
            figures = run()
        except Exception as exc:
            traceback.print_exc()
            figures = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            self.end_children(keep=before)  # none lingers into the next row
        row = {"section": section, "name": name, **figures}
        problems = row.get("problems", [])
        if "error" in row:
            problems = [row["error"], *problems]
        self.problems += [f"{section} {name}: {p}" for p in problems]
        self.rows.append(row)
        status = "FAILED" if problems else "ok"
        print(f" {status} ({time.perf_counter() - started:.1f} s)", flush=True)
        return row

    def skip(self, row: str, reason: str | None) -> bool:
        """False (and noted) when there is a reason to skip the row; True to run it."""
        if reason:
            self.skipped.append(f"{row} ({reason})")
        return not reason

    def wants(self, section: str) -> bool:
        """Whether ``--only`` (default: every section) includes ``section``."""
        return not self.args.only or section in self.args.only

    def profiled(self, spec: dict[str, Any], name: str) -> dict[str, Any]:
        """``spec`` with the cProfile prefix of this process, under ``--profile cprofile``."""
        if self.profiles is not None and self.args.profile == "cprofile":
            return {**spec, "profile": str(self.profiles / slug(name))}
        return spec

    def samplers(self, children: list[Child], names: list[str]) -> list[Sampler]:
        """py-spy attached to each child, under ``--profile py-spy``."""
        if self.profiles is None or self.args.profile != "py-spy":
            return []
        return [
            Sampler(c.pid, self.profiles / slug(n)) for c, n in zip(children, names, strict=True)
        ]

    def find(self, section: str, name: str) -> dict[str, Any] | None:
        return next((r for r in self.rows if r["section"] == section and r["name"] == name), None)

    def ratio(self, row: dict[str, Any] | None, section: str, name: str) -> None:
        ref = self.find(section, name)
        if row and ref and ref.get("rate") and row.get("rate"):
            row["ratio"] = row["rate"] / ref["rate"]
            row["ratio_to"] = f"{section} {name}"

    def database(self, kind: str, label: str) -> str:
        """An empty, migrated database for one row (migrations run once per run, not per
        row: a fresh process start is slow enough). SQLite: a copy of a migrated file;
        PostgreSQL: this run's schema, every table emptied."""
        if kind == "sqlite":
            if self._sqlite_template is None:
                self._sqlite_template = self.tmp / "template.db"
                migrate(f"sqlite:///{self._sqlite_template}")
            path = self.tmp / f"{label}.db"
            shutil.copyfile(self._sqlite_template, path)
            return f"sqlite:///{path}"
        if self._pg_url is None:
            self._pg_url = self._stack.enter_context(pg_schema())
            migrate(self._pg_url)
        empty_tables(self._pg_url)
        return self._pg_url

    # --- raw ---------------------------------------------------------------------------

    def raw(self, role: str, connector: str, *, clients: int = 1, delay: float = 0.0) -> Any:
        def run() -> dict[str, Any]:
            mock = self.mocks[connector]
            mock.reset(delay_seconds=delay)
            spec = {
                "url": mock.url,
                "n": self.n,
                "tag": "bench",
                "concurrency": self.concurrency,
                "clients": clients,
            }
            label = f"raw {role} {clients}x{self.concurrency}{' slow' if delay else ''}"
            child = self.child(role, self.profiled(spec, label), f"raw {connector}")
            child.read()  # ready
            samplers = self.samplers([child], [label])
            window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
            t0 = time.perf_counter()
            child.send("go")
            result = child.read()
            mock_wall = time.perf_counter() - t0
            for s in samplers:
                s.stop()
            window.stop()
            box.stop()
            child.close()
            return {
                "n": self.n,
                "in_flight": self.concurrency * clients,
                "rate": self.n / result["elapsed"],
                "elapsed_s": result["elapsed"],
                "cpu_s": result["cpu_s"],
                "cpu_pct": 100 * result["cpu_s"] / result["elapsed"],
                "cpu_ms_per_job": 1000 * result["cpu_s"] / self.n,
                "peak_rss_mb": result["peak_rss_mb"],
                "mock_cpu_pct": 100 * window.used / mock_wall,
                "box_pct": box.busy_pct,
                **{k: result[k] for k in ("p50_ms", "p99_ms", "max_ms")},
                "problems": mock.check(self.n),
            }

        return run

    # --- delivery ------------------------------------------------------------------------

    def delivery(self, connector: str, kind: str, workers: int, delay: float = 0.0) -> Any:
        def run() -> dict[str, Any]:
            mock = self.mocks[connector]
            mock.reset(delay_seconds=delay)
            url = self.database(kind, f"delivery-{connector}-{workers}")
            settings = settings_json(url, connector, mock.url)
            with open_hub(settings) as hub:
                labels = [
                    f"delivery {connector} {kind} {'slow ' if delay else ''}w{i + 1}of{workers}"
                    for i in range(workers)
                ]
                children = [
                    self.child("worker", self.profiled({"settings": settings}, label), label)
                    for label in labels
                ]  # they start up while we ingest; none claims before "go"
                events = make_events(connector, self.n, "bench")
                for i in range(0, len(events), 500):
                    hub.store.ingest(events[i : i + 500], hub.router.targets)
            for c in children:
                c.read()  # ready: hub built, connectors loaded, schema current
            db = Db(url)
            samplers = self.samplers(children, labels)
            try:
                window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
                t0, go = time.perf_counter(), time.time()
                for c in children:
                    c.send("go")
                wait_for_jobs(db, self.n, timeout=STALL_SECONDS)
                for s in samplers:
                    s.stop()
                mock_wall = time.perf_counter() - t0
                window.stop()
                box.stop()
                for c in children:
                    c.send("stop")
                results = [c.read() for c in children]
                for c in children:
                    c.close()
                last = db.last_finished()
                elapsed = (last or time.time()) - go
                calls = [r[0] / 1000 for r in db.rows("SELECT duration_ms FROM attempts")]
                problems = check_jobs(db, self.n) + mock.check(self.n)
            finally:
                db.close()
            cpu = sum(r["cpu_s"] for r in results)
            rss = [r["peak_rss_mb"] for r in results]
            return {
                "n": self.n,
                "workers": workers,
                "in_flight": self.concurrency * workers,
                "rate": self.n / elapsed,
                "elapsed_s": elapsed,
                "cpu_s": cpu,
                "cpu_ms_per_job": 1000 * cpu / self.n,
                "cpu_pct": 100 * sum(r["cpu_s"] / r["elapsed"] for r in results),
                "peak_rss_mb": max(rss),
                "peak_rss_mb_each": rss,
                "mock_cpu_pct": 100 * window.used / mock_wall,
                "box_pct": box.busy_pct,
                "worker_stats": [r["stats"] for r in results],
                **percentiles_ms(calls),
                "problems": problems,
            }

        return run

    # --- peers (bench/_bench_peers.py) -----------------------------------------------------

    def peer(self, role: str) -> Any:
        def run() -> dict[str, Any]:
            mock = self.mocks["molisa"]
            mock.reset()
            spec: dict[str, Any] = {
                "url": mock.url,
                "n": self.n,
                "tag": "bench",
                "concurrency": self.concurrency,
            }
            with ExitStack() as stack:
                if role == "peer-procrastinate":
                    spec["pg_url"] = stack.enter_context(pg_schema())
                child = self.child(role, spec, role)
                child.read()  # ready: tasks queued, worker started
                window = CpuWindow([child.pid]).start()
                mock_window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
                t0 = time.perf_counter()
                child.send("go")
                elapsed = wait_for_mock(mock, self.n, t0)
                window.stop()
                mock_window.stop()
                box.stop()
                child.send("stop")
                child.close()
            return {
                "n": self.n,
                "in_flight": self.concurrency,
                "rate": self.n / elapsed,
                "elapsed_s": elapsed,
                "cpu_s": window.used,
                "cpu_ms_per_job": 1000 * window.used / self.n,
                "cpu_pct": 100 * window.used / elapsed,
                "mock_cpu_pct": 100 * mock_window.used / elapsed,
                "box_pct": box.busy_pct,
                "problems": mock.check(self.n),
            }

        return run

    # --- ingest --------------------------------------------------------------------------

    def ingest(self, kind: str, batch: int) -> Any:
        def run() -> dict[str, Any]:
            mock = self.mocks["molisa"]
            events = make_events("molisa", self.n, "bench")
            bodies = [e.model_dump(mode="json", exclude={"sequence"}) for e in events]
            url = self.database(kind, f"ingest-{batch}")
            settings = settings_json(url, "molisa", mock.url)
            api = self.server("api", {"settings": settings}, "hub API")
            try:
                times: list[float] = []
                accepted = 0
                window, box = CpuWindow([api.pid]).start(), MachineWindow().start()
                with httpx.Client(base_url=api.url, timeout=60, trust_env=False) as client:
                    t0 = time.perf_counter()
                    for i in range(0, len(bodies), batch):
                        chunk = bodies[i : i + batch]
                        s = time.perf_counter()
                        r = client.post("/api/v1/events", json=chunk if batch > 1 else chunk[0])
                        times.append(time.perf_counter() - s)
                        if r.status_code != 202:
                            raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:300]}")
                        accepted += len(r.json()["accepted"])
                    elapsed = time.perf_counter() - t0
                window.stop()
                box.stop()
                rss = api.peak_rss_mb()
            finally:
                api.stop()
            db = Db(url)
            try:
                stored = int(db.scalar("SELECT count(*) FROM events"))
                jobs = db.job_counts()
            finally:
                db.close()
            problems = []
            if accepted != self.n or stored != self.n or jobs != {"pending": self.n}:
                problems.append(
                    f"{accepted} accepted, {stored} events stored, jobs {jobs}; expected "
                    f"{self.n} each, all pending"
                )
            return {
                "n": self.n,
                "batch": batch,
                "rate": self.n / elapsed,
                "elapsed_s": elapsed,
                "cpu_s": window.used,
                "cpu_pct": 100 * window.used / elapsed,
                "peak_rss_mb": rss,
                "box_pct": box.busy_pct,
                **percentiles_ms(times),
                "problems": problems,
            }

        return run

    # --- latency -------------------------------------------------------------------------

    def latency(
        self, connector: str, kind: str = "sqlite", split: bool = False, rate: float = 0
    ) -> Any:
        """``split``: the API alone and a worker process polling every 5 ms (two cores
        for the hub, as ``tthc-hub serve --no-worker`` + ``tthc-hub worker``); else the
        worker in the API's process (``tthc-hub serve``), sharing one core with it."""
        rate, seconds = rate or self.args.rate, self.args.seconds

        def run() -> dict[str, Any]:
            mock = self.mocks[connector]
            mock.reset()
            n = round(rate * seconds)
            events = make_events(connector, WARMUP + n, "latency")
            bodies = [e.model_dump(mode="json", exclude={"sequence"}) for e in events]
            # One file per row: a copied database must not meet an earlier row's WAL.
            label = f"latency-{connector}-{rate:g}{'-split' if split else ''}"
            url = self.database(kind, label)
            settings = settings_json(url, connector, mock.url)
            worker = None
            if split:
                settings = with_worker(settings, poll_seconds=SPLIT_POLL)
                worker = self.child("worker", {"settings": settings}, "worker")
                worker.read()  # ready
                worker.send("go")
            api = self.server("api", {"settings": settings, "run_worker": not split}, "hub API")
            pids = [api.pid] + ([worker.pid] if worker else [])
            db = Db(url)
            try:
                asyncio.run(post_steadily(api.url, bodies[:WARMUP], rate))
                wait_for_jobs(db, WARMUP, timeout=STALL_SECONDS)
                window = CpuWindow(pids).start()
                mock_window = CpuWindow([mock.pid]).start()
                box = MachineWindow().start()
                t0 = time.perf_counter()
                sent, times, resent = asyncio.run(post_steadily(api.url, bodies[WARMUP:], rate))
                wait_for_jobs(db, WARMUP + n, timeout=STALL_SECONDS)
                wall = time.perf_counter() - t0
                window.stop()
                mock_window.stop()
                box.stop()
                acked = db.finished_at()
                rss = api.peak_rss_mb()
                problems = check_jobs(db, WARMUP + n) + mock.check(WARMUP + n)
            finally:
                db.close()
                api.stop()
                if worker is not None:
                    worker.send("stop")
                    rss = max(rss, worker.read()["peak_rss_mb"])
                    worker.close()
            latencies = [acked[i] - t for i, t in sent.items() if i in acked]
            send_times = sorted(sent.values())
            achieved = (len(send_times) - 1) / (send_times[-1] - send_times[0])
            ack = percentiles_ms(latencies)
            ingest = {f"ingest_{k}": v for k, v in percentiles_ms(times).items()}
            return {
                "n": n,
                "target_rate": rate,
                "rate": achieved,
                **ack,
                **ingest,
                "client_resent": resent,
                "cpu_s": window.used,
                "cpu_pct": 100 * window.used / wall,
                "peak_rss_mb": rss,
                "mock_cpu_pct": 100 * mock_window.used / wall,
                "box_pct": box.busy_pct,
                "problems": problems,
            }

        return run

    # --- start-up ----------------------------------------------------------------------------

    def startup(self, argv: list[str]) -> Any:
        def run() -> dict[str, Any]:
            env = child_env(self.tmp)
            times = []
            for _ in range(self.args.startup_runs):
                t0 = time.perf_counter()
                subprocess.run(argv, capture_output=True, check=True, env=env, cwd=self.tmp)
                times.append(time.perf_counter() - t0)
            return {"median_s": statistics.median(times), "runs_s": times}

        return run


def wait_for_mock(mock: Any, n: int, t0: float, poll: float = 0.02) -> float:
    """Seconds from ``t0`` until the mock has applied ``n`` writes (a stall is an error)."""
    last, last_change = -1, time.perf_counter()
    while True:
        accepted = mock.stats()["accepted"]
        now = time.perf_counter()
        if accepted >= n:
            return now - t0
        if accepted != last:
            last, last_change = accepted, now
        elif now - last_change > STALL_SECONDS:
            raise RuntimeError(f"the mock applied {accepted} of {n} writes, then nothing")
        time.sleep(poll)


def peers_unavailable(role: str, pg_reason: str | None) -> str | None:
    """Why a peer row cannot run here (its package, its broker or database), or None."""
    import importlib.util

    package = {"peer-celery": "celery", "peer-procrastinate": "procrastinate"}[role]
    if importlib.util.find_spec(package) is None:
        return f"{package} is not installed: pip install -e '.[bench]'"
    if role == "peer-procrastinate":
        return pg_reason
    from _bench_peers import REDIS_URL

    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} does not answer: {type(exc).__name__}"
    return None


def with_worker(settings: str, **changes: Any) -> str:
    """``settings`` (JSON) with some worker settings changed."""
    from hub.settings import HubSettings

    hub = HubSettings.model_validate_json(settings)
    worker = hub.worker.model_copy(update=changes)
    return hub.model_copy(update={"worker": worker}).model_dump_json()


def migrate(url: str) -> None:
    with open_hub(settings_json(url, "molisa", "http://127.0.0.1:9")):
        pass


def empty_tables(url: str) -> None:
    """Every table of the hub's schema emptied (ids restarted); the schema version kept."""
    db = Db(url)
    try:
        tables = [
            name
            for (name,) in db.rows(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
            if name != "alembic_version"
        ]
        db.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        db.close()


@contextmanager
def open_hub(settings: str) -> Iterator[Any]:
    """A hub in this process (schema migrated), to put events in the store as the API
    would, outside any clock."""
    from hub.logging import setup_logging
    from hub.service import Hub
    from hub.settings import HubSettings

    parsed = HubSettings.model_validate_json(settings)
    setup_logging(parsed.log_format, parsed.log_level)
    hub = Hub(parsed)
    try:
        yield hub
    finally:
        hub.engine.dispose()


async def post_steadily(
    url: str, bodies: list[dict[str, Any]], rate: float
) -> tuple[dict[str, float], list[float], int]:
    """POST one event every 1/rate s on a fixed schedule, each in its own task (open loop).

    Returns event id -> the wall-clock time its request was first sent, the request
    times, and how many requests had to be sent again.
    """
    sent: dict[str, float] = {}
    times: list[float] = []
    resent: list[str] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=url, timeout=60, trust_env=False, limits=limits
    ) as client:

        async def post(body: dict[str, Any]) -> None:
            sent[body["id"]] = time.time()
            t0 = time.perf_counter()
            for attempt in (1, 2, 3):
                try:
                    r = await client.post("/api/v1/events", json=body)
                    break
                except httpx.TransportError:
                    # A kept-alive connection the server closed as we sent (uvicorn's
                    # keep-alive timeout): re-send; the hub takes an event id once.
                    if attempt == 3:
                        raise
                    resent.append(body["id"])
            times.append(time.perf_counter() - t0)
            if r.status_code != 202:
                raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:300]}")

        start = time.perf_counter() + 0.05
        tasks = []
        for i, body in enumerate(bodies):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(body)))
        await asyncio.gather(*tasks)
    return sent, times, len(resent)


# --- the table -----------------------------------------------------------------------------


def _num(value: Any, fmt: str) -> str:
    return format(value, fmt) if isinstance(value, (int, float)) else "-"


def print_table(bench: Bench, header: str) -> None:
    cols = (
        f"{'':44} {'n':>5} {'rate/s':>8} {'x raw':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'CPU s':>6} {'ms/job':>6} {'% core':>6} {'RSS MB':>7} {'mock %':>6} "
        f"{'box %':>5}"
    )
    print(f"\n{header}\n{cols}\n{'-' * len(cols)}")
    section = None
    for r in bench.rows:
        if r["section"] != section:
            section = r["section"]
            print(section)
        if "error" in r:
            print(f"  {r['name']:42} ERROR: {r['error'][:80]}")
            continue
        if section == "start-up":
            print(f"  {r['name']:42} {'':5} {r['median_s'] * 1000:8.0f} ms (median of "
                  f"{len(r['runs_s'])})")  # fmt: skip
            continue
        rss = _num(r.get("peak_rss_mb"), ".0f")
        if r.get("workers", 1) > 1:
            rss = f"{r['workers']}x{rss}"
        print(
            f"  {r['name']:42} {_num(r.get('n'), 'd'):>5} {_num(r.get('rate'), '.0f'):>8} "
            f"{_num(r.get('ratio'), '.2f'):>6} {_num(r.get('p50_ms'), '.1f'):>7} "
            f"{_num(r.get('p99_ms'), '.1f'):>7} {_num(r.get('max_ms'), '.1f'):>7} "
            f"{_num(r.get('cpu_s'), '.1f'):>6} {_num(r.get('cpu_ms_per_job'), '.2f'):>6} "
            f"{_num(r.get('cpu_pct'), '.0f'):>6} "
            f"{rss:>7} {_num(r.get('mock_cpu_pct'), '.0f'):>6} {_num(r.get('box_pct'), '.0f'):>5}"
            + ("  CHECK FAILED" if r.get("problems") else "")
        )
    for note in notes(bench):
        print(note)


def targets(bench: Bench) -> list[dict[str, Any]]:
    """Each target of issue #21 whose rows ran: what, the target, the figure, met or not."""
    f = bench.find
    out: list[dict[str, Any]] = []

    def add(what: str, target: str, value: float | None, ok: bool | None, unit: str) -> None:
        if value is None or ok is None:
            return
        out.append({"what": what, "target": target, "measured": f"{value:{unit}}", "met": ok})

    for name in ("SQLite, 1 worker, MOLISA", "SQLite, 1 worker, MONRE"):
        r = f("delivery", name)
        if r and r.get("ratio"):
            add(f"delivery {name} / raw", ">= 0.9", r["ratio"], r["ratio"] >= 0.9, ".2f")
    for hub_name, peer_name in (
        ("SQLite, 1 worker, MOLISA", "Celery + Redis, httpx -> MOLISA"),
        ("PostgreSQL, 1 worker, MOLISA", "procrastinate + PostgreSQL, httpx -> MOLISA"),
    ):
        h, p = f("delivery", hub_name), f("peers", peer_name)
        if h and p and h.get("rate") and p.get("rate"):
            ratio = h["rate"] / p["rate"]
            add(f"hub ({hub_name}) / {peer_name}", "rate >= 1", ratio, ratio >= 1, ".2f")
            cpu = h["cpu_ms_per_job"] / p["cpu_ms_per_job"]
            add(f"hub CPU per job / {peer_name}'s", "<= 1", cpu, cpu <= 1, ".2f")
    for label, goal in (("SQLite", 5000), ("PostgreSQL", 3000)):
        r = f("ingest", f"{label}, batches of 100")
        if r and r.get("rate"):
            add(
                f"ingest {label}, batches of 100",
                f">= {goal}/s",
                r["rate"],
                r["rate"] >= goal,
                ".0f",
            )
    lat = [r for r in bench.rows if r["section"] == "latency" and r.get("p50_ms") is not None]
    full = [r for r in lat if r["target_rate"] == bench.args.rate and "SQLite" in r["name"]]
    for r in full:
        add(f"latency {r['name']} p99", "<= 20 ms", r["p99_ms"], r["p99_ms"] <= 20, ".1f")
    low = next(
        (r for r in lat if r["target_rate"] < bench.args.rate and "SQLite" in r["name"]), None
    )
    full_molisa = next((r for r in full if "MOLISA" in r["name"]), None)
    if low and full_molisa:
        add(f"latency p50 at {low['target_rate']:g}/s (vs {full_molisa['p50_ms']:.1f} ms at "
            f"{bench.args.rate:g}/s)", "<= the p50 at the full rate", low["p50_ms"],
            low["p50_ms"] <= full_molisa["p50_ms"], ".1f")  # fmt: skip
    split = next((r for r in lat if "worker process" in r["name"]), None)
    if low and split:
        ratio = split["p50_ms"] / low["p50_ms"]
        add("latency p50, API + worker process (PostgreSQL) / in-process", "<= 2", ratio,
            ratio <= 2, ".2f")  # fmt: skip
    one = f("delivery", "PostgreSQL, 1 worker, MOLISA +20 ms")
    four = f("delivery", "PostgreSQL, 4 workers, MOLISA +20 ms")
    if one and four and one.get("rate") and four.get("rate"):
        ratio = four["rate"] / one["rate"]
        add("4 workers / 1 worker, PostgreSQL, +20 ms", ">= 3.5", ratio, ratio >= 3.5, ".2f")
    helped = f("start-up", "tthc-hub --help")
    if helped and helped.get("median_s"):
        sec = helped["median_s"]
        add("tthc-hub --help", "<= 0.3 s", sec, sec <= 0.3, ".3f")
    return out


def print_targets(rows: list[dict[str, Any]]) -> None:
    if rows:
        print("\ntargets (issue #21)")
    for t in rows:
        verdict = "met" if t["met"] else "NOT met"
        print(f"  {t['what']:70} {t['target']:>28} {t['measured']:>9}  {verdict}")


def notes(bench: Bench) -> list[str]:
    out = []
    one = bench.find("delivery", "PostgreSQL, 1 worker, MOLISA +20 ms")
    four = bench.find("delivery", "PostgreSQL, 4 workers, MOLISA +20 ms")
    if one and four and one.get("rate") and four.get("rate"):
        out.append(
            f"4 workers / 1 worker on PostgreSQL (+20 ms): {four['rate'] / one['rate']:.2f}x"
        )
    for r in bench.rows:
        if r["section"] == "latency" and "ingest_p50_ms" in r:
            out.append(
                f"latency {r['name']}: POST /api/v1/events answered in p50 "
                f"{r['ingest_p50_ms']:.1f} ms, p99 {r['ingest_p99_ms']:.1f} ms"
            )
    busy = [
        f"{r['section']} {r['name']} ({r['mock_cpu_pct']:.0f} %)"
        for r in bench.rows
        if r.get("mock_cpu_pct", 0) >= 85
    ]
    if busy:
        out.append("the mock was the limit (>= 85 % of a core) in: " + "; ".join(busy))
    out += [f"skipped: {s}" for s in bench.skipped]
    return out


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
        help="comma-separated sections to run: raw,delivery,peers,ingest,latency,start-up",
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
    args.startup_runs = 3 if args.quick else 5
    return args


def run_rows(bench: Bench, pg_reason: str | None) -> None:
    args, c = bench.args, bench.concurrency
    quick = "--quick" if args.quick else None
    bench.start_mocks()
    raw_slow = {
        1: f"httpx -> MOLISA +20 ms, {c} in flight",
        4: f"httpx -> MOLISA +20 ms, 4x{c} in flight",
    }
    bench.row("raw", "httpx -> MOLISA", bench.raw("raw-rest", "molisa"))
    bench.row("raw", "zeep -> MONRE", bench.raw("raw-soap", "monre"))
    bench.row("raw", raw_slow[1], bench.raw("raw-rest", "molisa", delay=SLOW))
    bench.row("raw", raw_slow[4], bench.raw("raw-rest", "molisa", clients=4, delay=SLOW))

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
            name = f"PostgreSQL, {w} worker{'s' if w > 1 else ''}, MOLISA +20 ms"
            row = bench.row("delivery", name, bench.delivery("molisa", "pg", w, delay=SLOW))
            bench.ratio(row, "raw", raw_slow[w])

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
    if not pg_reason:
        # Two SQLite writers in two processes meet SQLite's sleeping busy handler; a
        # split deployment runs on PostgreSQL. At the full rate one PostgreSQL ingest
        # per request is already at its limit (the ingest rows), so below it.
        name = f"PostgreSQL, MOLISA, API + worker process, {low:g}/s"
        bench.row("latency", name, bench.latency("molisa", "pg", split=True, rate=low))

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
        f"{m['cores']} cores, Python {m['python']}",
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
