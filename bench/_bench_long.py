"""The delivery benchmark's PostgreSQL rows that run long: the scale-out row's contention
figures (:class:`LockWatch`, the claim counters of bench/_bench_child.py's worker) and
the long run (100,000 jobs by default). Documented in bench/delivery_bench.py."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
from _bench_base import STALL_SECONDS, BenchBase, wait_for_mock
from _bench_util import (
    CpuWindow,
    Db,
    MachineWindow,
    check_jobs,
    epoch,
    make_events,
    settings_json,
    wait_for_jobs,
)

#: The scale-out rows' delay at the mock: I/O-bound, so the machine's 2 cores are not
#: the limit and 4 workers can show what the claim does when several workers share it.
SCALE_DELAY = 0.2
LONG_BATCH = 100  # the long run's events per POST
LONG_BASE = 1000  # distinct dossiers drawn; the rest are copies under other mã hồ sơ
LOCK_POLL = 0.02  # LockWatch's sampling period, seconds


def scale_name(workers: int) -> str:
    """The scale-out delivery rows' names (their raw references: ``scale_raw_name``)."""
    return f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}, MOLISA +200 ms"


def scale_raw_name(pools: int, concurrency: int) -> str:
    flight = f"{pools}x{concurrency}" if pools > 1 else f"{concurrency}"
    return f"httpx -> MOLISA +200 ms, {flight} in flight"


#: This row's backends waiting on a heavyweight lock (pg_stat_activity: wait_event_type
#: 'Lock'), and their locks not granted. "This row's": a backend holding a lock on a
#: relation of the row's schema (other sessions may use the same database).
_LOCK_SQL = """
WITH ours AS (
    SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    WHERE c.relnamespace = current_schema()::regnamespace AND l.pid <> pg_backend_pid()
)
SELECT
    (SELECT count(*) FROM ours),
    (SELECT count(*) FROM pg_locks w WHERE NOT w.granted AND w.pid IN (SELECT pid FROM ours)),
    (SELECT coalesce(array_agg(a.wait_event), '{}') FROM pg_stat_activity a
     WHERE a.wait_event_type = 'Lock' AND a.pid IN (SELECT pid FROM ours))
"""
_DEADLOCKS_SQL = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"


class LockWatch:
    """Samples, every ``LOCK_POLL`` s in a thread of its own, how many of a PostgreSQL
    row's backends wait on a lock; and the database's deadlock count before and after."""

    def __init__(self, url: str) -> None:
        self.db = Db(url)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.samples = 0
        self.samples_waiting = 0  # samples with at least one backend waiting on a lock
        self.waiters_max = 0
        self.not_granted_max = 0
        self.backends_max = 0
        self.events: Counter[str] = Counter()
        self._deadlocks = 0
        self.result: dict[str, Any] | None = None

    def start(self) -> LockWatch:
        self._deadlocks = int(self.db.scalar(_DEADLOCKS_SQL))
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(LOCK_POLL):
            backends, not_granted, waits = self.db.rows(_LOCK_SQL)[0]
            self.samples += 1
            self.backends_max = max(self.backends_max, int(backends))
            self.not_granted_max = max(self.not_granted_max, int(not_granted))
            self.waiters_max = max(self.waiters_max, len(waits))
            if waits:
                self.samples_waiting += 1
                self.events.update(waits)

    def stop(self) -> dict[str, Any]:
        """The figures (a second call returns them again)."""
        if self.result is not None:
            return self.result
        self._stop.set()
        self._thread.join()
        try:
            deadlocks = int(self.db.scalar(_DEADLOCKS_SQL)) - self._deadlocks
        finally:
            self.db.close()
        self.result = {
            "lock_samples": self.samples,
            "lock_wait_samples": self.samples_waiting,
            "lock_wait_pct": 100 * self.samples_waiting / self.samples if self.samples else 0.0,
            "lock_waiters_max": self.waiters_max,
            "locks_not_granted_max": self.not_granted_max,
            "lock_wait_events": dict(self.events),
            "backends_max": self.backends_max,
            "deadlocks_db": deadlocks,
        }
        return self.result


