"""hub.connector.remote_pages: a connector's listing a page at a time, with or without
its own ``list_remote_pages``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date

from hub.connector import Period, RemoteRecord, remote_pages
from hub.models import Status

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))


def records(n: int) -> list[RemoteRecord]:
    return [RemoteRecord(f"M-{i:04d}", None, Status.DANG_XU_LY) for i in range(n)]


class OneByOne:
    """Only ``list_remote``: the default path gathers its records."""

    def __init__(self, n: int) -> None:
        self.records = records(n)

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        for record in self.records:
            yield record


class Paged(OneByOne):
    """Its own pages, one of them empty (a ministry's empty page is skipped)."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.calls = 0

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        raise AssertionError("remote_pages must use list_remote_pages when there is one")
        yield  # pragma: no cover

    async def list_remote_pages(self, period: Period) -> AsyncIterator[list[RemoteRecord]]:
        self.calls += 1
        yield self.records[:3]
        yield []
        yield self.records[3:]


def collect(connector: object, size: int = 500) -> list[Sequence[RemoteRecord]]:
    async def main() -> list[Sequence[RemoteRecord]]:
        return [page async for page in remote_pages(connector, PERIOD, size=size)]

    return asyncio.run(main())


def test_list_remote_is_gathered_into_pages_of_size_in_order() -> None:
    connector = OneByOne(7)
    pages = collect(connector, size=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [r for p in pages for r in p] == connector.records


def test_an_exact_multiple_ends_without_an_empty_page() -> None:
    assert [len(p) for p in collect(OneByOne(6), size=3)] == [3, 3]
    assert collect(OneByOne(0)) == []


def test_a_connectors_own_pages_are_used_as_they_come() -> None:
    connector = Paged(5)
    pages = collect(connector, size=2)
    assert connector.calls == 1
    assert [len(p) for p in pages] == [3, 2]
    assert [r for p in pages for r in p] == connector.records
