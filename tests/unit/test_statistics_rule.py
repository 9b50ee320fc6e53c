"""When the hub analyzes a hot table itself (hub.store.maintenance.needs_analyze)."""

from __future__ import annotations

import pytest

from hub.store.maintenance import needs_analyze


@pytest.mark.parametrize(
    ("reltuples", "relpages", "pages", "modified", "ago", "stale"),
    [
        (-1, 0, 1_539, 0, None, True),  # never analyzed, grown (its changes not counted yet)
        (-1, 0, 1, 100, None, False),  # never analyzed, still tiny
        (0, 0, 1_539, 100_000, None, True),  # analyzed empty, then a large import
        (100_000, 1_539, 1_560, 9_000, 3_600.0, False),  # a few per cent more: as autovacuum
        (100_000, 1_539, 1_560, 11_000, 3_600.0, True),  # over 10 % changed (updates too)
        (100_000, 1_539, 1_800, 0, 3_600.0, True),  # grown by 17 %, changes not counted yet
        (0, 0, 1_539, 100_000, 5.0, False),  # analyzed 5 s ago (by another process)
    ],
)
def test_stale_when_changed_or_grown_and_not_just_analyzed(
    reltuples: float, relpages: int, pages: int, modified: int, ago: float | None, stale: bool
) -> None:
    assert needs_analyze(reltuples, relpages, pages, modified, ago, interval=30.0) is stale


def test_guard_checks_after_enough_rows_once_per_interval_and_stops_when_closed() -> None:
    from hub.store.maintenance import StatisticsGuard

    calls: list[int] = []
    guard = StatisticsGuard(lambda: calls.append(1) or ["jobs"], rows=10, interval=3600.0)
    guard.written(9)
    guard.wait()
    assert calls == []  # not enough rows yet: no thread, no check
    guard.written(1)
    guard.wait()
    assert calls == [1]  # the first check runs at once
    guard.written(10)  # within the interval: the check waits for it...
    guard.close()  # ...and is dropped when the hub stops
    guard.wait()
    assert calls == [1]
    guard.written(100)
    guard.wait()
    assert calls == [1]


def test_a_failing_check_is_logged_and_the_next_writes_try_again() -> None:
    from hub.store.maintenance import StatisticsGuard

    outcomes: list[str] = []

    def check() -> list[str]:
        outcomes.append("tried")
        if len(outcomes) == 1:
            raise ConnectionError("database gone")
        return []

    guard = StatisticsGuard(check, rows=1, interval=0.0)
    guard.written(1)
    guard.wait()
    guard.written(1)
    guard.wait()
    assert outcomes == ["tried", "tried"]


def test_vacuum_when_dead_rows_pass_autovacuums_rule_and_not_just_vacuumed() -> None:
    from hub.store.maintenance import VACUUM_FRACTION, VACUUM_MIN_ROWS, needs_vacuum

    limit = VACUUM_MIN_ROWS + VACUUM_FRACTION * 10_000
    assert not needs_vacuum(10_000, int(limit), None, 10.0)
    assert needs_vacuum(10_000, int(limit) + 1, None, 10.0)  # never vacuumed
    assert needs_vacuum(10_000, 5_000, 60.0, 10.0)
    assert not needs_vacuum(10_000, 5_000, 3.0, 10.0)  # the hub or autovacuum just did
    assert needs_vacuum(0, VACUUM_MIN_ROWS + 1, None, 10.0)  # an emptied table
