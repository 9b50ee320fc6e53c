"""End to end over real loopback HTTP: ingest -> outbox -> worker -> MOLISA mock -> ack,
pull -> inbox -> reception -> MOLISA, and a worker process killed mid-flight.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hub.api import create_app
from hub.models import Dossier, DossierEvent, EventType, Status
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


def settings_for(db_url: str, mock_url: str, **worker: Any) -> HubSettings:
    return HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            poll_seconds=0.02,
            circuit=CircuitSettings(open_seconds=0.2, max_open_seconds=1.0),
            **{
                "retry": RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
                **worker,
            },
        ),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={
            "molisa": {"base_url": mock_url, "accept_key": "test-key", "timeout_seconds": 2.0}
        },
    )


@pytest.fixture
def mock(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_mock())
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


@pytest.fixture
def hub(build_hub, db_url, mock):  # type: ignore[no-untyped-def]
    """A hub on the test database; each test closes it inside its own event loop."""
    server, _admin = mock
    return build_hub(settings_for(db_url, server.url))


def applied_writes(admin: httpx.Client) -> list[dict[str, Any]]:
    return admin.get("/_mock/received").json()


def test_ingest_to_ministry_ack_in_order_despite_faults(hub: Hub, mock) -> None:  # type: ignore[no-untyped-def]
    _server, admin = mock
    batch = sample_batch(12, seed="e2e")
    admin.post(
        "/_mock/faults",
        json={
            "faults": [
                {"kind": "http_503", "rate": 0.15},
                {"kind": "reset", "rate": 0.05},
                {"kind": "malformed", "rate": 0.05},
            ]
        },
    )
    events = [e for lifecycle in batch for e in lifecycle]
    hub.store.ingest(events, hub.router.targets)

    async def run() -> Any:
        stats = await hub.worker.run_until_idle(timeout=120)
        admin.delete("/_mock/faults")
        remote = await hub.connectors["molisa"].fetch(batch[0][0].ma_ho_so)
        await hub.aclose()
        return stats, remote

    stats, remote = asyncio.run(run())
    assert stats.dead == 0 and stats.succeeded == len(events)

    # Exactly once per event at the ministry, in the order of each dossier's events.
    writes = [w for w in applied_writes(admin) if w["operation"] in ("DongBoDVC", "XuLyHoSo")]
    keys = Counter(w["idempotency_key"] for w in writes)
    assert set(keys) == {f"molisa:{e.id}" for e in events}
    assert max(keys.values()) == 1
    for lifecycle in batch:
        mine = [w for w in writes if w["ma_ho_so"] == lifecycle[0].ma_ho_so]
        assert [w["idempotency_key"] for w in mine] == [f"molisa:{e.id}" for e in lifecycle]
    # The ministry holds the final state, with the progress step in its history.
    assert remote is not None and remote.trang_thai == Status.DA_TRA_KET_QUA
    assert remote.history
    # Each result file reached the ministry with its content (NoiDungTep), hash checked there.
    view = admin.get(f"/_mock/records/{batch[0][0].ma_ho_so}").json()
    assert view["results"] and all(r["CoNoiDungTep"] for r in view["results"])


def test_pull_inbox_then_reception_goes_back(hub: Hub, mock, serve_app) -> None:  # type: ignore[no-untyped-def]
    _server, admin = mock
    seeded = admin.post("/_mock/seed", json={"count": 7, "seed": 3}).json()["ma_ho_so"]
    api = serve_app(create_app(hub, close_hub=False))

    async def run() -> Any:
        outcome = await hub.pull_once("molisa")
        assert (outcome.pulled, outcome.new, outcome.error) == (7, 7, None)
        # Pulled and acknowledged: the ministry does not offer them again.
        assert (await hub.pull_once("molisa")).pulled == 0
        async with httpx.AsyncClient(base_url=api.url, timeout=10) as client:
            items = (await client.get("/api/v1/inbox")).json()["items"]
            assert sorted(i["ma_ho_so"] for i in items) == sorted(seeded)
            # The officer receives each dossier ("Tiếp nhận hồ sơ").
            events = []
            for item in items:
                dossier = Dossier.model_validate(item["dossier"])
                assert dossier.trang_thai == Status.MOI_DANG_KY
                assert dossier.origin_system == "molisa"
                received = dossier.model_copy(
                    update={"trang_thai": Status.DUOC_TIEP_NHAN, "ngay_tiep_nhan": dossier.ngay_nop}
                )
                event = DossierEvent(
                    id=f"tn-{dossier.ma_ho_so}",
                    type=EventType.RECEIVED,
                    occurred_at=dossier.ngay_nop,
                    ma_ho_so=dossier.ma_ho_so,
                    snapshot=received,
                )
                events.append(event.model_dump(mode="json", exclude={"sequence"}))
            assert (await client.post("/api/v1/events", json=events)).status_code == 202
            assert (await client.get("/api/v1/inbox")).json()["items"] == []
        stats = await hub.worker.run_until_idle(timeout=60)
        await hub.aclose()
        return stats

    assert asyncio.run(run()).succeeded == 7
    statuses = {
        w["ma_ho_so"]: str(w["status_id"])
        for w in applied_writes(admin)
        if w["operation"] == "DongBoDVC"
    }
    assert statuses == {code: "2" for code in seeded}
    # Filed at the ministry, received at the province: it stays "filed at the ministry".
    for code in seeded:
        assert admin.get(f"/_mock/records/{code}").json()["record"]["NoiNopHoSo"] == "1"


WORKER_SCRIPT = """
import asyncio, sys
from hub.logging import setup_logging
from hub.service import Hub
from hub.settings import HubSettings
setup_logging("json", "WARNING")
hub = Hub(HubSettings.model_validate_json(sys.argv[1]))
asyncio.run(hub.worker.run(asyncio.Event()))
"""


@pytest.mark.slow
def test_killed_worker_lease_is_reclaimed(db_url: str, mock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, admin = mock
    # Slow answers keep calls in flight when the worker is killed.
    admin.post(
        "/_mock/faults", json={"faults": [{"kind": "slow", "rate": 1.0, "delay_seconds": 0.3}]}
    )
    settings = settings_for(db_url, server.url, lease_seconds=2, concurrency=4)
    hub = Hub(settings)
    batch = sample_batch(8, seed="kill")
    events = [e for lifecycle in batch for e in lifecycle]
    hub.store.ingest(events, hub.router.targets)

    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, settings.model_dump_json()],
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with hub.engine.connect() as conn:
                running = conn.execute(
                    sa.select(sa.func.count()).select_from(jobs).where(jobs.c.state == "running")
                ).scalar_one()
                done = conn.execute(
                    sa.select(sa.func.count()).select_from(jobs).where(jobs.c.state == "succeeded")
                ).scalar_one()
            if running and done >= 4:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
        proc.stderr.close()  # type: ignore[union-attr]
    assert running, "the worker had no job in flight when killed"
    admin.delete("/_mock/faults")

    # A new worker reclaims the dead worker's leases once they expire, and finishes.
    async def run() -> Any:
        stats = await hub.worker.run_until_idle(timeout=60)
        await hub.aclose()
        return stats

    stats = asyncio.run(run())
    assert stats.dead == 0
    with hub.engine.connect() as conn:
        states = Counter(conn.execute(sa.select(jobs.c.state)).scalars())
        reclaimed = conn.execute(
            sa.select(sa.func.count()).select_from(jobs).where(jobs.c.attempts > 1)
        ).scalar_one()
    assert states == {"succeeded": len(events)}
    assert reclaimed >= 1
    writes = [w for w in applied_writes(admin) if w["operation"] in ("DongBoDVC", "XuLyHoSo")]
    keys = Counter(w["idempotency_key"] for w in writes)
    assert set(keys) == {f"molisa:{e.id}" for e in events} and max(keys.values()) == 1
    for lifecycle in batch:
        mine = [w["idempotency_key"] for w in writes if w["ma_ho_so"] == lifecycle[0].ma_ho_so]
        assert mine == [f"molisa:{e.id}" for e in lifecycle]
    hub.engine.dispose()
