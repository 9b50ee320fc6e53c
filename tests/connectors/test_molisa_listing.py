"""The listing's page mapping (connectors.molisa.listing) gives, row for row, what
``mapping.from_dong_ho_so`` gives: the same line, or the same error."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.molisa import mapping
from connectors.molisa.listing import ListingRows

GOOD = {
    "MaHoSo": "000.00.22.H34-251125-0001",
    "MaTTHC": "2.000123",
    "StatusId": "10",
    "NgayCapNhat": "25/11/2025 10:00:59",
    "SoQuyetDinh": "12/QĐ-UBND",
    "Sha256KetQua": "a" * 64,
}
MAP = {"1.001776": "2.000123", "9.999999": "2.000123", "1.001731": "2.000456"}

#: Rows the fast path reads, and rows it must hand to from_dong_ho_so (odd spellings
#: that still parse, and errors).
ROWS: list[dict[str, Any]] = [
    GOOD,
    {**GOOD, "MaTTHC": "2.000456", "StatusId": 4},
    {**GOOD, "MaTTHC": "", "SoQuyetDinh": "", "Sha256KetQua": None},
    {**GOOD, "MaTTHC": "1.001776"},  # a code the map does not know the ministry by
    {"MaHoSo": "X-1", "StatusId": "1"},  # no time, no procedure
    {**GOOD, "NgayCapNhat": ""},
    {**GOOD, "StatusId": "04"},  # int() reads it; the lookup does not
    {**GOOD, "StatusId": 4.0},
    {**GOOD, "NgayCapNhat": "29/02/2024 23:59:00"},
    {**GOOD, "NgayCapNhat": "٢٥/11/2025 10:00:00"},  # Arabic-Indic digits: the regex's \d
    {**GOOD, "NgayCapNhat": "1/1/2025 10:00:00"},  # strptime's spelling
]
BAD: list[dict[str, Any]] = [
    {**GOOD, "MaHoSo": ""},
    {k: v for k, v in GOOD.items() if k != "MaHoSo"},
    {**GOOD, "StatusId": "42"},
    {**GOOD, "StatusId": None},
    {**GOOD, "StatusId": ["1"]},
    {**GOOD, "NgayCapNhat": "31/02/2025 10:00:00"},
    {**GOOD, "NgayCapNhat": "2025-11-25T10:00:00"},
    {**GOOD, "NgayCapNhat": "25/11/2025 10:00:0x"},
    {**GOOD, "NgayCapNhat": 20251125},
]


@pytest.mark.parametrize("ma_tthc_map", [{}, MAP])
def test_a_page_maps_as_from_dong_ho_so_does(ma_tthc_map: dict[str, str]) -> None:
    got = ListingRows(ma_tthc_map).page(ROWS)
    want = [mapping.from_dong_ho_so(r, ma_tthc_map=ma_tthc_map) for r in ROWS]
    assert got == want
    # The same values, not just equal instants: the tz is the connector's own.
    assert [r.updated_at.tzinfo if r.updated_at else None for r in got] == [
        r.updated_at.tzinfo if r.updated_at else None for r in want
    ]
    assert [type(r.trang_thai) for r in got] == [type(r.trang_thai) for r in want]


def test_the_first_local_code_wins_as_in_the_search() -> None:
    (line,) = ListingRows(MAP).page([GOOD])
    assert line.ma_tthc == "1.001776"


@pytest.mark.parametrize("row", BAD, ids=range(len(BAD)))
def test_a_bad_row_raises_what_from_dong_ho_so_raises(row: dict[str, Any]) -> None:
    with pytest.raises(Exception) as want:
        mapping.from_dong_ho_so(row)
    with pytest.raises(type(want.value)) as got:
        ListingRows().page([GOOD, row])
    assert str(got.value) == str(want.value)