def claim_figures(results: list[dict[str, Any]], elapsed: float) -> dict[str, Any]:
    """The claim counters the workers reported (bench/_bench_child.py), per second."""
    counts = [r.get("claims") for r in results]
    if not all(counts):
        return {}
    calls = sum(c["calls"] for c in counts)  # type: ignore[index]
    claimed = sum(c["claimed"] for c in counts)  # type: ignore[index]
    return {
        "claim_calls": calls,
        "claimed": claimed,
        "claim_calls_per_s": calls / elapsed,
        "claimed_per_s": claimed / elapsed,
        "claimed_per_call": claimed / calls if calls else 0.0,
        "empty_claims": sum(c["empty"] for c in counts),  # type: ignore[index]
    }


def long_batches(n: int, batch: int = LONG_BATCH) -> Iterator[tuple[int, bytes]]:
    """``n`` distinct received-dossier events as JSON arrays of ``batch`` (count, body).

    Drawing 100,000 sample dossiers takes a minute of CPU: ``LONG_BASE`` are drawn and
    copied, each copy under a mã hồ sơ of its own (the filing-day part a day per copy
    from 2020-01-01, the NNNN kept), which also names its event id and file links.
    The drawing happens in this call; the batches are made as they are read.
    """
    base = make_events("molisa", min(n, LONG_BASE), "long")
    texts = [
        json.dumps(e.model_dump(mode="json", exclude={"sequence"}), ensure_ascii=False)
        for e in base
    ]
    olds = [e.ma_ho_so for e in base]

    def batches() -> Iterator[tuple[int, bytes]]:
        chunk: list[str] = []
        for i in range(n):
            copy, k = divmod(i, len(base))
            agency, _, number = olds[k].rsplit("-", 2)
            day = date(2020, 1, 1) + timedelta(days=copy)
            chunk.append(texts[k].replace(olds[k], f"{agency}-{day:%y%m%d}-{number}"))
            if len(chunk) == batch or i == n - 1:
                yield len(chunk), ("[" + ",".join(chunk) + "]").encode()
                chunk = []

    return batches()  # the dossiers drawn now, before the caller's clock starts


