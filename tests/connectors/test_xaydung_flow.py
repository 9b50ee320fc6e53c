"""The Bộ Xây dựng connectors inside the hub, over loopback against both mocks.

Construction-permit and planning dossiers routed by mã TTHC, synced step by step and
then with their result; the permit with its file (the hash checked at the mock); a
corrected permit updated in place; a permit lacking a field refused before anything is
sent, the field named; a lookup by mã hồ sơ through the hub's API; and reconciliation
against both systems.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.xaydung.samples import (
    CAPPHEP_CODES,
    QUYHOACH_CODES,
    construction_lifecycle,
    corrected_permit,
    without_permit_field,
)
from hub.models import DossierEvent, EventType, Status
from hub.reconcile import Reconciler
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.mock.admin import MockConfig
from mocks.xaydung.app import create_app

KEY = "hub-key"
Mocks = dict[str, tuple[str, httpx.Client]]


@pytest.fixture
def mocks(serve_app: Any) -> Iterator[Mocks]:
    out: Mocks = {}
    for system in ("capphep", "quyhoach"):
        server = serve_app(create_app(MockConfig(accept_key=KEY), system=system))
        out[system] = (server.url, httpx.Client(base_url=server.url, timeout=10))
    yield out
    for _url, client in out.values():
        client.close()


def hub_for(tmp_path: Path, mocks: Mocks) -> Hub:
    def section(system: str) -> dict[str, Any]:
        return {"base_url": mocks[system][0], "api_key": KEY, "timeout_seconds": 2.0}

    return Hub(
        HubSettings(
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            worker=WorkerSettings(
                poll_seconds=0.02,
                retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
            ),
            routes=[
                RouteRule(connector="xaydung_capphep", ma_tthc=list(CAPPHEP_CODES)),
                RouteRule(connector="xaydung_quyhoach", ma_tthc=list(QUYHOACH_CODES)),
            ],
            connectors={
                "xaydung_capphep": section("capphep"),
                "xaydung_quyhoach": section("quyhoach"),
            },
        )
    )


def permit_event(events: list[DossierEvent]) -> DossierEvent:
    return next(e for e in events if e.type is EventType.PERMIT_RECORDED)


def run(hub: Hub, *batches: list[DossierEvent], then: Callable[[], Any] | None = None) -> Any:
    async def scenario() -> Any:
        try:
            for batch in batches:
                hub.store.ingest(batch, hub.router.targets)
                await hub.worker.run_until_idle(timeout=30)
            return await then() if then is not None else None
        finally:
            await hub.aclose()

    return asyncio.run(scenario())


def test_permits_and_planning_dossiers_through_the_hub(tmp_path: Path, mocks: Mocks) -> None:
    hub = hub_for(tmp_path, mocks)
    permits = [construction_lifecycle(s, "capphep", seq=s) for s in (1, 2)]
    planning = construction_lifecycle(3, "quyhoach", seq=3)
    recorded = permit_event(construction_lifecycle(4, "capphep", seq=4))
    refused = without_permit_field(recorded, "so_tang")
    fix = corrected_permit(permits[0][-1], so_tang=7)
    rec = Reconciler(hub)

    async def afterwards() -> dict[str, Any]:
        code = permits[0][0].ma_ho_so
        lookup = await hub.connectors["xaydung_capphep"].fetch(code)
        unknown = await hub.connectors["xaydung_quyhoach"].fetch(code)
        runs = {name: await rec.run(name, actor="test") for name in hub.connectors}
        return {"lookup": lookup, "unknown": unknown, "runs": runs}

    first = [e for events in [*permits, planning] for e in events] + [refused]
    out = run(hub, first, [fix], then=afterwards)
    try:
        capphep, quyhoach = mocks["capphep"][1], mocks["quyhoach"][1]
        for name, client in (("capphep", capphep), ("quyhoach", quyhoach)):
            assert client.get("/_mock/stats").json()["contract_violations"] == [], name

        # Steps then the result, in order; the permit with the result and when recorded.
        for events in permits:
            code = events[0].ma_ho_so
            jobs = hub.store.list_jobs(ma_ho_so=code)
            assert {j["state"] for j in jobs} == {"succeeded"}, jobs
            writes = [w for w in capphep.get("/_mock/received").json() if w["ma_ho_so"] == code]
            assert [(w["operation"], w["status_id"]) for w in writes][:3] == [
                ("DongBoHoSo", "2"),
                ("DongBoHoSo", "4"),
                ("DongBoHoSo", "9"),
            ]
            record = capphep.get(f"/_mock/records/{code}").json()
            assert record["record"]["TrangThai"] == "10"
            step = record["history"][0]
            assert {"TenBuoc", "PhongBanXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"} <= set(step)
            assert {"NoiDungXuLy", "TrangThai", "NgayKetThuc"} <= set(step)

        # The permit's file arrived whole: the hash the hub sent is the hash of the bytes.
        second = capphep.get(f"/_mock/records/{permits[1][0].ma_ho_so}").json()
        sent = permit_event(permits[1]).snapshot.extra["giay_phep"]
        assert second["permit"]["Sha256"] == second["permit_file_sha256"] == sent["tep"]["sha256"]
        assert second["permit"]["SoGiayPhep"] == sent["so_giay_phep"]

        # The correction updated the one permit in place: new floors, new file, a new version.
        first_record = capphep.get(f"/_mock/records/{permits[0][0].ma_ho_so}").json()
        fixed = fix.snapshot.extra["giay_phep"]
        assert first_record["permit"]["SoTang"] == 7
        assert first_record["permit_file_sha256"] == fixed["tep"]["sha256"]
        assert first_record["permit"]["PhienBan"] == 3  # with the result, recorded, corrected

        # The planning dossier went to the other system, without a permit.
        plan = quyhoach.get(f"/_mock/records/{planning[0].ma_ho_so}").json()
        assert plan["record"]["TrangThai"] == "10" and plan["permit"] is None
        assert capphep.get(f"/_mock/records/{planning[0].ma_ho_so}").status_code == 404

        # The permit without số tầng: dead on the first attempt, the field named, nothing sent.
        (dead,) = hub.store.list_jobs(ma_ho_so=refused.ma_ho_so)
        assert dead["state"] == "dead" and dead["attempts"] == 1
        assert "extra.giay_phep.so_tang" in dead["last_error"]
        assert capphep.get(f"/_mock/records/{refused.ma_ho_so}").status_code == 404

        # Lookup by mã hồ sơ: status, process history and the permit as the result; the
        # planning system does not know a permit dossier.
        lookup = out["lookup"]
        assert lookup is not None and lookup.trang_thai == Status.DA_TRA_KET_QUA
        assert [s.buoc for s in lookup.history] == [permits[0][-1].snapshot.qua_trinh[0].buoc]
        assert lookup.history[0].phong_ban and lookup.history[0].han_xu_ly
        assert lookup.result is not None and lookup.result.so == fixed["so_giay_phep"]
        assert out["unknown"] is None

        # Reconciliation ran against both systems: in step with the mirror, but for the
        # refused dossier, which the permit system never got (behind its dead job).
        for name, run_id in out["runs"].items():
            report = rec.get_run(run_id)
            assert report is not None and report["state"] == "done", name
        (finding,) = rec.findings(out["runs"]["xaydung_capphep"])
        assert finding["kind"] == "only_province" and finding["ma_ho_so"] == refused.ma_ho_so
        assert finding["action"] == "rerun_dead_job"
        assert list(rec.findings(out["runs"]["xaydung_quyhoach"])) == []
        capphep_run = rec.get_run(out["runs"]["xaydung_capphep"])
        quyhoach_run = rec.get_run(out["runs"]["xaydung_quyhoach"])
        assert capphep_run is not None and capphep_run["remote_count"] == 2
        assert quyhoach_run is not None and quyhoach_run["remote_count"] == 1

        page = capphep.get(f"/tra-cuu/{permits[0][0].ma_ho_so}")
        assert page.status_code == 200 and fixed["tep"]["sha256"] in page.text
        assert fixed["chu_dau_tu"]["ho_ten"] not in page.text  # no personal data
    finally:
        hub.engine.dispose()


def test_reconciliation_finds_a_ministry_side_difference(tmp_path: Path, mocks: Mocks) -> None:
    """A dossier the planning system holds in another status is found (status_mismatch)."""
    hub = hub_for(tmp_path, mocks)
    planning = construction_lifecycle(5, "quyhoach", seq=5)
    rec = Reconciler(hub)
    quyhoach = mocks["quyhoach"][1]

    async def afterwards() -> dict[str, Any]:
        body = construction_lifecycle_body(planning[-1])
        answer = quyhoach.post("/api/DongBoHoSo", json=body, headers={"ApiKey": KEY}).json()
        assert answer["error_code"] == "0", answer
        run_id = await rec.run("xaydung_quyhoach", actor="test")
        return {"run": run_id}

    out = run(hub, planning, then=afterwards)
    try:
        report = rec.get_run(out["run"])
        assert report is not None and report["counts"]["status_mismatch"] == 1, report
    finally:
        hub.engine.dispose()


def construction_lifecycle_body(event: DossierEvent) -> dict[str, Any]:
    """The last state of the dossier, as the ministry would hold it after its own change."""
    from connectors.xaydung.mapping import to_ho_so

    body = to_ho_so(event.snapshot, "xaydung_quyhoach", "000.00.00.H34")
    body["TrangThai"] = "8"  # Dừng xử lý at the ministry's side
    return body
