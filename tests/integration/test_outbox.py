"""The outbox mechanics on SQLite and PostgreSQL: ingest, claim order, leases, retries, dead."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.errors import IngestError
from hub.models import EventType, Status
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.store.store import utcnow
from hub.store.tables import attempts, dossiers, events, jobs
from hub.testing.samples import sample_batch, sample_lifecycle

from .recording import RecordingConnector, permanent, transient


@pytest.fixture
def make_hub(build_hub, db_url: str):  # type: ignore[no-untyped-def]
    """``make_hub(*connector_names, max_attempts=5)``: hubs on the test database (the
    shared ``build_hub``) with a recording connector per name."""

    def _make(*names: str, max_attempts: int = 5) -> Hub:
        names = names or ("rec",)
        settings = _settings(db_url, names, max_attempts)
        hub: Hub = build_hub(settings, connectors={n: RecordingConnector(n) for n in names})
        return hub

    return _make


def _settings(db_url: str, names: tuple[str, ...], max_attempts: int) -> HubSettings:
    settings = HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            concurrency=4,
            poll_seconds=0.01,
            lease_seconds=30,
            retry=RetrySettings(
                initial_seconds=0.01,
                max_seconds=0.05,
                jitter_seconds=0.0,
                max_attempts=max_attempts,
            ),
        ),
        routes=[RouteRule(connector=n, ma_tthc=["1.001776", "1.001731"]) for n in names],
    )
    return settings


def count(hub: Hub, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with hub.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(table).where(*where)
        ).scalar_one()


def test_ingest_writes_mirror_event_and_one_job_per_route(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub("rec", "other")
    lifecycle = sample_lifecycle(1)
    outcomes = hub.store.ingest(lifecycle, hub.router.targets)
    assert [o.sequence for o in outcomes] == [1, 2, 3, 4]
    assert all(o.connectors == ("rec", "other") for o in outcomes)
    assert count(hub, events) == 4
    assert count(hub, jobs) == 8
    mirror = hub.store.get_dossier(lifecycle[0].ma_ho_so)
    assert mirror is not None and mirror["trang_thai"] == Status.DA_TRA_KET_QUA
    assert mirror["last_sequence"] == 4


def test_replayed_event_is_accepted_once(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    lifecycle = sample_lifecycle(2)
    hub.store.ingest(lifecycle[:2], hub.router.targets)
    again = hub.store.ingest(lifecycle[:3], hub.router.targets)
    assert [o.duplicate for o in again] == [True, True, False]
    assert again[2].sequence == 3
    assert count(hub, jobs) == 3


def test_forbidden_transition_rejects_the_whole_batch(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    lifecycle = sample_lifecycle(3)
    hub.store.ingest(lifecycle, hub.router.targets)  # ends at 10, Đã trả kết quả
    other = sample_lifecycle(4)
    back = lifecycle[1].model_copy(update={"id": "late-progress"})  # 10 -> 4 is not allowed
    with pytest.raises(IngestError) as info:
        hub.store.ingest([other[0], back], hub.router.targets)
    assert info.value.code == "invalid_transition"
    assert info.value.loc == "events[1].snapshot.trang_thai"
    # Nothing of the refused batch was kept; what was accepted before is intact.
    assert hub.store.get_dossier(other[0].ma_ho_so) is None
    assert count(hub, events) == 4
    assert hub.store.get_dossier(lifecycle[0].ma_ho_so)["trang_thai"] == 10


def test_claim_takes_only_the_head_of_each_dossier_chain(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    for lifecycle in sample_batch(3, seed="claim"):
        hub.store.ingest(lifecycle, hub.router.targets)
    first = hub.store.claim("w1", 100, 30)
    assert sorted(j.sequence for j in first) == [1, 1, 1]
    # Another worker finds nothing: every head is leased, later jobs wait for them.
    assert hub.store.claim("w2", 100, 30) == []


def test_expired_lease_is_reclaimed_and_the_old_worker_cannot_finish(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    hub.store.ingest(sample_lifecycle(5)[:1], hub.router.targets)
    [job] = hub.store.claim("dead-worker", 10, lease_seconds=30)
    later = utcnow() + timedelta(seconds=31)
    [again] = hub.store.claim("w2", 10, lease_seconds=30, now=later)
    assert again.id == job.id and again.attempts == 2
    attempt = {"started_at": later, "duration_ms": 1.0, "outcome": "ok"}
    from hub.store.tables import JobState

    assert not hub.store.finish_job(job, "dead-worker", state=JobState.SUCCEEDED, attempt=attempt)
    assert hub.store.finish_job(again, "w2", state=JobState.SUCCEEDED, attempt=attempt)
    assert count(hub, attempts) == 1


def test_worker_delivers_in_order_with_retries(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    rec: RecordingConnector = hub.connectors["rec"]  # type: ignore[assignment]
    batch = sample_batch(5, seed="order")
    rec.script[batch[0][0].id] = [transient(), transient("timeout")]
    rec.script[batch[1][2].id] = [transient()]
    for lifecycle in batch:
        hub.store.ingest(lifecycle, hub.router.targets)
    stats = asyncio.run(hub.worker.run_until_idle(timeout=60))
    assert stats.succeeded == 20 and stats.retried == 3 and stats.dead == 0
    for lifecycle in batch:
        sent = [s for s in rec.sent if s[0].startswith(f"evt-{lifecycle[0].ma_ho_so}")]
        assert [seq for _id, seq in sent] == [1, 2, 3, 4]
    assert count(hub, jobs, jobs.c.state == "succeeded") == 20
    assert count(hub, attempts, attempts.c.outcome == "transient") == 3


def test_permanent_error_is_dead_and_holds_back_its_dossier(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub()
    rec: RecordingConnector = hub.connectors["rec"]  # type: ignore[assignment]
    bad, good = sample_batch(2, seed="dead")
    rec.script[bad[1].id] = [permanent()]
    hub.store.ingest(bad + good, hub.router.targets)
    stats = asyncio.run(hub.worker.run_until_idle(timeout=60))
    assert stats.dead == 1 and stats.succeeded == 5
    rows = hub.store.list_jobs(ma_ho_so=bad[0].ma_ho_so)
    states = {r["sequence"]: r["state"] for r in rows}
    assert states == {1: "succeeded", 2: "dead", 3: "pending", 4: "pending"}
    dead = next(r for r in rows if r["state"] == "dead")
    assert "field X is invalid" in dead["last_error"] and dead["error_class"] == "rejected"


def test_retries_exhausted_go_dead_with_the_reason(make_hub) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(max_attempts=3)
    rec: RecordingConnector = hub.connectors["rec"]  # type: ignore[assignment]
    [event] = sample_lifecycle(7)[:1]
    rec.script[event.id] = [transient() for _ in range(5)]
    hub.store.ingest([event], hub.router.targets)
    stats = asyncio.run(hub.worker.run_until_idle(timeout=60))
    assert stats.dead == 1 and stats.retried == 2
    [row] = hub.store.list_jobs()
    assert row["state"] == "dead" and row["attempts"] == 3
    assert row["last_error_en"].startswith("gave up after 3 attempts")
    assert row["last_error"].startswith("Đã gửi 3 lần")


def test_created_event_of_a_ministry_dossier_is_not_echoed(make_hub) -> None:  # type: ignore[no-untyped-def]
    from hub.models import Origin

    hub = make_hub("rec")
    event = sample_lifecycle(8)[0]
    snapshot = event.snapshot.model_copy(
        update={
            "origin": Origin.MINISTRY,
            "origin_system": "rec",
            "trang_thai": Status.MOI_DANG_KY,
            "ngay_tiep_nhan": None,
            "ngay_hen_tra": None,
        }
    )
    created = event.model_copy(update={"type": EventType.CREATED, "snapshot": snapshot})
    [outcome] = hub.store.ingest([created], hub.router.targets)
    assert outcome.connectors == ()
    assert count(hub, dossiers) == 1
