"""What counts as a difference, and the repair event ids (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.reconcile import _Side, classify
from hub.reconcile_repair import repair_event_id
from mocks.molisa.state import BULK_STATUSES, BulkSet, bulk_row

T = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def side(status: int = 4, so: str | None = None, sha: str | None = None, at: datetime = T) -> _Side:
    return _Side("M-1", "1.001776", status, at, so, sha)


@pytest.mark.parametrize(
    ("province", "remote", "kind"),
    [
        (side(), side(), None),  # identical
        (side(4), side(2), "status_mismatch"),
        (side(10, "1/QĐ", "a"), side(10, "2/QĐ", "a"), "result_mismatch"),  # another số
        (side(10, "1/QĐ", "a"), side(10, "1/QĐ", "b"), "result_mismatch"),  # another file
        (side(10, "1/QĐ", "a"), side(10, "1/QĐ", None), "result_mismatch"),  # file missing
        (side(10, None, None), side(10, "", ""), None),  # empty means none on both sides
        (side(at=T), side(at=T - timedelta(hours=25)), "stale"),
        (side(at=T), side(at=T - timedelta(hours=23)), None),  # within the tolerance
        (side(at=T - timedelta(days=3)), side(at=T), None),  # the ministry ahead is fine
        (side(4, at=T), side(2, at=T - timedelta(days=3)), "status_mismatch"),  # status first
    ],
    ids=[
        "same",
        "status",
        "result-number",
        "result-hash",
        "result-missing",
        "empty-is-none",
        "stale",
        "within-tolerance",
        "ministry-ahead",
        "status-before-stale",
    ],
)
def test_classify(province: _Side, remote: _Side, kind: str | None) -> None:
    assert classify(province, remote, timedelta(hours=24)) == kind


def test_repair_event_id_is_stable_and_fits() -> None:
    assert repair_event_id("evt-1", 7) == "evt-1:repair:7"
    long = repair_event_id("x" * 99, 12)
    assert len(long) <= 100 and long.endswith(":repair:12")
    assert long == repair_event_id("x" * 99, 12)


def test_bulk_set_pages_skip_removed_records() -> None:
    bulk = BulkSet(10, "B-", datetime(2026, 11, 20, 9, 0), ("1.001776",))
    assert bulk.take("B-0000003") is not None
    assert bulk.take("B-0000003") is None  # gone already
    assert bulk.take("B-0000000") is not None
    assert bulk.count() == 8
    codes = [r["MaHoSo"] for page in range(3) for r in bulk.rows(page * 3, 3)]
    assert codes == [f"B-{i:07d}" for i in (1, 2, 4, 5, 6, 7, 8, 9)]


def test_bulk_set_rows_are_the_bulk_records_listing_rows() -> None:
    """The mock's pages are built without a BulkRow each: field for field what
    ``bulk_row(i).listing()`` says (the bench's mirror is built from bulk_row)."""
    when = datetime(2026, 11, 20, 9, 0)
    bulk = BulkSet(40, "B-", when, ("1.001776", "1.001731"))
    assert bulk.take("B-0000011") is not None
    got = bulk.rows(5, 30)
    want = [bulk_row(i, "B-", when, ("1.001776", "1.001731")).listing() for i in range(5, 36)]
    assert got == [row for row in want if row["MaHoSo"] != "B-0000011"]
    assert {row["StatusId"] for row in got} == set(BULK_STATUSES)
    assert any(row["Sha256KetQua"] for row in got) and any(not row["SoQuyetDinh"] for row in got)
