"""An idle worker wakes when jobs arrive, not at its next poll (issue #21).

Every worker here polls once a minute (``worker.poll_seconds = 60``): a job delivered
within half of that was delivered because the worker was woken. In ``serve`` (the API
and the worker in one process) the ingest path wakes it in-process; a worker in a
process of its own, on PostgreSQL, wakes on LISTEN/NOTIFY. The waits are generous (the
assertion is "before the poll would have found it", not a time)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hub.service import Hub
from hub.settings import HubSettings, RouteRule, WorkerSettings
from hub.store.notify import CHANNEL
from hub.store.tables import jobs
from hub.testing.samples import sample_batch

from .recording import RecordingConnector

POLL = 60.0
WITHIN = POLL / 2  # a delivery before this was a wake-up, not a poll


def settings(url: str) -> HubSettings:
    return HubSettings(
        database_url=url,
        worker=WorkerSettings(poll_seconds=POLL),
        routes=[RouteRule(connector="rec", ma_tthc=["1.001776", "1.001731"])],
    )


def events(n: int, seed: str) -> list[Any]:
    return [lifecycle[0] for lifecycle in sample_batch(n, seed=seed)]


def wait_until(check: Callable[[], bool], within: float = WITHIN) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def succeeded(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(jobs.c.state == "succeeded")
        return int(conn.execute(query).scalar_one())


def test_serve_wakes_its_idle_worker_on_ingest(build_hub, db_url: str, hub_api) -> None:  # type: ignore[no-untyped-def]
    hub = build_hub(settings(db_url), connectors={"rec": RecordingConnector("rec")})
    api = hub_api(hub, run_worker=True)
    assert wait_until(lambda: api.get("/api/v1/health").status_code == 200)
    time.sleep(0.5)  # its first round trip found nothing: it now waits up to a minute
    for n, event in enumerate(events(3, "wake-serve"), start=1):
        body = event.model_dump(mode="json", exclude={"sequence"})
        assert api.post("/api/v1/events", json=body).status_code == 202
        assert wait_until(lambda n=n: succeeded(hub) == n), "the worker was not woken"


@pytest.fixture
def worker_thread() -> Iterator[Callable[[Hub], None]]:
    """Run a hub's worker in a thread of its own (its own event loop), as another
    process would; stopped after the test."""
    running: list[tuple[threading.Thread, asyncio.AbstractEventLoop, asyncio.Event]] = []

    def _start(hub: Hub) -> None:
        ready = threading.Event()
        box: dict[str, Any] = {}

        async def main() -> None:
            box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
            ready.set()
            try:
                await hub.worker.run(box["stop"])
            finally:
                await hub.aclose()

        thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        thread.start()
        ready.wait(10)
        running.append((thread, box["loop"], box["stop"]))

    yield _start
    for thread, loop, stop in running:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


@pytest.mark.postgres
def test_a_worker_process_wakes_on_notify(build_hub, pg_url: str, worker_thread) -> None:  # type: ignore[no-untyped-def]
    worker_hub = build_hub(settings(pg_url), connectors={"rec": RecordingConnector("rec")})
    ingest_hub = build_hub(settings(pg_url), connectors={"rec": RecordingConnector("rec")})
    worker_thread(worker_hub)
    app = f"tthc-hub listener {worker_hub.worker.worker_id}"[:63]

    def listening() -> bool:
        with ingest_hub.engine.connect() as conn:
            query = sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app "
                "AND query = :listen"
            )
            found = conn.execute(query, {"app": app, "listen": f"LISTEN {CHANNEL}"})
            return bool(found.scalar_one())

    assert wait_until(listening), "the worker does not LISTEN"
    time.sleep(0.5)  # the wake-up of starting to listen is spent: it waits up to a minute
    for n, event in enumerate(events(3, "wake-notify"), start=1):
        # Another hub (another process's engine) ingests: nothing in the worker's
        # process knows, only PostgreSQL's notification at commit.
        ingest_hub.store.ingest([event], ingest_hub.router.targets)
        assert wait_until(lambda n=n: succeeded(ingest_hub) == n), "NOTIFY did not wake it"


@pytest.mark.postgres
def test_no_notification_from_a_transaction_rolled_back(build_hub, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    """NOTIFY is sent at commit: a refused batch (rolled back) wakes nobody."""
    import psycopg

    hub = build_hub(settings(pg_url), connectors={"rec": RecordingConnector("rec")})
    url = hub.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        with pytest.raises(RuntimeError), hub.store.begin() as conn:
            from hub.store.notify import notify_jobs

            notify_jobs(conn)
            raise RuntimeError("the batch is refused")
        assert list(listener.notifies(timeout=1.0)) == []
        hub.store.ingest(events(1, "notify-commit"), hub.router.targets)
        assert len(list(listener.notifies(timeout=WITHIN, stop_after=1))) == 1
