"""Reconciliation at volume: MOLISA with N dossiers on each side (``make bench``).

For each size, the MOLISA mock (in this process) is seeded synthetically with N
province-synced records (``POST /_mock/seed_bulk``, generated from their index) and a
few planted differences; a SQLite mirror with the same N dossiers (and a finished job
each) is written beside it. Then, each in its own subprocess so that its peak memory
(``VmHWM``) is its own:

* ``hub``: :meth:`hub.reconcile.Reconciler.run` (listing over HTTP, spill, sorted merge,
  findings stored);
* ``baseline``: the same listing loaded into a table of the same SQLite database, then
  the comparison as one SQL query (``LEFT JOIN`` both ways, counts per kind).

Both read the ministry's listing over loopback HTTP the same way (a page at a time,
:func:`hub.connector.remote_pages`); the ratio is hub / baseline. Each child also prints
its run's own CPU (without the start-up's imports), and beside it the CPU this process
(the mock) spent serving that child.

* ``ingest``: single-event ingests (the store's ingest, as ``POST /api/v1/events``
  does it on SQLite) from another thread, every few milliseconds, first with the
  hub idle and then while :meth:`Reconciler.run` compares the N dossiers: p50, p99
  and max of each, and the busy / idle ratio. A comparison must not hold writers up
  (issue #14: up to 0.93 s before reads stopped taking SQLite's write lock).

Results go to ``bench/results/reconcile-<time>.json``.

    .venv/bin/python bench/reconcile_bench.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
PREFIX = "BULK-"
PROCEDURES = ("1.001776", "1.001731")
WHEN = datetime(2026, 11, 20, 9, 30, 0)  # the records' NgayCapNhat, Vietnam time
PAGE = 500


def _settings(db: str, url: str):  # type: ignore[no-untyped-def]
    from hub.settings import HubSettings, RouteRule

    return HubSettings(
        database_url=f"sqlite:///{db}",
        routes=[RouteRule(connector="molisa", ma_tthc=list(PROCEDURES))],
        connectors={"molisa": {"base_url": url, "accept_key": "test-key", "page_size": PAGE}},
    )


def build_mirror(db: str, url: str, n: int) -> None:
    """The mirror of the N bulk records (stdlib sqlite3, batched: it is set-up, not measured)."""
    from hub.service import Hub
    from mocks.molisa.state import bulk_row

    hub = Hub(_settings(db, url))  # creates the schema
    hub.engine.dispose()
    updated = (WHEN - timedelta(hours=7)).replace(tzinfo=UTC).isoformat(sep=" ")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    batch_d, batch_e, batch_j = [], [], []
    for i in range(n):
        row = bulk_row(i, PREFIX, WHEN, PROCEDURES)
        snap: dict[str, object] = {}
        if row.so:
            snap = {"ket_qua": {"so": row.so, "files": [{"sha256": row.sha256}]}}
        batch_d.append(
            (
                row.ma_ho_so,
                row.ma_tthc,
                int(row.status_id),
                "province",
                json.dumps(snap),
                updated,
                updated,
            )
        )
        batch_e.append((f"e{i}", row.ma_ho_so, updated, updated))
        batch_j.append((row.ma_ho_so, f"e{i}", f"molisa:e{i}", row.ma_tthc, updated, updated))
        if len(batch_d) == 20000 or i == n - 1:
            conn.executemany(
                "INSERT INTO dossiers (ma_ho_so, ma_tthc, trang_thai, origin, last_sequence,"
                " snapshot, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                batch_d,
            )
            conn.executemany(
                "INSERT INTO events (id, ma_ho_so, sequence, type, occurred_at, received_at,"
                " snapshot) VALUES (?, ?, 1, 'dossier.received', ?, ?, '{}')",
                batch_e,
            )
            conn.executemany(
                "INSERT INTO jobs (connector, ma_ho_so, event_id, sequence, state, attempts,"
                " next_run_at, idempotency_key, ma_tthc, created_at, updated_at)"
                " VALUES ('molisa', ?, ?, 1, 'succeeded', 1, ?, ?, ?, ?, ?)",
                [(m, e, u, k, t, u, u) for m, e, k, t, u, _ in batch_j],
            )
            conn.commit()
            batch_d.clear()
            batch_e.clear()
            batch_j.clear()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def plant(admin, n: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One difference in a thousand, of every kind."""
    step = 1000
    idx = list(range(7, n, step))
    code = lambda i: f"{PREFIX}{i:07d}"  # noqa: E731
    removed = [code(i) for i in idx[0::4]]
    status = [{"MaHoSo": code(i), "StatusId": "8"} for i in idx[1::4]]
    result = [{"MaHoSo": code(i), "SoQuyetDinh": "X/QĐ"} for i in idx[2::4]]
    added = [{"MaHoSo": f"ZZ-{i:07d}", "MaTTHC": PROCEDURES[0], "StatusId": "1"} for i in idx[3::4]]
    admin.post(
        "/_mock/plant", json={"remove": removed, "alter": status + result, "add": added}
    ).raise_for_status()
    return {
        "only_province": len(removed),
        "status_mismatch": len(status),
        "result_mismatch": len(result),
        "only_ministry": len(added),
    }


