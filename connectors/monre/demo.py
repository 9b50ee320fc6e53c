"""MONRE's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Dossiers filed on the MONRE portal: pulled, received, processed through every step of
their internal process (the catalog's, with the calendar's deadlines), returned and
saved to the citizen's store. One applicant left the phone number empty: MONRE may not
confirm the reception. MONRE answers some calls with 503, and one SOAP Fault for
invalid data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.sdk import (
    Bilingual,
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    DemoTable,
    Dossier,
    DossierEvent,
    EventType,
    Hub,
    ProcessStep,
    Result,
    Status,
    deadline_plan,
)

__all__ = ["MonreDemo"]

DEPARTMENT = "Sở Tài nguyên và Môi trường"


class MonreDemo(DemoScenario):
    name = "monre"

    def __init__(self) -> None:
        self.pulled = 0

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [DemoMock("monre")]  # its faults come after the pull (before_drain)

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            "monre": {
                "base_url": mock_urls["monre"],
                "access_key": "test-key",
                "timeout_seconds": 2.0,
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        # The environment sector of the catalog goes to MONRE: configuration, not code.
        return [{"connector": "monre", "sectors": ["Tài nguyên và Môi trường"]}]

    async def before_drain(self, ctx: DemoContext) -> None:
        """File 6 dossiers at the ministry, pull them, then (MONRE now busy at times)
        send each one's life at the province back to it."""
        url, hub = ctx.mock_url("monre"), ctx.hub
        await ctx.http.post(f"{url}/_mock/seed", json={"count": 6, "seed": ctx.options.seed})
        for _ in range(20):
            pulled = await hub.pull_once("monre")
            if pulled.error is None:
                break
        self.pulled = pulled.new
        items = hub.store.list_inbox(state="new", connector="monre", limit=100)
        faults = [
            {"kind": "http_503", "rate": 0.15},
            {"kind": "soap_invalid", "count": 1, "paths": ["/DichVuThietYeu.asmx"]},
        ]
        await ctx.http.post(f"{url}/_mock/faults", json={"faults": faults})
        batch: list[DossierEvent] = []
        for n, item in enumerate(items):
            dossier = Dossier.model_validate(item["snapshot"])
            if n == 0:
                owner = dossier.chu_ho_so.model_copy(update={"so_dien_thoai": None})
                dossier = dossier.model_copy(update={"chu_ho_so": owner})
            batch += _lifecycle(hub, dossier, n)
        await ctx.ingest(batch)

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        rows = ctx.hub.store.jobs_with_event_type("monre")
        done = Counter(r.type for r in rows if r.state == "succeeded")
        dead = [r for r in rows if r.state == "dead"]
        title = Bilingual("DVC thiết yếu (Bộ TN&MT)", "MONRE essential services")
        table: list[tuple[Bilingual, int | str]] = [
            (
                Bilingual("Hồ sơ nộp tại Bộ, đã nhận về", "Filed at the ministry, pulled"),
                self.pulled,
            ),
            (
                Bilingual("Đã xác nhận tiếp nhận", "Reception confirmed"),
                done[EventType.RECEIVED.value],
            ),
            (
                Bilingual("Bước xử lý đã đồng bộ", "Process steps synced"),
                done[EventType.PROGRESS.value],
            ),
            (Bilingual("Đã trả kết quả", "Results returned"), done[EventType.RETURNED.value]),
            (
                Bilingual("Kết quả đã lưu vào kho", "Results saved to the citizen's store"),
                done[EventType.RESULT.value],
            ),
            (Bilingual("Lỗi, cần xử lý", "Dead (need an operator)"), len(dead)),
        ]
        return [DemoTable(title, table, [f"  {r.ma_ho_so}: {r.last_error}" for r in dead])]


def _lifecycle(hub: Hub, dossier: Dossier, n: int) -> list[DossierEvent]:
    """Received, one event per step of the procedure's process (deadlines from the
    calendar), the result, returned."""
    procedure = hub.catalog.get(dossier.ma_tthc)
    variant = procedure.quy_trinh[0].bien_the if procedure and procedure.quy_trinh else None
    received = max(datetime.now(UTC), dossier.ngay_nop + timedelta(minutes=5))
    plan = deadline_plan(procedure, received, variant) if procedure else None
    state = dossier.model_copy(
        update={
            "trang_thai": Status.DUOC_TIEP_NHAN,
            "ngay_tiep_nhan": received,
            "ngay_hen_tra": plan.ngay_hen_tra if plan else None,
        }
    )
    events = [(EventType.RECEIVED, state)]
    start, steps = received, list[ProcessStep]()
    for step in plan.steps if plan else []:
        steps = [
            *steps,
            ProcessStep(
                buoc=f"Bước {step.label}" + (f": {step.name}" if step.name else ""),
                trang_thai=Status.DANG_XU_LY,
                # Where the decision names no office for a step, the province's system
                # knows which one handled it; the demo names the department.
                phong_ban=step.responsible or DEPARTMENT,
                bat_dau=start,
                han_xu_ly=step.deadline,
                ket_thuc=step.deadline,
                noi_dung=step.name,
            ),
        ]
        start = step.deadline
        update = {
            "trang_thai": Status.DANG_XU_LY,
            "qua_trinh": steps,
            "buoc_hien_tai": steps[-1].buoc,
        }
        state = state.model_copy(update=update)
        events.append((EventType.PROGRESS, state))
    result_file = state.thanh_phan[0].model_copy(update={"ten_thanh_phan": "Kết quả"})
    result = Result(
        so=f"{100 + n}/GP-STNMT",
        ngay_ky=start.date(),
        loai_giay_to="Giấy phép",
        co_quan_cap=DEPARTMENT,
        files=[result_file],
    )
    state = state.model_copy(update={"trang_thai": Status.DA_XU_LY_XONG, "ket_qua": result})
    events.append((EventType.RESULT, state))
    state = state.model_copy(
        update={"trang_thai": Status.DA_TRA_KET_QUA, "ngay_tra": start + timedelta(hours=1)}
    )
    events.append((EventType.RETURNED, state))
    return [
        DossierEvent(
            id=f"monre-{dossier.ma_ho_so}-{k:02d}",
            type=type_,
            occurred_at=snapshot.ngay_tra or received,
            ma_ho_so=dossier.ma_ho_so,
            snapshot=snapshot,
        )
        for k, (type_, snapshot) in enumerate(events)
    ]
