"""Delivery, ingest and start-up, side by side in one run (``make bench-delivery``).

The MOLISA mock and the hub's API each run in their own process on loopback, so the
process being measured has the machine's cores as it would in production. For the
same N received-dossier events:

* ``raw``: httpx's AsyncClient posts the DongBoDVC bodies the connector would send
  straight to the mock, at the hub's concurrency (8 in flight);
* ``delivery``: the hub drains the N already-ingested events — claim, map, send,
  record the ack and the attempt — on SQLite with one worker; ``delivery / raw`` is
  the hub's overhead on the path that matters;
* ``ingest``: ``POST /api/v1/events``, one event per request and in batches of 100;
* ``start-up``: cold-ish ``tthc-hub --help`` (median of 5).

Not yet measured here (issue #9): MONRE over zeep, PostgreSQL and 4 worker processes,
ingest-to-ack latency at a steady rate. Results go to ``bench/results/delivery-*.json``.

    .venv/bin/python bench/delivery_bench.py --events 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results"
CONCURRENCY = 8

MOCK = """
import sys, time
from mocks._common.server import start_server
from mocks.molisa.app import create_app
server = start_server(create_app())
print(server.url, flush=True)
while True:
    time.sleep(3600)
"""

API = """
import sys, time
from hub.api import create_app
from hub.logging import setup_logging
from hub.service import Hub
from hub.settings import HubSettings
from mocks._common.server import start_server
setup_logging("json", "ERROR")
hub = Hub(HubSettings.model_validate_json(sys.argv[1]))
server = start_server(create_app(hub))
print(server.url, flush=True)
while True:
    time.sleep(3600)
"""


def spawn(code: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"a server did not start: {url!r}")
    return proc, url


def settings_json(db: Path, mock_url: str) -> str:
    from hub.settings import HubSettings, RouteRule, WorkerSettings

    return HubSettings(
        database_url=f"sqlite:///{db}",
        log_level="ERROR",
        worker=WorkerSettings(concurrency=CONCURRENCY, poll_seconds=0.01),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={"molisa": {"base_url": mock_url, "accept_key": "test-key"}},
    ).model_dump_json()


def events(n: int) -> list[Any]:
    from hub.testing.samples import sample_lifecycle

    return [sample_lifecycle(f"bench:{i}", seq=(i % 9999) + 1)[0] for i in range(n)]


async def raw(mock_url: str, evts: list[Any]) -> float:
    """Seconds for httpx alone to post the connector's bodies, 8 in flight."""
    from connectors.molisa import mapping

    bodies = [{"AcceptKey": "test-key", **mapping.to_dong_bo_dvc(e.snapshot)} for e in evts]
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=mock_url + "/apiBTXH/", limits=limits, trust_env=False
    ) as client:
        queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        for i, body in enumerate(bodies):
            queue.put_nowait((i, body))

        async def sender() -> None:
            while not queue.empty():
                i, body = queue.get_nowait()
                r = await client.post(
                    "DongBoDVC", json=body, headers={"Idempotency-Key": f"raw:{i}"}
                )
                r.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started


def delivery(db: Path, mock_url: str, evts: list[Any]) -> float:
    from hub.logging import setup_logging
    from hub.service import Hub
    from hub.settings import HubSettings

    setup_logging("json", "ERROR")
    hub = Hub(HubSettings.model_validate_json(settings_json(db, mock_url)))
    hub.store.ingest(evts, hub.router.targets)

    async def drain() -> float:
        started = time.perf_counter()
        stats = await hub.worker.run_until_idle(timeout=600)
        elapsed = time.perf_counter() - started
        await hub.aclose()
        assert stats.succeeded == len(evts), stats
        return elapsed

    return asyncio.run(drain())


def ingest(api_url: str, evts: list[Any], batch: int) -> float:
    bodies = [e.model_dump(mode="json", exclude={"sequence"}) for e in evts]
    with httpx.Client(base_url=api_url, timeout=60, trust_env=False) as client:
        started = time.perf_counter()
        for i in range(0, len(bodies), batch):
            chunk = bodies[i : i + batch]
            r = client.post("/api/v1/events", json=chunk if batch > 1 else chunk[0])
            r.raise_for_status()
        return time.perf_counter() - started


def startup() -> float:
    exe = str(Path(sys.executable).with_name("tthc-hub"))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([exe, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    n = args.events
    evts = events(n)
    mock, mock_url = spawn(MOCK)
    results: dict[str, Any] = {"events": n, "concurrency": CONCURRENCY}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            raw_s = asyncio.run(raw(mock_url, evts))
            httpx.post(mock_url + "/_mock/reset", timeout=30)
            delivery_s = delivery(Path(tmp) / "delivery.db", mock_url, evts)
            results["raw_per_s"] = n / raw_s
            results["delivery_per_s"] = n / delivery_s
            results["delivery_over_raw"] = raw_s / delivery_s
            for batch in (1, 100):
                api, api_url = spawn(API, settings_json(Path(tmp) / f"ingest{batch}.db", mock_url))
                try:
                    fresh = [e.model_copy(update={"id": f"{e.id}:i{batch}"}) for e in evts]
                    results[f"ingest_batch{batch}_per_s"] = n / ingest(api_url, fresh, batch)
                finally:
                    api.kill()
                    api.wait()
    finally:
        mock.kill()
        mock.wait()
    results["startup_help_s"] = startup()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    results |= {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
    print(f"\ntthc-hub delivery benchmark ({n} events, {CONCURRENCY} in flight, SQLite, 1 worker)")
    print(f"  raw httpx -> MOLISA mock       {results['raw_per_s']:8.0f} /s")
    print(
        f"  hub delivery (claim..record)   {results['delivery_per_s']:8.0f} /s"
        f"   ratio to raw {results['delivery_over_raw']:.2f}"
    )
    print(f"  ingest, 1 event per request    {results['ingest_batch1_per_s']:8.0f} /s")
    print(f"  ingest, batches of 100         {results['ingest_batch100_per_s']:8.0f} /s")
    print(f"  tthc-hub --help                {results['startup_help_s']:8.2f} s")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"delivery-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"  written to {out}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
