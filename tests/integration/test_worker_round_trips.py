"""How many store round trips the worker makes (SQLite and PostgreSQL).

A round trip that claimed less than it asked for found nothing more due: the worker
waits for a wake-up (new jobs, a call finishing, the poll) instead of claiming again at
once. At a low rate that saves an empty claim per job; on SQLite (where the round trip
runs in the loop) it also let the senders of the jobs just claimed start first.
A backlog larger than one claim still drains without waiting for the poll.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hub.service import Hub
from hub.settings import HubSettings, RouteRule, WorkerSettings
from hub.testing.samples import sample_batch

from .recording import RecordingConnector

#: Far longer than any test here may take: a worker that relied on its poll would hang.
POLL = 3600.0


def make_hub(build_hub: Any, db_url: str, **worker: Any) -> tuple[Hub, RecordingConnector]:
    rec = RecordingConnector("rec")
    settings = HubSettings(
        database_url=db_url,
        worker=WorkerSettings(poll_seconds=POLL, **worker),
        routes=[RouteRule(connector="rec", ma_tthc=["1.001776", "1.001731"])],
    )
    return build_hub(settings, connectors={"rec": rec}), rec


def first_events(n: int, seed: str) -> list[Any]:
    return [lifecycle[0] for lifecycle in sample_batch(n, seed=seed)]


def count_settles(hub: Hub) -> list[int]:
    """Wrap the store's round trip: returns a list that grows by one per call."""
    calls: list[int] = []
    settle = hub.store.settle

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return settle(*args, **kwargs)

    hub.store.settle = counted  # type: ignore[method-assign]
    return calls


async def until(check: Any) -> None:
    while not check():
        await asyncio.sleep(0.005)


def test_one_job_at_a_time_costs_two_round_trips(build_hub, db_url: str) -> None:  # type: ignore[no-untyped-def]
    hub, rec = make_hub(build_hub, db_url)
    calls = count_settles(hub)
    events = first_events(5, "trickle")

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.worker.run(stop))
        await until(lambda: len(calls) >= 1)  # the first round trip: nothing due yet
        await until(lambda: len(calls) >= 1 and not hub.worker._wake.is_set())
        for n, event in enumerate(events, start=1):
            before = len(calls)
            hub.store.ingest([event], hub.router.targets)
            hub.worker.notify()
            await until(lambda n=n: len(rec.sent) >= n)
            await until(lambda before=before: len(calls) >= before + 2)
            await asyncio.sleep(0.05)  # room for an extra round trip, if one were made
            # One claims the job, one writes its outcome; no empty claim after either.
            assert len(calls) - before == 2, f"event {n}: {len(calls) - before} round trips"
        stop.set()
        await asyncio.wait_for(task, 30)

    asyncio.run(asyncio.wait_for(scenario(), 120))
    assert [e for e, _ in rec.sent] == [e.id for e in events]


def test_a_backlog_larger_than_a_claim_drains_without_the_poll(build_hub, db_url: str) -> None:  # type: ignore[no-untyped-def]
    hub, rec = make_hub(build_hub, db_url, concurrency=2, prefetch=0, batch_size=2)
    events = first_events(30, "backlog")
    hub.store.ingest(events, hub.router.targets)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.worker.run(stop))
        await until(lambda: len(rec.sent) >= len(events))
        stop.set()
        await asyncio.wait_for(task, 30)

    # Every claim comes back full (2 of 2) until the last: each next one goes at once.
    asyncio.run(asyncio.wait_for(scenario(), 120))
    assert sorted(e for e, _ in rec.sent) == sorted(e.id for e in events)
    assert hub.store.job_counts() == {("rec", "succeeded"): len(events)}
