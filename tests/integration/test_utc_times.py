"""Times are stored in UTC on SQLite and PostgreSQL (issue #23): an event at 08:27+07:00
is read back as the same instant, and liên thông is told 08:27 (Vietnam time), over
loopback to its mock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa

from hub.api import create_app as create_api
from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.store.tables import events
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_lifecycle
from mocks.lienthong.app import create_app as create_lienthong

PASSWORD = "utc-key"
AT = "2024-05-01T08:27:00+07:00"
INSTANT = datetime(2024, 5, 1, 1, 27, tzinfo=UTC)


@pytest.fixture
def lienthong(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_lienthong(MockConfig(accept_key=PASSWORD)))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


def test_event_time_is_the_same_instant_and_pushed_in_vietnam_time(
    db_url, lienthong, serve_app
) -> None:  # type: ignore[no-untyped-def]
    server, admin = lienthong
    event = sample_lifecycle("utc")[0]
    body = event.model_dump(mode="json", exclude={"sequence"}) | {"occurred_at": AT}
    section = {"base_url": server.url, "user_name": "tinh", "password": PASSWORD}
    settings = HubSettings(
        database_url=db_url,
        connectors={"lienthong": section},
        routes=[RouteRule(connector="lienthong", ma_tthc=[event.snapshot.ma_tthc])],
    )
    hub = Hub(settings)
    try:
        api = serve_app(create_api(hub, close_hub=False))
        with httpx.Client(base_url=api.url, timeout=30) as client:
            posted = client.post("/api/v1/events", content=json.dumps(body).encode())
            assert posted.status_code == 202, posted.text
            assert posted.json()["accepted"][0]["connectors"] == ["lienthong"]
            # What the database holds: UTC, whatever the offset the province sent.
            with hub.engine.connect() as conn:
                stored = conn.execute(
                    sa.select(events.c.occurred_at).where(events.c.id == event.id)
                ).scalar_one()
                raw = conn.execute(
                    sa.select(sa.cast(events.c.occurred_at, sa.Text)).where(
                        events.c.id == event.id
                    )
                ).scalar_one()
            assert stored == INSTANT and stored.utcoffset() is not None
            assert raw.startswith("2024-05-01 01:27:00"), raw
            # What the worker reads back, and what the operator API shows.
            assert hub.store.load_events([event.id])[event.id].occurred_at == INSTANT
            job_id = client.get("/api/v1/jobs").json()["items"][0]["id"]
            shown = client.get(f"/api/v1/jobs/{job_id}").json()["event"]["occurred_at"]
            assert datetime.fromisoformat(shown) == INSTANT
        api.stop()  # before the engine is disposed: no connection of it left checked out
        stats = asyncio.run(send_all(hub))
        assert stats.succeeded == 1, stats
        pushed = admin.get(f"/_mock/records/{event.ma_ho_so}").json()["history"][-1]
        assert pushed["thoiGianThucHien"] == "20240501082700"
    finally:
        hub.engine.dispose()


async def send_all(hub: Hub):  # type: ignore[no-untyped-def]
    """The worker until idle, its connectors closed in the same loop."""
    try:
        return await hub.worker.run_until_idle(timeout=60)
    finally:
        await hub.aclose()
