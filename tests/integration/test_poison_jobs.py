"""No job stops the worker (issue #23). Events the ingest refuses today are written
straight into the store, among good ones: each poison job ends dead with a readable
reason and no personal data, the good ones reach the liên thông mock over loopback (and
a second connector), on SQLite and PostgreSQL. A worker that stops for another cause is
an error log, a metric and a failing health check, and is started again."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from connectors.lienthong.connector import LienthongConnector
from connectors.lienthong.settings import LienthongSettings
from hub.api import create_app as create_api
from hub.models import DossierEvent
from hub.service import Hub
from hub.settings import HubSettings, RouteRule, WorkerSettings
from hub.store.ingest import new_jobs
from hub.store.tables import events, jobs
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_lifecycle
from mocks.lienthong.app import create_app as create_lienthong

from .recording import RecordingConnector

PASSWORD = "poison-key"
FULLWIDTH_CCCD = "０７９２０１００１２３４"


def make_hub(db_url: str, lienthong_url: str) -> Hub:
    lienthong = LienthongConnector(
        LienthongSettings(base_url=lienthong_url, user_name="tinh", password=PASSWORD)
    )
    settings = HubSettings(
        database_url=db_url,
        routes=[RouteRule(connector="lienthong"), RouteRule(connector="rec")],
        worker=WorkerSettings(poll_seconds=0.05),
    )
    return Hub(settings, connectors={"lienthong": lienthong, "rec": RecordingConnector()})


def nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def write_poison(hub: Hub, seed: str, spoil: str) -> DossierEvent:
    """A first event of a new dossier, written to the store as no ingest would take it."""
    event = sample_lifecycle(seed)[0]
    snapshot = event.snapshot.model_dump(mode="json")
    if spoil == "deep":
        snapshot["extra"] = {"x": nested(250)}
    elif spoil == "cccd":
        snapshot["chu_ho_so"]["so_giay_to"] = FULLWIDTH_CCCD
    now = event.occurred_at
    with hub.engine.begin() as conn:
        conn.execute(
            sa.insert(events).values(
                id=event.id,
                ma_ho_so=event.ma_ho_so,
                sequence=1,
                type=event.type.value,
                occurred_at=now,
                received_at=now,
                snapshot=snapshot,
            )
        )
        if spoil == "bc":
            # PostgreSQL keeps 0001-01-01T00:00:00+14:00 as year 1 BC; SQLite a year 0.
            bad = (
                "0001-01-01T00:00:00+14:00"
                if hub.store.dialect == "postgresql"
                else "0000-12-31 10:00:00.000000"
            )
            conn.execute(
                sa.text("UPDATE events SET occurred_at = :t WHERE id = :id"),
                {"t": bad, "id": event.id},
            )
        code = event.snapshot.ma_tthc
        rows = new_jobs(["lienthong", "rec"], event.id, event.ma_ho_so, 1, code, now)
        conn.execute(sa.insert(jobs), rows)
    return event


def ingest(hub: Hub, seeds: list[str]) -> list[DossierEvent]:
    batch = [sample_lifecycle(seed)[0] for seed in seeds]
    hub.store.ingest(batch, hub.router.targets)
    return batch


async def send_all(hub: Hub) -> Any:
    try:
        return await hub.worker.run_until_idle(timeout=120)
    finally:
        await hub.aclose()


@pytest.fixture
def lienthong(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_lienthong(MockConfig(accept_key=PASSWORD)))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


def test_poison_jobs_end_dead_and_the_others_are_delivered(db_url, lienthong, serve_app) -> None:  # type: ignore[no-untyped-def]
    server, admin = lienthong
    hub = make_hub(db_url, server.url)
    try:
        good = ingest(hub, ["g1", "g2"])
        poison = {spoil: write_poison(hub, f"p-{spoil}", spoil) for spoil in ("deep", "bc", "cccd")}
        good += ingest(hub, ["g3", "g4"])
        stats = asyncio.run(send_all(hub))
        # Every good event reached both connectors; the liên thông mock holds each.
        assert stats.succeeded == 2 * len(good) and stats.dead == 2 * len(poison), stats
        assert sorted(e for e, _ in hub.connectors["rec"].sent) == sorted(e.id for e in good)
        for event in good:
            record = admin.get(f"/_mock/records/{event.ma_ho_so}")
            assert record.status_code == 200 and record.json()["history"], event.ma_ho_so
        # Each poison job is dead with why, naming the column, and no personal data.
        expected = {
            "deep": "recursion limit",
            "bc": "occurred_at is outside the years",
            "cccd": "chu_ho_so.so_giay_to",
        }
        api = serve_app(create_api(hub, close_hub=False))
        with httpx.Client(base_url=api.url, timeout=30) as client:
            for spoil, event in poison.items():
                rows = hub.store.list_jobs(ma_ho_so=event.ma_ho_so)
                assert {r["connector"] for r in rows} == {"lienthong", "rec"}
                for row in rows:
                    assert row["state"] == "dead" and row["error_class"] == "unreadable_event"
                    reason = row["last_error_en"]
                    assert reason.startswith("the stored event cannot be read back: ")
                    assert row["last_error"].startswith("Không đọc lại được dữ liệu đã lưu")
                    assert expected[spoil] in reason, reason
                    for personal in (FULLWIDTH_CCCD, event.snapshot.chu_ho_so.so_giay_to):
                        assert personal not in reason
                    shown = client.get(f"/api/v1/jobs/{row['id']}")
                    assert shown.status_code == 200, shown.text
                    assert shown.json()["job"]["last_error_en"] == reason
                assert admin.get(f"/_mock/records/{event.ma_ho_so}").status_code == 404, (
                    "a poison event was sent"
                )
            # The province hears about each (sync_failed), with the reason.
            updates = client.get("/api/v1/updates", params={"limit": 100}).json()["items"]
            failed = [u for u in updates if u["kind"] == "sync_failed"]
            assert len(failed) == 2 * len(poison)
        api.stop()  # before the engine is disposed: no connection of it left checked out
    finally:
        hub.engine.dispose()


def wait_for(check: Any, what: str, seconds: float = 30.0) -> Any:
    """Poll until ``check()`` is truthy (no timing is asserted: the limit only ends a hang)."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def test_a_worker_stopped_by_the_store_fails_health_and_is_started_again(
    db_url, lienthong, serve_app, capsys
) -> None:  # type: ignore[no-untyped-def]
    server, admin = lienthong
    hub = make_hub(db_url, server.url)
    try:
        app = serve_app(create_api(hub, run_worker=True))
        with httpx.Client(base_url=app.url, timeout=30) as client:
            wait_for(lambda: client.get("/api/v1/health").status_code == 200, "healthy")
            # The outbox disappears under the worker: not one job's fault.
            with hub.engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE jobs RENAME TO jobs_away"))
            down = wait_for(
                lambda: (r := client.get("/api/v1/health")).status_code == 503 and r,
                "health failing",
            )
            worker = down.json()["worker"]
            assert worker["state"] in ("failed", "restarting") and worker["failures"] >= 1
            assert "jobs" in worker["last_error"]
            metrics = client.get("/metrics").text
            failures = [
                line
                for line in metrics.splitlines()
                if line.startswith("tthc_hub_worker_failures_total ")
            ]
            assert failures and float(failures[0].split()[1]) >= 1, metrics
            assert "tthc_hub_worker_up 0.0" in metrics
            with hub.engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE jobs_away RENAME TO jobs"))
            wait_for(lambda: client.get("/api/v1/health").status_code == 200, "running again")
            # ...and it delivers again.
            event = sample_lifecycle("after")[0]
            body = event.model_dump(mode="json", exclude={"sequence"})
            posted = client.post("/api/v1/events", content=json.dumps(body).encode())
            assert posted.status_code == 202, posted.text
            wait_for(
                lambda: admin.get(f"/_mock/records/{event.ma_ho_so}").status_code == 200,
                "delivered after the restart",
            )
        app.stop()  # the app closes the hub (and its engine) as it stops
        logged = capsys.readouterr()
        assert "worker_crashed" in logged.out + logged.err
    finally:
        hub.engine.dispose()
