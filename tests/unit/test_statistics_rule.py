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
