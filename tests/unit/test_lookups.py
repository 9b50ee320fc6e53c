"""The look-up declarations and validators (hub.lookups) and the service's cache
(hub.lookup_service), without a ministry: a connector class of the test's own."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field, ValidationError

from hub.connector import Capability
from hub.errors import TransientError
from hub.lookup_service import LookupService, cache_key
from hub.lookups import (
    DateRangeParams,
    LookupInvalid,
    LookupPage,
    LookupParams,
    LookupRow,
    LookupSettings,
    MaSoThue,
    Query,
    check_mst,
    mst_check_digit,
    parse_params,
)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("0100109106", "0100109106"),  # Viettel
        ("0300588569", "0300588569"),  # Vinamilk
        (" 0100109106-001 ", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
    ],
)
def test_valid_tax_codes(raw: str, normal: str) -> None:
    assert check_mst(raw) == normal


def test_a_nine_digit_start_without_a_check_digit() -> None:
    starts = [f"{n:09d}" for n in range(100_000_000, 100_000_200)]
    none = [s for s in starts if mst_check_digit(s) is None]
    assert none, "some nine-digit starts have no valid check digit (10 - sum mod 11 = 10)"
    with pytest.raises(ValueError, match="check digit"):
        check_mst(none[0] + "0")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("0100109107", "mst_check_digit"),
        ("010010910", "mst_format"),
        ("0100109106-01", "mst_format"),
        ("0100109106-000", "mst_branch"),
        ("01001O9106", "mst_format"),
        ("０100109106", "mst_format"),  # a fullwidth digit
    ],
)
def test_invalid_tax_codes(raw: str, kind: str) -> None:
    class P(BaseModel):
        mst: MaSoThue

    with pytest.raises(ValidationError) as caught:
        P(mst=raw)
    assert caught.value.errors()[0]["type"] == kind


class Range(DateRangeParams):
    max_span_days: ClassVar[int] = 31


class Row(LookupRow):
    ma: str = Field(title="Mã")


QUERY = Query("q", "Tra cứu", "Look up", params=Range, result=Row, paged=True)


def test_date_range_errors_name_the_parameter() -> None:
    with pytest.raises(LookupInvalid) as order:
        parse_params(QUERY, {"tu_ngay": "2025-09-02", "den_ngay": "2025-09-01"})
    assert order.value.loc == "query.den_ngay" and order.value.code == "date_range_order"
    assert "tham số den_ngay" in order.value.reason_vi
    with pytest.raises(LookupInvalid) as span:
        parse_params(QUERY, {"tu_ngay": "2025-09-01", "den_ngay": "2025-10-02"})
    assert span.value.code == "date_range_span" and "31" in str(span.value)
    ok = parse_params(QUERY, {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"})
    assert isinstance(ok, Range) and ok.den_ngay == date(2025, 9, 30)


def test_describe_lists_parameters_and_headers() -> None:
    described = QUERY.describe()
    assert [p["name"] for p in described["parameters"]] == ["tu_ngay", "den_ngay"]
    assert described["columns"] == [{"name": "ma", "title_vi": "Mã"}]


def test_the_cache_key_holds_no_parameter() -> None:
    class P(LookupParams):
        mst: str

    key = cache_key("dkdn", "q", P(mst="0100109106"), 1, 50)
    assert len(key) == 64 and "0100109106" not in key
    assert key != cache_key("dkdn", "q", P(mst="0300588569"), 1, 50)


class Counting:
    """A connector of the test's own: counts calls, fails when told to."""

    name = "toy"
    title = "Toy"
    capabilities = frozenset({Capability.LOOKUP})
    lookups = (QUERY,)

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    async def lookup(self, query: str, params: Any, *, page: int, page_size: int) -> LookupPage:
        self.calls += 1
        if self.fail:
            raise TransientError("toy is down", system="toy")
        return LookupPage([Row(ma=f"{params.tu_ngay}")], total=1, page=page, page_size=page_size)


RAW = {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-02"}


def test_a_second_question_is_answered_from_the_cache() -> None:
    toy = Counting()
    service = LookupService({"toy": toy})
    asyncio.run(service.run("toy", "q", RAW))
    second = asyncio.run(service.run("toy", "q", RAW))
    assert toy.calls == 1 and second.cached and not second.stale
    asyncio.run(service.run("toy", "q", RAW, page=2))
    assert toy.calls == 2  # another page is another question


def test_stale_with_the_time_when_the_ministry_fails() -> None:
    toy = Counting()
    toy.lookup_settings = LookupSettings(cache_per_query={"q": 0})  # type: ignore[attr-defined]
    service = LookupService({"toy": toy})
    raw = RAW
    first = asyncio.run(service.run("toy", "q", raw))
    toy.fail = True
    stale = asyncio.run(service.run("toy", "q", raw))
    assert stale.stale and toy.calls == 2
    assert first.fetched_at.strftime("%H:%M") in (stale.notice_vi or "")
    with pytest.raises(TransientError):
        asyncio.run(service.run("toy", "q", {**raw, "den_ngay": "2025-09-03"}))
