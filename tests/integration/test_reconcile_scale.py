"""Reconciliation at scale and for connectors that can only list.

A tiny ministry (FastAPI over loopback) lists what it holds and, in one variant, looks
a dossier up; an in-test connector declares LIST (and FETCH) only.

* 5,000 status mismatches are found and stored on SQLite and PostgreSQL (a run with
  more than 1,000 findings used to lock SQLite up for 30 s, then fail);
* ingest is answered while a large comparison runs;
* repair of a ministry-only dossier without PULL goes through FETCH, or is refused
  with the reason when the connector cannot look it up either.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from hub.connector import Capability, Period, PulledDossier, RemoteDossier, RemoteRecord
from hub.models import Dossier, Status
from hub.reconcile import Reconciler
from hub.service import Hub
from hub.settings import HubSettings
from hub.testing.samples import sample_dossier, sample_lifecycle
from tests.integration.recording import RecordingConnector

NAME = "listing"


class Ministry:
    """What the tiny ministry holds: mã hồ sơ -> (status, dossier JSON)."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[int, dict[str, Any]]] = {}

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/list")
        def listing(offset: int = 0, limit: int = 1000) -> dict[str, Any]:
            codes = sorted(self.held)[offset : offset + limit]
            return {"items": [{"ma_ho_so": c, "trang_thai": self.held[c][0]} for c in codes]}

        @app.get("/dossiers/{ma_ho_so}")
        def lookup(ma_ho_so: str) -> dict[str, Any]:
            if ma_ho_so not in self.held:
                raise HTTPException(404)
            return self.held[ma_ho_so][1]

        return app


class ListingConnector(RecordingConnector):
    """Lists what the ministry holds; with ``fetch=True`` it can also look one up."""

    def __init__(self, base_url: str, *, fetch: bool = False) -> None:
        super().__init__(NAME)
        caps = {Capability.LIST} | ({Capability.FETCH} if fetch else set())
        self.capabilities = frozenset(caps)
        self.base_url = base_url

    def client(self) -> httpx.AsyncClient:
        # One per call: each reconciliation runs in its own event loop.
        return httpx.AsyncClient(base_url=self.base_url, timeout=30)

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:
        offset = 0
        async with self.client() as http:
            while True:
                page = (await http.get("/list", params={"offset": offset})).json()["items"]
                for item in page:
                    yield RemoteRecord(item["ma_ho_so"], None, Status(item["trang_thai"]))
                if len(page) < 1000:
                    return
                offset += len(page)

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        async with self.client() as http:
            response = await http.get(f"/dossiers/{ma_ho_so}")
        if response.status_code == 404:
            return None
        dossier = Dossier.model_validate(response.json())
        return RemoteDossier(ma_ho_so, dossier.trang_thai, dossier=dossier, remote_id=ma_ho_so)


@pytest.fixture
def ministry(serve_app: Any) -> Iterator[tuple[Ministry, str]]:
    held = Ministry()
    yield held, serve_app(held.app()).url


def make_hub(db_url: str, url: str, *, fetch: bool = False) -> Hub:
    settings = HubSettings(database_url=db_url)
    return Hub(settings, connectors={NAME: ListingConnector(url, fetch=fetch)})


def mirror(hub: Hub, n: int, status: Status = Status.DANG_XU_LY) -> list[str]:
    """``n`` dossiers filed at the ministry, in the mirror (pulled), at ``status``."""
    items = [
        PulledDossier(f"R{i}", sample_dossier(i, status=status).model_copy(update={
            "ma_ho_so": f"000.00.22.H34-251101-{i:05d}"}))
        for i in range(n)
    ]  # fmt: skip
    hub.store.store_pulled(NAME, items, None)
    return [item.dossier.ma_ho_so for item in items]


def test_five_thousand_status_mismatches_are_all_stored(
    db_url: str, ministry: tuple[Ministry, str]
) -> None:
    held, url = ministry
    hub = make_hub(db_url, url)
    try:
        codes = mirror(hub, 5000)
        held.held = {c: (int(Status.DA_XU_LY_XONG), {}) for c in codes}
        rec = Reconciler(hub)
        run_id = asyncio.run(rec.run(NAME))
        run = rec.get_run(run_id)
        assert run["state"] == "done", run["error"]
        assert run["counts"]["status_mismatch"] == 5000
        stored = list(rec.findings(run_id, kind="status_mismatch"))
        assert sorted(f["ma_ho_so"] for f in stored) == sorted(codes)
        assert {(f["province_status"], f["remote_status"]) for f in stored} == {
            (int(Status.DANG_XU_LY), int(Status.DA_XU_LY_XONG))
        }
    finally:
        asyncio.run(hub.aclose())