# --- the measured children -----------------------------------------------------------


async def _hub_run(db: str, url: str) -> dict[str, object]:
    from hub.connector import Period
    from hub.reconcile import Reconciler
    from hub.service import Hub

    hub = Hub(_settings(db, url), migrate=False)
    try:
        rec = Reconciler(hub)
        # Where the run's wall time goes: the listing's end (its last progress report),
        # the mirror's copy's end (in its thread, beside the listing), the run's end.
        marks: dict[str, float] = {}
        start, cpu = time.perf_counter(), time.process_time()

        def progress(stage: str, _done: int) -> None:
            if stage == "listing":
                marks["listing_seconds"] = round(time.perf_counter() - start, 2)

        spill_province = rec._spill_province

        def timed(*args: object) -> None:
            try:
                spill_province(*args)  # type: ignore[arg-type]
            finally:
                marks["mirror_seconds"] = round(time.perf_counter() - start, 2)

        rec._spill_province = timed  # type: ignore[method-assign]
        period = Period(WHEN.date(), WHEN.date() + timedelta(days=400))
        run_id = await rec.run("molisa", period, progress=progress)
        marks["run_seconds"] = round(time.perf_counter() - start, 2)
        # The run's own CPU (its threads too), without the start-up's imports.
        marks["run_cpu_seconds"] = round(time.process_time() - cpu, 2)
        run = rec.get_run(run_id)
        return {
            "counts": run["counts"],
            "province": run["province_count"],
            "remote": run["remote_count"],
            **marks,
        }
    finally:
        await hub.aclose()


async def _baseline_run(db: str, url: str) -> dict[str, object]:
    from hub.connector import Period, remote_pages
    from hub.service import Hub

    hub = Hub(_settings(db, url), migrate=False)
    conn = sqlite3.connect(db)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        conn.execute(
            "CREATE TEMP TABLE r (ma TEXT, status INTEGER, updated_at TEXT, so TEXT, sha TEXT)"
        )
        period = Period(WHEN.date(), WHEN.date() + timedelta(days=400))
        # The listing as the hub reads it, a page at a time (remote_pages): the baseline's
        # listing costs what the hub's does, so the ratio is the comparison's.
        async for page in remote_pages(hub.connectors["molisa"], period):
            conn.executemany(
                "INSERT INTO r VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        rec.ma_ho_so,
                        int(rec.trang_thai) if rec.trang_thai else None,
                        rec.updated_at.isoformat() if rec.updated_at else None,
                        rec.result_number,
                        rec.result_sha256,
                    )
                    for rec in page
                ],
            )
        conn.execute("CREATE INDEX temp.ix_r ON r (ma)")
        so = "json_extract(d.snapshot, '$.ket_qua.so')"
        sha = "json_extract(d.snapshot, '$.ket_qua.files[#-1].sha256')"
        row = conn.execute(
            f"""
            WITH p AS (SELECT d.ma_ho_so AS ma, d.trang_thai AS status, {so} AS so, {sha} AS sha
                       FROM dossiers d
                       WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.connector = 'molisa'
                                     AND j.ma_ho_so = d.ma_ho_so))
            SELECT
              (SELECT count(*) FROM p WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.ma = p.ma)),
              (SELECT count(*) FROM r WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.ma = r.ma)),
              (SELECT count(*) FROM p JOIN r ON r.ma = p.ma WHERE p.status != r.status),
              (SELECT count(*) FROM p JOIN r ON r.ma = p.ma WHERE p.status = r.status
                 AND (coalesce(p.so, '') != coalesce(r.so, '')
                      OR coalesce(p.sha, '') != coalesce(r.sha, '')))
            """
        ).fetchone()
        keys = ("only_province", "only_ministry", "status_mismatch", "result_mismatch")
        return {
            "counts": dict(zip(keys, row, strict=True)),
            "run_seconds": round(time.perf_counter() - start, 2),
            "run_cpu_seconds": round(time.process_time() - cpu, 2),
        }
    finally:
        conn.close()
        await hub.aclose()