def deciles(done: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Per tenth of the jobs by finish time (``done``: (finished_at, call ms) sorted):
    jobs per second (the tenth's job count / the span of its finish times, from the
    previous tenth's last) and the median call time at the mock (a slower mock, or
    machine, shows there; a slower hub only in the rate)."""
    k = max(1, len(done) // 10)
    rates, calls = [], []
    for d in range(10):
        lo, hi = d * k, min(len(done) - 1, (d + 1) * k)
        if d == 9:
            lo, hi = len(done) - 1 - k, len(done) - 1
        span = done[hi][0] - done[lo][0]
        rates.append(k / span if span > 0 else float("inf"))
        calls.append(statistics.median(ms for _, ms in done[lo + 1 : hi + 1]))
    return rates, calls


class LongRows(BenchBase):
    """The long run (the scale-out rows are ``delivery`` rows with ``watch``)."""

    def long_run(self) -> Any:
        n = self.args.long_jobs

        def run() -> dict[str, Any]:
            mock = self.mocks["molisa"]
            mock.reset()
            url = self.database("pg", "long-run")
            settings = settings_json(url, "molisa", mock.url)
            api = self.server("api", {"settings": settings}, "hub API")
            worker = self.child("worker", {"settings": settings, "count_claims": True}, "worker")
            # The whole backlog first: the first 10 % then run against the fullest
            # pending index, the last 10 % against the largest jobs and attempts tables.
            accepted, batches = 0, long_batches(n)
            api_window = CpuWindow([api.pid]).start()
            t0 = time.perf_counter()
            with httpx.Client(base_url=api.url, timeout=120, trust_env=False) as client:
                for _count, body in batches:
                    r = client.post(
                        "/api/v1/events",
                        content=body,
                        headers={"content-type": "application/json"},
                    )
                    if r.status_code != 202:
                        raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:300]}")
                    accepted += len(r.json()["accepted"])
            ingest_s = time.perf_counter() - t0
            api_window.stop()
            worker.read()  # ready
            db = Db(url)
            # With autovacuum off (some test servers), nothing analyzes the tables after
            # the backlog arrived: planned on the empty tables' statistics, the claim
            # sorted every pending job (267 ms a claim at 84,000 pending, against 10 ms
            # through ix_jobs_due once analyzed). Autoanalyze would run here after so
            # many new rows; stand in for it, and say so in the row.
            analyzed = str(db.scalar("SHOW autovacuum")) == "off"
            if analyzed:
                db.execute("ANALYZE jobs, events, dossiers")
            watch = LockWatch(url).start()
            try:
                window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
                t0, go = time.perf_counter(), time.time()
                worker.send("go")
                # Progress from the mock's counter (in memory), the end from the store: a
                # count of jobs by state every second scanned the whole jobs table, the
                # bench's own load on PostgreSQL beside the drain it measures.
                wait_for_mock(mock, n, t0, poll=1.0)
                wait_for_jobs(db, n, timeout=STALL_SECONDS)
                wall = time.perf_counter() - t0
                window.stop()
                box.stop()
                locks = watch.stop()
                worker.send("stop")
                result = worker.read()
                worker.close()
                api_rss = api.peak_rss_mb()
                done = sorted(
                    (epoch(at), float(ms))
                    for at, ms in db.rows(
                        "SELECT j.finished_at, a.duration_ms FROM jobs j "
                        "JOIN attempts a ON a.job_id = j.id"
                    )
                )
                tables = table_figures(db)
                problems = check_jobs(db, n) + mock.check(n)
            finally:
                db.close()
                watch.stop()
            if accepted != n:
                problems.append(f"{accepted} events accepted of {n}")
            rates, calls = deciles(done)
            first, last = rates[0], rates[-1]
            elapsed = done[-1][0] - go
            return {
                "n": n,
                "workers": 1,
                "in_flight": self.concurrency,
                "rate": n / elapsed,
                "elapsed_s": elapsed,
                "first_10pct_rate": first,
                "last_10pct_rate": last,
                "last_to_first": last / first,
                "decile_rates": rates,
                "decile_call_p50_ms": calls,
                "ingest_rate": n / ingest_s,
                "analyzed_by_the_bench": analyzed,
                "ingest_cpu_s": api_window.used,
                "cpu_s": result["cpu_s"],
                "cpu_ms_per_job": 1000 * result["cpu_s"] / n,
                "cpu_pct": 100 * result["cpu_s"] / result["elapsed"],
                "peak_rss_mb": result["peak_rss_mb"],
                "api_peak_rss_mb": api_rss,
                "mock_cpu_pct": 100 * window.used / wall,
                "box_pct": box.busy_pct,
                **claim_figures([result], elapsed),
                **locks,
                **tables,
                "problems": problems,
            }

        return run


def table_figures(db: Db) -> dict[str, Any]:
    """Size and dead rows of the jobs and attempts tables after the drain (PostgreSQL)."""
    out: dict[str, Any] = {}
    for table in ("jobs", "attempts"):
        size, dead, vacuums, by_hub = db.rows(
            f"SELECT pg_total_relation_size('{table}'), coalesce(n_dead_tup, 0), "
            f"autovacuum_count, vacuum_count FROM pg_stat_user_tables "
            f"WHERE relid = '{table}'::regclass"
        )[0]
        out[f"{table}_mb"] = int(size) / 2**20
        out[f"{table}_dead_rows"] = int(dead)
        out[f"{table}_autovacuums"] = int(vacuums)
        out[f"{table}_vacuums"] = int(by_hub)  # VACUUM run by the hub's guard
    out["ix_jobs_due_mb"] = int(db.scalar("SELECT pg_relation_size('ix_jobs_due')")) / 2**20
    out["autovacuum"] = str(db.scalar("SHOW autovacuum"))  # off on some test servers
    return out
