"""Checks of FETCH, LIST and PULL against records seeded in the mock."""

from __future__ import annotations

import math
from datetime import datetime

from hub.connector import (
    Capability,
    Connector,
    Period,
    PulledDossier,
    RemoteDossier,
    RemoteRecord,
)
from hub.models import Dossier, Origin, ProcessStep
from hub.testing.conformance.config import SuiteConfig
from hub.testing.conformance.context import Check, SuiteContext, list_all, list_pages, pull_all
from hub.testing.mock.admin import SeedRecord, SeedStep
from hub.testing.samples import AGENCY_CODE, VN_TZ

__all__ = ["UNKNOWN_CODE", "FetchSeeded", "ListPeriod", "PullAndAcknowledge"]

#: A mã hồ sơ no mock holds.
UNKNOWN_CODE = f"{AGENCY_CODE}-250101-9999"


def _same_time(got: datetime, want: datetime) -> bool:
    if got.tzinfo is None:
        got = got.replace(tzinfo=VN_TZ)
    return abs((got - want).total_seconds()) < 1


def _check_step(code: str, n: int, got: ProcessStep, want: SeedStep) -> None:
    where = f"step {n + 1} of the history of {code}"
    assert isinstance(got, ProcessStep), f"{where} is {type(got).__name__}, not ProcessStep"
    assert got.trang_thai == want.trang_thai, (
        f"{where} has status {got.trang_thai!r}, the ministry holds {want.trang_thai!r}"
    )
    assert got.buoc == want.buoc, f"{where} is named {got.buoc!r}, the ministry says {want.buoc!r}"
    assert _same_time(got.bat_dau, want.bat_dau), (
        f"{where} started {got.bat_dau.isoformat()}, the ministry says {want.bat_dau.isoformat()}"
    )


def check_fetched(config: SuiteConfig, record: SeedRecord, remote: object) -> None:
    """``remote`` is what ``fetch`` should answer for the seeded ``record``."""
    code = record.ma_ho_so
    assert remote is not None, f"fetch({code}) returned None for a record seeded in the mock"
    assert isinstance(remote, RemoteDossier), f"fetch({code}) returned {remote!r}"
    assert remote.ma_ho_so == code, f"fetch({code}) answered for {remote.ma_ho_so}"
    assert remote.trang_thai == record.trang_thai, (
        f"fetch({code}) says status {remote.trang_thai!r}, the ministry holds {record.trang_thai!r}"
    )
    seeded = len(record.history)
    assert remote.history, f"fetch({code}) returned no process history ({seeded} seeded)"
    if not config.full_history:
        last = remote.history[-1]
        assert last.trang_thai == record.trang_thai, (
            f"the last step fetched for {code} has status {last.trang_thai!r}, "
            f"the ministry holds {record.trang_thai!r}"
        )
        return
    assert len(remote.history) == len(record.history), (
        f"fetch({code}) returned {len(remote.history)} process steps, the ministry holds "
        f"{len(record.history)} (SuiteConfig.full_history=False if it tells only the last)"
    )
    for n, (got, want) in enumerate(zip(remote.history, record.history, strict=True)):
        _check_step(code, n, got, want)


class FetchSeeded(Check):
    """``fetch`` finds records seeded in the mock with their status and history, and
    answers None for a mã hồ sơ the ministry does not know."""

    name = "fetch"
    requires = frozenset({Capability.FETCH})

    def check(self, ctx: SuiteContext) -> None:
        records = ctx.seed_period().inside

        async def scenario(c: Connector) -> tuple[list[RemoteDossier | None], object]:
            found = [await c.fetch(r.ma_ho_so) for r in records]
            return found, await c.fetch(UNKNOWN_CODE)

        found, missing = ctx.run(scenario)
        for record, remote in zip(records, found, strict=True):
            check_fetched(ctx.config, record, remote)
        assert missing is None, f"fetch of an unknown mã hồ sơ returned {missing!r}, not None"


