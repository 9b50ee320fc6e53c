"""PostgreSQL without autovacuum (issue #21): after a large import into tables never
analyzed, the planner sorted every due job on each claim instead of walking
``ix_jobs_due``. The hub analyzes the hot tables itself after large ingests (off the
request path, one process at a time); the plans are checked with EXPLAIN, not timed."""

from __future__ import annotations

import random
from functools import cache

import pytest

from hub.models import DossierEvent, EventType, Status
from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.store.maintenance import HOT_TABLES
from hub.testing.samples import sample_dossier, sample_event

from .recording import RecordingConnector


@cache
def received(n: int) -> list[DossierEvent]:
    """``n`` "received" events of distinct dossiers (at most 9,999: the NNNN of a mã)."""
    return [
        sample_event(
            sample_dossier(random.Random(f"stats:{i}"), status=Status.DUOC_TIEP_NHAN, seq=i + 1),
            EventType.RECEIVED,
            seq=1,
        )
        for i in range(n)
    ]


def two_connector_hub(url: str) -> Hub:
    """Each event makes two jobs: the import grows ``jobs`` twice as fast as events."""
    routes = [RouteRule(connector=name, ma_tthc=[]) for name in ("rec", "rec2")]
    connectors = {name: RecordingConnector(name) for name in ("rec", "rec2")}
    hub = Hub(HubSettings(database_url=url, routes=routes), connectors=connectors)
    with hub.store.begin() as conn:  # as on a server with autovacuum off
        for table in HOT_TABLES:
            conn.exec_driver_sql(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    return hub


def shut(hub: Hub, *set_aside: object) -> None:
    """Stop the hub's guards, and any a test set aside, as ``Hub.aclose`` does (each
    waits for a check it is running, whose connection goes back to the pool), then the
    engine."""
    for guard in (hub.store.statistics_guard, hub.store.vacuum_guard, *set_aside):
        close = getattr(guard, "close", None)
        if close is not None:
            close()
    hub.engine.dispose()


def ingest(hub: Hub, events: list[DossierEvent]) -> None:
    for start in range(0, len(events), 1000):
        hub.store.ingest(events[start : start + 1000], hub.router.targets)


@pytest.mark.postgres
def test_claim_walks_ix_jobs_due_after_a_large_import(pg_url: str) -> None:
    hub = two_connector_hub(pg_url)
    events = received(9000)
    try:
        guard = hub.store.statistics_guard
        assert guard is not None
        # Without the guard: 16,000 jobs the planner has no statistics of. The claim's
        # plan sorts every due job (the fault this guards against).
        hub.store.statistics_guard = None
        ingest(hub, events[:8000])
        stale = "\n".join(hub.store.claim_plan(limit=100))
        assert "Sort" in stale, stale
        # With it: the next ingest has the hot tables analyzed, in the background.
        hub.store.statistics_guard = guard
        ingest(hub, events[8000:])
        guard.wait()
        plan = "\n".join(hub.store.claim_plan(limit=100))
        assert "Index Scan using ix_jobs_due on jobs j" in plan, plan
        assert "Sort" not in plan, plan
        only = "\n".join(hub.store.claim_plan(limit=100, connectors=["rec2"]))
        assert "Index Scan using ix_jobs_due on jobs j" in only and "Sort" not in only, only
    finally:
        shut(hub)


@pytest.mark.postgres
def test_one_process_analyzes_at_a_time_and_not_again_within_the_interval(
    pg_url: str,
) -> None:
    hub = two_connector_hub(pg_url)
    hub.store.statistics_guard = None  # this test calls the check itself
    try:
        ingest(hub, received(500))
        # Another process of the hub (here: another connection) is analyzing.
        with hub.engine.begin() as other:
            other.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%s::int, hashtext(current_schema()))",
                (0x74_68_61,),
            )
            assert hub.store.refresh_statistics() == []
        assert hub.store.refresh_statistics() == ["dossiers", "events", "jobs"]
        # Just analyzed: not again within the interval, however stale.
        ingest(hub, received(1500)[500:])
        assert hub.store.refresh_statistics() == []
        assert hub.store.refresh_statistics(interval=0) == ["dossiers", "events", "jobs"]
    finally:
        shut(hub)


def test_sqlite_has_no_guard_and_its_claim_names_its_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hub = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}"), connectors={})
    try:
        assert hub.store.statistics_guard is None
        assert hub.store.refresh_statistics() == []
        assert any("ix_jobs_due" in line for line in hub.store.claim_plan(limit=10))
    finally:
        hub.engine.dispose()
