"""Tracking: the hub asks a ministry that processes our dossiers for news, and queues
one province update per change, in order, until the ministry is done."""

from __future__ import annotations

import asyncio

from hub.connector import Capability, RemoteDossier
from hub.models import Result, Status
from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.testing.samples import sample_batch

from .recording import RecordingConnector


class MinistryThatDecides(RecordingConnector):
    """Takes pushes; ``fetch`` answers with the status the test sets for each dossier."""

    capabilities = frozenset({Capability.PUSH, Capability.TRACK})

    def __init__(self) -> None:
        super().__init__("bo")
        self.status: dict[str, RemoteDossier | None] = {}
        self.fetched: list[str] = []

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:
        self.fetched.append(ma_ho_so)
        return self.status.get(ma_ho_so)


def test_changes_become_province_updates_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bo = MinistryThatDecides()
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 't.db'}", routes=[RouteRule(connector="bo")]
    )
    hub = Hub(settings, connectors={"bo": bo})
    a, b = (lc[0] for lc in sample_batch(2, seed="track"))
    hub.store.ingest([a, b], hub.router.targets)

    async def scenario() -> None:
        await hub.worker.run_until_idle(timeout=30)
        bo.status[a.ma_ho_so] = RemoteDossier(a.ma_ho_so, Status.DANG_XU_LY, raw_status="3")
        first = await hub.track_once("bo")
        assert (first.checked, first.changed) == (2, 1)  # b: the ministry does not know it yet
        # Nothing new: nothing queued.
        assert (await hub.track_once("bo")).changed == 0
        from datetime import UTC, datetime

        deadline = datetime(2025, 12, 1, 17, 0, tzinfo=UTC)
        bo.status[b.ma_ho_so] = RemoteDossier(
            b.ma_ho_so,
            Status.YEU_CAU_BO_SUNG,
            raw_status="2",
            deadline=deadline,
            note="Thiếu giấy chứng sinh",
        )
        bo.status[a.ma_ho_so] = RemoteDossier(
            a.ma_ho_so,
            Status.DA_XU_LY_XONG,
            raw_status="4",
            result=Result(so="123/2025/KS", loai_giay_to="Giấy khai sinh"),
        )
        assert (await hub.track_once("bo")).changed == 2
        # a is done: it is not asked about again; b still is.
        bo.fetched.clear()
        await hub.track_once("bo")
        assert bo.fetched == [b.ma_ho_so]

    asyncio.run(scenario())
    updates = hub.store.list_province_updates()
    seen = [(u["ma_ho_so"], u["kind"], u["trang_thai"]) for u in updates]
    assert seen[0] == (a.ma_ho_so, "status_changed", 4)
    assert sorted(seen[1:]) == sorted(
        [(b.ma_ho_so, "supplement_required", 5), (a.ma_ho_so, "result_ready", 9)]
    )
    by_kind = {u["kind"]: u for u in updates}
    assert by_kind["supplement_required"]["payload"]["deadline"] == "2025-12-01T17:00:00+00:00"
    assert by_kind["result_ready"]["payload"]["result"]["so"] == "123/2025/KS"
    assert hub.store.list_province_updates(after_id=updates[1]["id"]) == [updates[2]]
    hub.engine.dispose()
