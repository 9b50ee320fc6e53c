"""The operator console at volume: the jobs page and the job-detail page with N jobs in the
store (default 1,000,000, SQLite), server time p50 and p95 per page.

Set-up (not measured) writes N jobs with stdlib sqlite3 into a schema the hub created:
N/4 dossiers of 4 events, one job per event over 4 connectors; 1% dead (half
``http_503``, half ``mapping``) with 3 attempts each, 1% pending, 1% failed, the rest
succeeded. Then each page is requested in this process through the ASGI app
(httpx's ASGITransport: no socket, so the time is the server's), warm-up first.

    .venv/bin/python bench/console_bench.py --jobs 1000000

Target (issue #20): p95 <= 150 ms on SQLite. Results: bench/results/console-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).parent / "results"
CONNECTORS = ("molisa", "hotich", "monre", "dvcqg")
TARGET_MS = 150.0


def build(db: str, n: int) -> dict[str, object]:
    """The schema by the hub, then N jobs by sqlite3; returns ids and codes to ask for."""
    from hub.service import Hub
    from hub.settings import HubSettings

    Hub(HubSettings(database_url=f"sqlite:///{db}")).engine.dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ev, jb, at = [], [], []
    dead_ids: list[int] = []
    for i in range(n):
        dossier, seq = divmod(i, 4)
        code = f"000.00.22.H34-261101-{dossier:07d}"
        when = (start + timedelta(seconds=i)).isoformat(sep=" ")
        state, error = "succeeded", None
        if i % 100 == 7:
            state, error = "dead", ("http_503" if i % 200 == 7 else "mapping")
            dead_ids.append(i + 1)
        elif i % 100 == 8:
            state = "pending"
        elif i % 100 == 9:
            state, error = "failed", "timeout"
        ev.append((f"e{i}", code, seq + 1, when, when))
        jb.append((CONNECTORS[dossier % 4], code, f"e{i}", seq + 1, state, when, f"k{i}",
                   "1.001776", error, f"{error} (field: chu_ho_so.ngay_sinh)" if error else None,
                   when, when))  # fmt: skip
        if state == "dead":
            at.extend((i + 1, a, when, 40.0, "transient", error) for a in (1, 2, 3))
        if len(ev) == 50_000 or i == n - 1:
            conn.executemany(
                "INSERT INTO events (id, ma_ho_so, sequence, type, occurred_at, received_at,"
                " snapshot) VALUES (?, ?, ?, 'dossier.received', ?, ?, '{}')",
                ev,
            )
            conn.executemany(
                "INSERT INTO jobs (connector, ma_ho_so, event_id, sequence, state, attempts,"
                " next_run_at, idempotency_key, ma_tthc, error_class, last_error, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                jb,
            )
            conn.executemany(
                "INSERT INTO attempts (job_id, attempt, started_at, duration_ms, outcome,"
                " error_class) VALUES (?, ?, ?, ?, ?, ?)",
                at,
            )
            conn.commit()
            ev.clear()
            jb.clear()
            at.clear()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    middle = dead_ids[len(dead_ids) // 2]
    return {"dead_id": middle, "code": f"000.00.22.H34-261101-{(middle - 1) // 4:07d}",
            "middle_id": n // 2}  # fmt: skip


async def measure(db: str, probe: dict[str, object], rounds: int) -> dict[str, dict[str, float]]:
    import httpx

    from hub.api import create_app
    from hub.service import Hub
    from hub.settings import HubSettings

    hub = Hub(HubSettings(database_url=f"sqlite:///{db}"))
    app = create_app(hub, close_hub=False)
    pages = {
        "jobs (no filter)": "/console/jobs",
        "jobs, page at the middle": f"/console/jobs?before={probe['middle_id']}",
        "jobs, state=dead": "/console/jobs?state=dead",
        "jobs, dead + connector": "/console/jobs?state=dead&connector=monre",
        "jobs, error class": "/console/jobs?error_class=mapping",
        "jobs, ma_ho_so": f"/console/jobs?ma_ho_so={probe['code']}",
        "jobs, time range": "/console/jobs?since=2026-11-05T00:00&until=2026-11-06T00:00",
        "job detail": f"/console/jobs/{probe['dead_id']}",
    }
    out: dict[str, dict[str, float]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        form = (await client.get("/console/signin")).text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        await client.post("/console/signin", data={"csrf": token})
        for name, path in pages.items():
            times = []
            for i in range(rounds + 3):
                t0 = time.perf_counter()
                response = await client.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, (path, response.status_code)
                if i >= 3:
                    times.append(elapsed)
            times.sort()
            out[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            }
    await hub.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="build the database here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(args.keep or Path(tmp) / "console.db")
        t0 = time.perf_counter()
        probe = build(db, args.jobs)
        print(f"set-up: {args.jobs:,} jobs in {time.perf_counter() - t0:.0f} s")
        rows = asyncio.run(measure(db, probe, args.rounds))
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p95/target':>11}")
    for name, row in rows.items():
        ratio = row["p95_ms"] / TARGET_MS
        print(f"{name:28} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {ratio:11.2f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"console-{stamp}.json"
    path.write_text(
        json.dumps({"jobs": args.jobs, "target_ms": TARGET_MS, "pages": rows}, indent=2)
    )
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
