"""Crash safety and scale-out: three worker processes share one queue while a killer
sends SIGKILL to one of them at random moments, against a MOLISA mock that answers
503s, times out, drops connections and answers slowly. After the dust settles every
event has reached the mock exactly once (the mock dedupes by idempotency key and
counts the duplicates), none is lost, and each dossier's events arrived in order.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict

import httpx
import pytest
import sqlalchemy as sa

from hub.service import Hub
from hub.settings import (
    CircuitSettings,
    HubSettings,
    RetrySettings,
    RouteRule,
    WorkerSettings,
)
from hub.store.tables import jobs
from hub.testing.samples import sample_batch
from mocks.molisa.app import create_app as create_mock

WORKER = """
import asyncio, signal, sys
from hub.logging import setup_logging
from hub.service import Hub
from hub.settings import HubSettings
setup_logging("json", "ERROR")
hub = Hub(HubSettings.model_validate_json(sys.argv[1]), migrate=False)

async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await hub.worker.run(stop)
    await hub.aclose()

asyncio.run(main())
"""

DOSSIERS = 400  # 1,600 events


@pytest.mark.slow
def test_sigkill_workers_lose_and_duplicate_nothing(db_url: str, serve_app) -> None:  # type: ignore[no-untyped-def]
    mock = serve_app(create_mock())
    admin = httpx.Client(base_url=mock.url, timeout=30)
    settings = HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            concurrency=4,
            poll_seconds=0.02,
            lease_seconds=3,
            call_timeout_seconds=2,
            # Faults come in bursts here; a short breaker pause keeps the run quick.
            circuit=CircuitSettings(open_seconds=0.2, max_open_seconds=1.0),
            retry=RetrySettings(
                initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.02, max_attempts=1000
            ),
        ),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={
            "molisa": {"base_url": mock.url, "accept_key": "test-key", "timeout_seconds": 0.5}
        },
    )
    hub = Hub(settings)
    batch = sample_batch(DOSSIERS, seed="crash")
    events = [e for lifecycle in batch for e in lifecycle]
    hub.store.ingest(events, hub.router.targets)
    admin.post(
        "/_mock/faults",
        json={
            "faults": [
                {"kind": "http_503", "rate": 0.08},
                {"kind": "timeout", "rate": 0.03, "delay_seconds": 1.0},
                {"kind": "reset", "rate": 0.03},
                {"kind": "slow", "rate": 0.1, "delay_seconds": 0.1},
            ]
        },
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    payload = settings.model_dump_json()

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, payload],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    rng = random.Random(7)
    workers = [spawn() for _ in range(3)]
    kills = 0

    def remaining() -> int:
        with hub.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(jobs).where(jobs.c.state != "succeeded")
            ).scalar_one()

    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and remaining():
            time.sleep(rng.uniform(0.3, 1.0))
            if kills < 12:
                victim = rng.randrange(len(workers))
                os.kill(workers[victim].pid, signal.SIGKILL)
                workers[victim].wait(10)
                workers[victim] = spawn()
                kills += 1
        assert remaining() == 0, "jobs still unfinished"
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
    assert kills >= 5

    applied = [
        w
        for w in admin.get("/_mock/received").json()
        if w["operation"] in ("DongBoDVC", "XuLyHoSo")
    ]
    keys = Counter(w["idempotency_key"] for w in applied)
    assert set(keys) == {f"molisa:{e.id}" for e in events}, "an event never reached the mock"
    assert max(keys.values()) == 1, "an event was applied twice"
    order: dict[str, list[str]] = defaultdict(list)
    for w in applied:
        order[w["ma_ho_so"]].append(w["idempotency_key"])
    for lifecycle in batch:
        assert order[lifecycle[0].ma_ho_so] == [f"molisa:{e.id}" for e in lifecycle]
    with hub.engine.connect() as conn:
        reclaimed = conn.execute(
            sa.select(sa.func.count()).select_from(jobs).where(jobs.c.attempts > 1)
        ).scalar_one()
    assert reclaimed > 0  # faults and kills did make work happen twice: the keys absorbed it
    admin.close()
    hub.engine.dispose()
