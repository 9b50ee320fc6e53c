"""DVCQG end to end over loopback: ingest -> worker -> the mock portal (create, "đã tồn
tại" -> update, steps after their dossier), an expired session renewed, and the backfill
of a period with planted gaps (exactly those re-sent, nothing on a re-run)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from connectors.dvcqg.commands import backfill
from hub.models import Status
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.mock import MockConfig
from hub.testing.samples import sample_batch
from mocks.dvcqg.app import create_app

KEY = "flow-key"
VN = timezone(timedelta(hours=7))


@pytest.fixture
def portal(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=KEY), session_max_calls=5))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


def hub_for(tmp_path, url: str, exclude: list[str] | None = None) -> Hub:  # type: ignore[no-untyped-def]
    return Hub(
        HubSettings(
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            worker=WorkerSettings(
                poll_seconds=0.02,
                retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
            ),
            routes=[RouteRule(connector="dvcqg", exclude_ma_tthc=exclude or [])],
            connectors={
                "dvcqg": {
                    "base_url": url,
                    "username": "ubnd-tinh",
                    "password": KEY,
                    "dstcode": "H34",
                    "madonvi": "000.00.00.H34",
                    "page_size": 3,
                }
            },
        )
    )


def run(hub: Hub, work: Any = None) -> Any:
    async def go() -> Any:
        try:
            await hub.worker.run_until_idle(timeout=30)
            return await work(hub) if work else None
        finally:
            await hub.aclose()

    return asyncio.run(go())


def test_every_dossier_and_step_in_order_with_exists_and_renewal(tmp_path, portal) -> None:  # type: ignore[no-untyped-def]
    server, admin = portal
    lifecycles = sample_batch(4, seed="dvcqg-flow")
    # The portal already holds the first dossier (synced by someone else): its create
    # must turn into an update.
    first = lifecycles[0][0].snapshot
    held = {"ma_ho_so": first.ma_ho_so, "ma_tthc": first.ma_tthc_quoc_gia, "trang_thai": 2,
            "updated_at": datetime.now(VN).isoformat()}  # fmt: skip
    admin.post("/_mock/records", json={"records": [held]}).raise_for_status()
    hub = hub_for(tmp_path, server.url)
    hub.store.ingest([e for events in lifecycles for e in events], hub.router.targets)
    run(hub)

    calls = admin.get("/_mock/calls").json()
    assert calls["steps_before_dossier"] == 0 and calls["updates_before_dossier"] == 0
    assert calls["already_exists"] == 1
    assert calls["expired_answers"] >= 1  # 5 calls a session: renewed, nothing lost
    assert admin.get("/_mock/stats").json()["contract_violations"] == []
    for events in lifecycles:
        ma = events[0].ma_ho_so
        mine = [c[0] for c in calls["calls"] if c[1] == ma]
        synced = mine.index(next(c for c in mine if c.startswith("DongBoHoSoMC")))
        assert mine.index("CapNhatTienDoHoSoMC") > synced, mine
        view = admin.get(f"/_mock/records/{ma}").json()
        final = events[-1].snapshot
        assert view["record"]["TrangThaiHoSo"] == str(int(final.trang_thai))
        steps = [s.buoc for s in final.qua_trinh]
        assert [h["BuocXuLy"] for h in view["history"]] == steps
    # The pre-existing one was created once (refused), then updated.
    ma0 = first.ma_ho_so
    assert [c[0] for c in calls["calls"] if c[1] == ma0][:2] == [
        "DongBoHoSoMC:False",
        "DongBoHoSoMC:True",
    ]


def test_excluded_procedures_are_not_routed(tmp_path, portal) -> None:  # type: ignore[no-untyped-def]
    server, _ = portal
    events = sample_batch(1, seed="excl")[0]
    hub = hub_for(tmp_path, server.url, exclude=[events[0].snapshot.ma_tthc_quoc_gia])
    assert hub.router.targets(events[0]) == []
    asyncio.run(hub.aclose())


def test_backfill_fills_exactly_the_planted_gaps_and_is_idempotent(tmp_path, portal) -> None:  # type: ignore[no-untyped-def]
    server, admin = portal
    lifecycles = sample_batch(6, seed="dvcqg-backfill")
    hub = hub_for(tmp_path, server.url)
    hub.store.ingest([e for events in lifecycles for e in events], hub.router.targets)
    run(hub)
    gaps = [lifecycles[1][0].ma_ho_so, lifecycles[4][0].ma_ho_so]
    for ma in gaps:
        assert admin.post(f"/_mock/forget/{ma}").json() == {"forgotten": True}
    before = len(admin.get("/_mock/calls").json()["calls"])
    today = datetime.now(VN).date()

    hub = hub_for(tmp_path, server.url)
    first = run(hub, lambda h: backfill(h, today - timedelta(days=1), today))
    assert first["differences"] == 2 and first["counts"] == {"enqueued": 2}
    hub = hub_for(tmp_path, server.url)
    run(hub)  # the worker delivers the repairs
    calls = admin.get("/_mock/calls").json()["calls"][before:]
    # Only the gaps were written; a repair is a whole-state sync (update first, then
    # create since the portal lacks it) followed by the whole step history.
    assert {c[1] for c in calls} == set(gaps)
    for ma, events in zip(gaps, (lifecycles[1], lifecycles[4]), strict=True):
        view = admin.get(f"/_mock/records/{ma}").json()
        assert view["record"]["TrangThaiHoSo"] == str(int(Status.DA_TRA_KET_QUA))
        assert [h["BuocXuLy"] for h in view["history"]] == [
            s.buoc for s in events[-1].snapshot.qua_trinh
        ]
    hub = hub_for(tmp_path, server.url)
    again = run(hub, lambda h: backfill(h, today - timedelta(days=1), today))
    assert again["differences"] == 0 and again["counts"] == {}
    assert len(admin.get("/_mock/calls").json()["calls"]) == before + len(calls)


def test_a_dossier_created_without_its_steps_gets_them_on_the_next_sync(tmp_path, portal) -> None:  # type: ignore[no-untyped-def]
    """An attempt that created the dossier and then failed on its steps (a busy portal)
    leaves the portal holding the dossier without history; the retry finds it there
    and must still send the steps, not only update the dossier."""
    from hub.models import EventType
    from hub.testing.samples import sample_event

    server, admin = portal
    (lifecycle,) = sample_batch(1, seed="dvcqg-steps")
    dossier = next(e.snapshot for e in reversed(lifecycle) if e.snapshot.qua_trinh)
    # What the failed attempt left: the dossier at the portal, no step.
    held = {"ma_ho_so": dossier.ma_ho_so, "ma_tthc": dossier.ma_tthc_quoc_gia,
            "trang_thai": 2, "updated_at": datetime.now(VN).isoformat()}  # fmt: skip
    admin.post("/_mock/records", json={"records": [held]}).raise_for_status()
    hub = hub_for(tmp_path, server.url)
    event = sample_event(dossier, EventType.STATUS_CHANGED, seq=1)
    hub.store.ingest([event], hub.router.targets)
    run(hub)
    view = admin.get(f"/_mock/records/{dossier.ma_ho_so}").json()
    assert [h["BuocXuLy"] for h in view["history"]] == [s.buoc for s in dossier.qua_trinh]
    assert view["record"]["TrangThaiHoSo"] == str(int(dossier.trang_thai))