def test_ingest_is_answered_while_a_large_comparison_runs(
    tmp_path: Any, ministry: tuple[Ministry, str]
) -> None:
    """Half-way through comparing (its progress report), another thread ingests: it is
    answered before the comparison goes on (it used to wait for SQLite's write lock)."""
    held, url = ministry
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}", url)
    try:
        codes = mirror(hub, 6000)
        held.held = {c: (int(Status.DA_XU_LY_XONG), {}) for c in codes}
        answered: list[bool] = []

        def ingest_elsewhere(stage: str, done: int) -> None:
            if stage != "comparing" or done != 5000:
                return
            results: list[Any] = []
            other = threading.Thread(
                target=lambda: results.extend(
                    hub.store.ingest([sample_lifecycle("during")[0]], lambda e: [])
                )
            )
            other.start()
            other.join(25)  # loose: the lock, when held, was held for 30 s
            answered.append(bool(results) and not results[0].duplicate)

        rec = Reconciler(hub)
        run_id = asyncio.run(rec.run(NAME, progress=ingest_elsewhere))
        assert answered == [True]
        run = rec.get_run(run_id)
        assert run["state"] == "done" and run["counts"]["status_mismatch"] == 6000
        assert hub.store.get_dossier(sample_lifecycle("during")[0].ma_ho_so) is not None
    finally:
        asyncio.run(hub.aclose())


@pytest.mark.parametrize("fetch", [True, False], ids=["list+fetch", "list-only"])
def test_repair_without_pull(tmp_path: Any, ministry: tuple[Ministry, str], fetch: bool) -> None:
    held, url = ministry
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}", url, fetch=fetch)
    try:
        only_there = sample_dossier("only-there", status=Status.DUOC_TIEP_NHAN)
        held.held = {only_there.ma_ho_so: (2, only_there.model_dump(mode="json"))}
        rec = Reconciler(hub)
        run_id = asyncio.run(rec.run(NAME))
        [finding] = rec.findings(run_id)
        assert finding["kind"] == "only_ministry"
        result = asyncio.run(rec.repair(run_id, actor="tester"))
        inbox = hub.store.list_inbox(connector=NAME)
        if fetch:
            assert result["counts"] == {"pulled": 1}
            assert [i["ma_ho_so"] for i in inbox] == [only_there.ma_ho_so]
        else:
            assert result["counts"] == {"blocked": 1}
            assert "neither pull nor look up" in result["items"][0]["detail"]
            assert inbox == []
    finally:
        asyncio.run(hub.aclose())


class PagedListingConnector(ListingConnector):
    """The same ministry read a page at a time (``list_remote_pages``), with an empty page
    between two full ones, as a ministry may answer."""

    async def list_remote_pages(self, period: Period) -> AsyncIterator[list[RemoteRecord]]:
        offset = 0
        async with self.client() as http:
            while True:
                page = (await http.get("/list", params={"offset": offset})).json()["items"]
                yield [RemoteRecord(i["ma_ho_so"], None, Status(i["trang_thai"])) for i in page]
                if offset == 0:
                    yield []
                if len(page) < 1000:
                    return
                offset += len(page)


def test_pages_and_records_give_the_same_findings(
    db_url: str, ministry: tuple[Ministry, str]
) -> None:
    """A connector's own pages (1,000 a page, one empty) and its records gathered by
    hub.connector.remote_pages (500 a page) reconcile to the same findings and totals."""
    held, url = ministry
    hub = make_hub(db_url, url)
    try:
        codes = mirror(hub, 2500)
        held.held = {
            c: (int(Status.DA_XU_LY_XONG if i % 7 == 0 else Status.DANG_XU_LY), {})
            for i, c in enumerate(codes[:2000])
        }
        held.held.update({f"000.00.22.H34-251101-9{i:04d}": (int(Status.MOI_DANG_KY), {})
                          for i in range(30)})  # fmt: skip
        rec = Reconciler(hub)
        by_records = asyncio.run(rec.run(NAME))
        hub.connectors[NAME] = PagedListingConnector(url)
        by_pages = asyncio.run(rec.run(NAME))

        def seen(run_id: int) -> tuple[Any, ...]:
            run = rec.get_run(run_id)
            totals = {k: run[k] for k in ("province_count", "remote_count", "matched", "in_flight")}
            findings = sorted(
                (f["kind"], f["ma_ho_so"], f["province_status"], f["remote_status"], f["action"])
                for f in rec.findings(run_id)
            )
            return run["state"], run["counts"], totals, findings

        assert seen(by_pages) == seen(by_records)
        state, counts, totals, _ = seen(by_pages)
        assert state == "done"
        assert (counts["status_mismatch"], counts["only_province"], counts["only_ministry"]) == (
            286,
            500,
            30,
        )
        assert totals == {
            "province_count": 2500,
            "remote_count": 2030,
            "matched": 2000 - 286,
            "in_flight": 0,
        }
    finally:
        asyncio.run(hub.aclose())