class ListPeriod(Check):
    """``list_remote(period)`` pages through every seeded record that changed in the period,
    each once with its status, and nothing that changed outside it; a connector's optional
    ``list_remote_pages`` lists the same records in the same order."""

    name = "list_period"
    requires = frozenset({Capability.LIST})

    def check(self, ctx: SuiteContext) -> None:
        seeded = ctx.seed_period()
        before = ctx.stats()["requests"]
        listed = ctx.run(lambda c: list_all(c, seeded.period))
        requests = ctx.stats()["requests"] - before
        where = f"list_remote({seeded.period.start}..{seeded.period.end})"
        codes = [r.ma_ho_so for r in listed if isinstance(r, RemoteRecord)]
        assert len(codes) == len(listed), f"{where} yielded something that is not a RemoteRecord"
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        assert not repeated, f"{where} listed {repeated} more than once (paging overlaps)"
        outside = {r.ma_ho_so for r in seeded.outside} & set(codes)
        assert not outside, f"{where} listed {sorted(outside)}, which changed outside the period"
        by_code = {r.ma_ho_so: r for r in listed}
        missing = [r.ma_ho_so for r in seeded.inside if r.ma_ho_so not in by_code]
        assert not missing, (
            f"{where} missed {len(missing)} of {len(seeded.inside)} records changed in the "
            f"period: {missing[:5]}"
        )
        for record in seeded.inside:
            got = by_code[record.ma_ho_so]
            assert got.trang_thai == record.trang_thai, (
                f"{record.ma_ho_so} listed with status {got.trang_thai!r}, the ministry holds "
                f"{record.trang_thai!r}"
            )
        size = ctx.config.list_page_size
        if size:
            pages = math.ceil(len(seeded.inside) / size)
            assert requests >= pages, (
                f"{where} made {requests} request(s) for {len(seeded.inside)} records at "
                f"{size} a page: it does not follow the pages"
            )
        if ctx.lists_pages:
            check_pages_agree(ctx, seeded.period, listed)


def check_pages_agree(ctx: SuiteContext, period: Period, listed: list[RemoteRecord]) -> None:
    """A connector's optional ``list_remote_pages`` lists what ``list_remote`` does, in
    the same order, as lists of records (a reconciliation reads it instead)."""
    where = f"list_remote_pages({period.start}..{period.end})"
    pages = ctx.run(lambda c: list_pages(c, period))
    for n, page in enumerate(pages):
        assert isinstance(page, list), f"page {n + 1} of {where} is {type(page).__name__}"
    paged = [record for page in pages for record in page]
    assert all(isinstance(r, RemoteRecord) for r in paged), (
        f"{where} yielded something that is not a RemoteRecord"
    )
    got, want = [r.ma_ho_so for r in paged], [r.ma_ho_so for r in listed]
    assert got == want, (
        f"{where} listed {len(got)} records, list_remote {len(want)}: they must list the "
        f"same records in the same order (first difference: "
        f"{next((a, b) for a, b in zip([*got, None], [*want, None], strict=False) if a != b)})"
    )
    differ = [a.ma_ho_so for a, b in zip(paged, listed, strict=True) if a != b]
    assert not differ, f"{where} and list_remote disagree on {differ[:5]}"


class PullAndAcknowledge(Check):
    """Pull returns exactly the dossiers filed at the ministry; acknowledged ones do not return."""

    name = "pull_acknowledge"
    requires = frozenset({Capability.PULL})

    def check(self, ctx: SuiteContext) -> None:
        cfg = ctx.config
        seeded = ctx.seed(cfg.pull_count, cfg.pull_seed)
        assert len(seeded) == cfg.pull_count, f"the mock seeded {len(seeded)} dossiers"

        async def scenario(c: Connector) -> tuple[list[PulledDossier], list[str], list[str]]:
            items, cursor = await pull_all(c, None, cfg.max_pull_pages)
            await c.acknowledge([i.remote_id for i in items])
            again, _ = await pull_all(c, cursor, cfg.max_pull_pages)
            fresh, _ = await pull_all(c, None, cfg.max_pull_pages)
            return items, [i.dossier.ma_ho_so for i in again], [i.dossier.ma_ho_so for i in fresh]

        items, again, fresh = ctx.run(scenario)
        got = [item.dossier.ma_ho_so for item in items]
        assert sorted(got) == sorted(seeded), f"pulled {sorted(got)}, seeded {sorted(seeded)}"
        for item in items:
            assert isinstance(item, PulledDossier)
            assert item.remote_id, f"{item.dossier.ma_ho_so} has no remote_id"
            Dossier.model_validate(item.dossier.model_dump())  # a real, valid Dossier
            assert item.dossier.origin is Origin.MINISTRY, (
                f"{item.dossier.ma_ho_so} has origin {item.dossier.origin}, not ministry"
            )
        assert not set(again) & set(seeded), f"acknowledged dossiers came back: {again}"
        assert not set(fresh) & set(seeded), (
            f"acknowledged dossiers came back on a pull without cursor: {fresh}"
        )
