"""The batched round trip of the worker (issue #9) on SQLite and PostgreSQL: outcomes
written together, jobs claimed ahead and handed back, batch ingest, reads without the
write lock."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.errors import TransientError
from hub.service import Hub
from hub.settings import CircuitSettings, HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.store.store import JobOutcome, utcnow
from hub.store.tables import JobState, attempts, jobs
from hub.testing.samples import sample_batch, sample_lifecycle

from .recording import RecordingConnector


@pytest.fixture
def make_hub(db_url: str):  # type: ignore[no-untyped-def]
    built: list[Hub] = []

    def _make(**worker: object) -> Hub:
        settings = HubSettings(
            database_url=db_url,
            worker=WorkerSettings(
                poll_seconds=0.01,
                lease_seconds=30,
                retry=RetrySettings(initial_seconds=30, jitter_seconds=0.0),
                **worker,
            ),
            routes=[RouteRule(connector="rec", ma_tthc=["1.001776", "1.001731"])],
        )
        hub = Hub(settings, connectors={"rec": RecordingConnector("rec")})
        built.append(hub)
        return hub

    yield _make
    for hub in built:
        hub.engine.dispose()


def job_rows(hub: Hub) -> list[sa.Row]:  # type: ignore[type-arg]
    with hub.engine.connect() as conn:
        return list(
            conn.execute(sa.select(jobs.c.id, jobs.c.state, jobs.c.attempts).order_by(jobs.c.id))
        )


def first_events(n: int, seed: str) -> list:  # type: ignore[type-arg]
    return [lifecycle[0] for lifecycle in sample_batch(n, seed=seed)]


def test_settle_writes_a_batch_and_skips_the_jobs_whose_lease_was_lost(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    hub.store.ingest(first_events(3, "settle"), hub.router.targets)
    claimed = hub.store.claim("w1", 10, lease_seconds=30)
    assert len(claimed) == 3
    # w1 stalls; its first lease expires and w2 takes that job over.
    later = utcnow() + timedelta(seconds=31)
    [taken] = hub.store.claim("w2", 1, lease_seconds=30, now=later)
    assert taken.id == claimed[0].id
    attempt = {"started_at": utcnow(), "duration_ms": 1.0, "outcome": "ok"}
    outcomes = [JobOutcome(job, JobState.SUCCEEDED, attempt, remote_id="R") for job in claimed]
    settled = hub.store.settle("w1", outcomes, claim=10, lease_seconds=30)
    assert settled.kept == [False, True, True]
    assert settled.claimed == []  # nothing else is due
    states = {r.id: r.state for r in job_rows(hub)}
    assert states == {
        claimed[0].id: "running",  # w2's now
        claimed[1].id: "succeeded",
        claimed[2].id: "succeeded",
    }
    with hub.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(attempts)).scalar_one() == 2


def test_jobs_claimed_ahead_go_back_unsent_when_the_worker_stops(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(concurrency=2, prefetch=6)
    connector: RecordingConnector = hub.connectors["rec"]  # type: ignore[assignment]
    connector.delay = 0.05
    hub.store.ingest(first_events(12, "stop"), hub.router.targets)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.worker.run(stop))
        while len(connector.sent) < 2:
            await asyncio.sleep(0.01)
        stop.set()
        await task
        await hub.aclose()

    asyncio.run(scenario())
    rows = job_rows(hub)
    sent = len(connector.sent)
    assert 2 <= sent < 12
    assert [r.state for r in rows].count("succeeded") == sent
    # Every other job is as it was before the claim: pending, no attempt counted.
    rest = [r for r in rows if r.state != "succeeded"]
    assert {(r.state, r.attempts) for r in rest} == {("pending", 0)}


def test_an_opening_circuit_hands_back_the_jobs_waiting_behind_the_failure(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(
        concurrency=1,
        prefetch=4,
        circuit=CircuitSettings(failure_threshold=1, open_seconds=60, max_open_seconds=60),
    )
    connector: RecordingConnector = hub.connectors["rec"]  # type: ignore[assignment]
    evts = first_events(5, "circuit")
    connector.script[evts[0].id] = [TransientError("down", system="rec", code="http_503")]
    hub.store.ingest(evts, hub.router.targets)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.worker.run(stop))
        deadline = time.monotonic() + 10
        while hub.worker.circuits["rec"].state != "open" and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # the release is written at the next round trip
        stop.set()
        await task
        await hub.aclose()

    asyncio.run(scenario())
    assert connector.sent == []  # nothing was called while the circuit was open
    rows = job_rows(hub)
    assert (rows[0].state, rows[0].attempts) == ("failed", 1)
    assert {(r.state, r.attempts) for r in rows[1:]} == {("pending", 0)}


def test_one_batch_can_carry_several_events_of_a_new_dossier_and_a_repeated_id(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    lifecycle = sample_lifecycle("batch")
    outcomes = hub.store.ingest(
        [lifecycle[0], lifecycle[1], lifecycle[1], lifecycle[2]], hub.router.targets
    )
    assert [(o.sequence, o.duplicate) for o in outcomes] == [
        (1, False),
        (2, False),
        (2, True),
        (3, False),
    ]
    mirror = hub.store.get_dossier(lifecycle[0].ma_ho_so)
    assert mirror is not None
    assert (mirror["last_sequence"], mirror["trang_thai"]) == (3, lifecycle[2].snapshot.trang_thai)
    assert len(job_rows(hub)) == 3
    # The next batch continues the same dossier's sequence from the mirror.
    [last] = hub.store.ingest([lifecycle[3]], hub.router.targets)
    assert last.sequence == 4


def test_a_reader_does_not_hold_up_a_writer(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    hub.store.ingest(first_events(1, "read"), hub.router.targets)
    finished = threading.Event()

    def write() -> None:
        hub.store.ingest(first_events(2, "read-later")[1:], hub.router.targets)
        finished.set()

    with hub.store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar_one() == 1
        writer = threading.Thread(target=write)
        writer.start()
        # With the write lock taken at every BEGIN, the writer would wait for this
        # transaction (the busy timeout is 30 s).
        assert finished.wait(5), "the ingest waited for a read-only transaction"
    writer.join()
    assert len(job_rows(hub)) == 2


def test_a_dossier_created_by_another_ingester_meanwhile_is_applied_on_top(
    make_hub, db_url
) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("postgresql"):
        pytest.skip("on SQLite the batch holds the write lock: no other ingester can interleave")
    hub, other = make_hub(), make_hub()
    lifecycle = sample_lifecycle("race")
    theirs = lifecycle[0].model_copy(update={"id": "race:theirs"})
    from hub.deadlines import snapshot_deadline

    interleaved: list[int] = []

    def deadline_for(dossier, at):  # type: ignore[no-untyped-def]
        # Called after this batch read the mirror and found no such dossier: another
        # ingester creates it and commits before this batch writes.
        if not interleaved:
            interleaved.append(other.store.ingest([theirs], other.router.targets)[0].sequence)
        return snapshot_deadline(dossier)

    [ours] = hub.store.ingest([lifecycle[1]], hub.router.targets, deadline_for=deadline_for)
    assert interleaved == [1]
    assert (ours.sequence, ours.duplicate) == (2, False)
    mirror = hub.store.get_dossier(lifecycle[0].ma_ho_so)
    assert mirror is not None
    assert (mirror["last_sequence"], mirror["trang_thai"]) == (2, lifecycle[1].snapshot.trang_thai)
    assert len(job_rows(hub)) == 2