def _latencies(samples: list[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 2),
        "p99_ms": round(at(0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _ingest_run(db: str, url: str) -> dict[str, object]:
    """Ingest latency when idle, then while a comparison of the whole mirror runs."""
    import threading

    from hub.connector import Period
    from hub.reconcile import Reconciler
    from hub.service import Hub
    from hub.testing.samples import sample_lifecycle

    hub = Hub(_settings(db, url), migrate=False)
    seeds = iter(range(10**9))
    stop = threading.Event()

    def ingest_until(done: threading.Event, out: list[float], limit: int | None) -> None:
        while not done.is_set() and (limit is None or len(out) < limit):
            event = sample_lifecycle(f"bench-ingest-{next(seeds)}")[0]
            t0 = time.perf_counter()
            hub.store.ingest([event], hub.router.targets)
            out.append(time.perf_counter() - t0)
            time.sleep(0.005)

    try:
        idle: list[float] = []
        ingest_until(threading.Event(), idle, 300)
        busy: list[float] = []
        writer = threading.Thread(target=ingest_until, args=(stop, busy, None))
        writer.start()
        t0 = time.perf_counter()
        try:
            await Reconciler(hub).run(
                "molisa", Period(WHEN.date(), WHEN.date() + timedelta(days=400))
            )
        finally:
            stop.set()
            writer.join()
        seconds = round(time.perf_counter() - t0, 2)
        quiet, loaded = _latencies(idle), _latencies(busy)
        return {
            "comparison_seconds": seconds,
            "idle": quiet,
            "during_comparison": loaded,
            "p50_ratio": round(loaded["p50_ms"] / max(quiet["p50_ms"], 0.01), 2),
            "p99_ratio": round(loaded["p99_ms"] / max(quiet["p99_ms"], 0.01), 2),
        }
    finally:
        await hub.aclose()


def peak_rss_mb() -> float:
    """This process's peak resident memory (``_bench_util.self_usage``: ``VmHWM``, as
    ``ru_maxrss`` carries the parent's peak over fork+exec on Linux)."""
    from _bench_util import self_usage

    return round(self_usage()[1], 1)


def child(
    kind: str, db: str, url: str, profile: str | None = None, pause: float | None = None
) -> None:
    if pause is not None:  # the mirror copy's rest between pages (ingest latency's A/B)
        import hub.reconcile_diff

        hub.reconcile_diff.MIRROR_PAUSE = pause
    started = time.perf_counter()
    cpu = time.process_time()
    fn = {"hub": _hub_run, "baseline": _baseline_run, "ingest": _ingest_run}[kind]
    if profile:
        import cProfile

        async def inline(func, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            return func(*args, **kwargs)

        # cProfile sees one thread: the comparison runs inline so that it shows.
        asyncio.to_thread = inline
        profiler = cProfile.Profile(time.process_time)  # CPU: a busy machine does not inflate it
        out = profiler.runcall(asyncio.run, fn(db, url))
        profiler.dump_stats(profile)
    else:
        out = asyncio.run(fn(db, url))
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["cpu_seconds"] = round(time.process_time() - cpu, 2)
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def measure(
    kind: str, db: str, url: str, profile: str | None = None, pause: float | None = None
) -> dict[str, object]:
    extra = ["--profile", profile] if profile else []
    extra += ["--mirror-pause", str(pause)] if pause is not None else []
    mock_cpu = time.process_time()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", db, "--url", url, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, "TTHC_HUB_LOG_LEVEL": "WARNING"},
    )
    if proc.returncode:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    # This process only waited for the child meanwhile: its CPU is the mock's serving
    # (the listing's other half, on the same cores).
    out["mock_cpu_seconds"] = round(time.process_time() - mock_cpu, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--child")
    parser.add_argument("--db")
    parser.add_argument("--url")
    parser.add_argument(
        "--profile",
        help="a directory: the hub and baseline children run under cProfile and write"
        " <dir>/reconcile-<kind>-<size>.pstats (with --child: the file itself)",
    )
    parser.add_argument(
        "--mirror-pause",
        type=float,
        help="seconds the mirror copy rests between its pages (default: the hub's"
        " hub.reconcile_diff.MIRROR_PAUSE); 0 for none",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.url, args.profile, args.mirror_pause)
        return
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    stats = lambda kind, n: (  # noqa: E731
        str(Path(args.profile) / f"reconcile-{kind}-{n}.pstats") if args.profile else None
    )

    import httpx

    from hub.testing.mock.server import start_server
    from mocks.molisa.app import create_app

    server = start_server(create_app())
    results = []
    try:
        with (
            httpx.Client(base_url=server.url, timeout=120) as admin,
            tempfile.TemporaryDirectory() as tmp,
        ):
            for n in [int(s) for s in args.sizes.split(",")]:
                admin.post("/_mock/reset").raise_for_status()
                admin.post(
                    "/_mock/seed_bulk",
                    json={
                        "count": n,
                        "prefix": PREFIX,
                        "updated_at": WHEN.isoformat(),
                        "procedures": list(PROCEDURES),
                    },
                ).raise_for_status()
                db = os.path.join(tmp, f"mirror-{n}.db")
                t0 = time.perf_counter()
                build_mirror(db, server.url, n)
                setup = round(time.perf_counter() - t0, 1)
                planted = plant(admin, n)
                pause = args.mirror_pause
                hub = measure("hub", db, server.url, stats("hub", n), pause)
                base = measure("baseline", db, server.url, stats("baseline", n))
                ingest = measure("ingest", db, server.url, pause=pause)  # last: adds dossiers
                hub_counts = {k: v for k, v in hub["counts"].items() if v}  # type: ignore[union-attr]
                ok = hub_counts == {k: v for k, v in planted.items() if v}
                row = {
                    "size": n,
                    "setup_seconds": setup,
                    "planted": planted,
                    "hub": hub,
                    "baseline": base,
                    "time_ratio": round(hub["seconds"] / base["seconds"], 2),  # type: ignore[operator]
                    # CPU too: on a loaded machine wall time says more about the others.
                    "cpu_ratio": round(hub["cpu_seconds"] / base["cpu_seconds"], 2),  # type: ignore[operator]
                    "memory_ratio": round(hub["peak_rss_mb"] / base["peak_rss_mb"], 2),  # type: ignore[operator]
                    "findings_exact": ok,
                    "ingest": ingest,
                }
                results.append(row)
                print(
                    f"{n:>9,} dossiers  hub {hub['seconds']:>7} s (CPU {hub['cpu_seconds']} s)"
                    f" {hub['peak_rss_mb']:>7} MB  | baseline {base['seconds']:>7} s"
                    f" (CPU {base['cpu_seconds']} s) {base['peak_rss_mb']:>7} MB"
                    f"  | ratio time {row['time_ratio']}  CPU {row['cpu_ratio']}"
                    f"  memory {row['memory_ratio']}"
                    f"  | findings exact: {ok}",
                    flush=True,
                )
                print(
                    f"{'':>9}  the mock's CPU while serving: hub {hub['mock_cpu_seconds']} s,"
                    f" baseline {base['mock_cpu_seconds']} s",
                    flush=True,
                )
                print(
                    f"{'':>9}  hub run {hub['run_seconds']} s (CPU {hub['run_cpu_seconds']} s),"
                    f" baseline's {base['run_seconds']} s (CPU {base['run_cpu_seconds']} s);"
                    f" hub's listing done at"
                    f" {hub.get('listing_seconds')} s, mirror copied at"
                    f" {hub.get('mirror_seconds')} s",
                    flush=True,
                )
                idle, busy = ingest["idle"], ingest["during_comparison"]  # type: ignore[index]
                print(
                    f"{'':>9}  ingest ms p50/p99/max: idle {idle['p50_ms']}/{idle['p99_ms']}"
                    f"/{idle['max_ms']} (n={idle['n']})  | during the comparison "
                    f"{busy['p50_ms']}/{busy['p99_ms']}/{busy['max_ms']} (n={busy['n']})"
                    f"  | ratio p50 {ingest['p50_ratio']}  p99 {ingest['p99_ratio']}",
                    flush=True,
                )
    finally:
        server.stop()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"reconcile-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {"machine": os.uname().machine, "cpus": os.cpu_count(), "results": results},
            indent=1,
            default=str,
        )
    )
    print(out)


if __name__ == "__main__":
    main()
