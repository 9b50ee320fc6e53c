"""PostgreSQL without autovacuum (issue #21): every claim and every outcome rewrites a
job's row, and with nothing vacuuming ``jobs`` a 100,000-job drain left 200,000 dead
rows and ran its last tenth at 0.81-0.84 of the first. The worker's round trips tell a
guard how many rows they rewrote; past autovacuum's rule the hub vacuums the hot tables
itself, in the background, one process at a time."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from hub.service import Hub
from hub.store.maintenance import VACUUM_FRACTION, VACUUM_MIN_ROWS

from .test_statistics_guard import ingest, received, shut, two_connector_hub


def dead_rows(hub: Hub) -> tuple[int, int, Any]:
    """``jobs``: live rows, dead rows, last vacuum (PostgreSQL's statistics)."""
    with hub.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT n_live_tup, n_dead_tup, last_vacuum FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = 'jobs'"
        ).one()
    return int(row[0]), int(row[1]), row[2]


def until(check: Any, seconds: float = 20.0) -> None:
    """The statistics reach the view when a backend reports them (within about a second
    of its last transaction): wait for them, a bounded while."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {check.__doc__ or check}")
        time.sleep(0.2)


class Counting:
    def __init__(self) -> None:
        self.rows = 0

    def written(self, rows: int) -> None:
        self.rows += rows

    def close(self) -> None:
        pass


@pytest.mark.postgres
def test_the_worker_reports_its_rewrites_and_the_dead_rows_are_vacuumed(pg_url: str) -> None:
    hub = two_connector_hub(pg_url)  # autovacuum off on the hot tables
    guard = hub.store.vacuum_guard
    assert guard is not None
    counting = Counting()
    hub.store.vacuum_guard = counting  # type: ignore[assignment]
    try:
        ingest(hub, received(1000))  # 2,000 jobs
        stats = asyncio.run(hub.worker.run_until_idle())
        assert stats.succeeded == 2000
        # Each job's row written at least twice: claimed, then its outcome.
        assert counting.rows >= 4000

        def dead_past_the_rule() -> bool:
            live, dead, _ = dead_rows(hub)
            return dead > VACUUM_MIN_ROWS + VACUUM_FRACTION * live

        until(dead_past_the_rule)
        # Another process of the hub is vacuuming: this one leaves it.
        with hub.engine.connect() as other:
            other.exec_driver_sql(
                "SELECT pg_advisory_lock(%s::int, hashtext(current_schema()))", (0x74_68_76,)
            )
            assert hub.store.vacuum_dead_rows(interval=0) == []
            other.exec_driver_sql(
                "SELECT pg_advisory_unlock(%s::int, hashtext(current_schema()))", (0x74_68_76,)
            )
            other.commit()
        # A VACUUM already running on jobs (autovacuum's, say): left to it, after 1 s.
        with hub.engine.begin() as other:
            other.exec_driver_sql("LOCK TABLE jobs IN SHARE UPDATE EXCLUSIVE MODE")
            assert "jobs" not in hub.store.vacuum_dead_rows(interval=0)
        with hub.engine.connect() as conn:  # the pooled session's timeout was reset
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        assert "jobs" in hub.store.vacuum_dead_rows(interval=0)
        until(lambda: dead_rows(hub)[1] <= VACUUM_MIN_ROWS)
        assert dead_rows(hub)[2] is not None
        # Just vacuumed: not again within the interval, however many dead rows come.
        assert hub.store.vacuum_dead_rows() == []
    finally:
        shut(hub, guard)


@pytest.mark.postgres
def test_the_guard_vacuums_in_the_background_after_enough_rewrites(pg_url: str) -> None:
    hub = two_connector_hub(pg_url)
    guard = hub.store.vacuum_guard
    assert guard is not None
    guard.rows = 500  # a smaller drain than a real one needs
    guard.interval = 0.0
    try:
        ingest(hub, received(1000))
        asyncio.run(hub.worker.run_until_idle())

        # The statistics of the last rewrites reach the view within a second or so; the
        # guard checks again after its next report, as a running worker keeps making.
        def vacuumed() -> bool:
            guard.written(guard.rows)
            guard.wait()
            return dead_rows(hub)[2] is not None

        until(vacuumed)
    finally:
        shut(hub)


def test_sqlite_has_no_vacuum_guard(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hub.settings import HubSettings

    hub = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}"), connectors={})
    try:
        assert hub.store.vacuum_guard is None
        assert hub.store.vacuum_dead_rows() == []
    finally:
        hub.engine.dispose()
