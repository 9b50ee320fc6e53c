"""The demo's other ministries: civil status (hộ tịch), the liên thông view, and MONRE's
land dossiers with their deadlines; each builds its events and prints its summary.
``hub/demo.py`` runs them together."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from hub.catalog import fold
from hub.i18n import t
from hub.masking import mask_name
from hub.models import DossierEvent, EventType, Status
from hub.store.store import utcnow

__all__ = [
    "HOTICH_CODES",
    "LIENTHONG_CODES",
    "civil_status_events",
    "civil_status_results",
    "civil_summary",
    "lang_vi",
    "lienthong_view",
    "monre_dossiers",
    "monre_summary",
]


HOTICH_CODES = ["1.001193", "1.000656", "1.000894"]


LIENTHONG_CODES = ["2.000986", "1.006714", "1.011733", "2.002622"]


def civil_status_events(seed: int) -> list[dict[str, Any]]:
    """Birth, death and marriage registrations received at the province; one birth lacks
    the child's date of birth, which hộ tịch requires: refused before it is sent."""
    from hub.testing.samples_hotich import sample_ho_tich_batch, sample_ho_tich_lifecycle

    events = sample_ho_tich_batch(9, seed=seed)
    incomplete = sample_ho_tich_lifecycle(f"{seed}:thieu-ngay-sinh", module="LTKS")[0]
    extra = incomplete.snapshot.extra
    child = {k: v for k, v in extra["ho_tich"]["nguoi_duoc_khai_sinh"].items() if k != "ngay_sinh"}
    snapshot = incomplete.snapshot.model_copy(
        update={"extra": {**extra, "ho_tich": {**extra["ho_tich"], "nguoi_duoc_khai_sinh": child}}}
    )
    events.append(incomplete.model_copy(update={"snapshot": snapshot}))
    return [e.model_dump(mode="json", exclude={"sequence"}) for e in events]


async def civil_status_results(
    hub: Any, http: httpx.AsyncClient, hotich_url: str, civil: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ministry refuses one registration; the hub polls the others to their results."""
    refused = civil[1]["ma_ho_so"]
    await http.post(
        f"{hotich_url}/_mock/decide",
        json={
            "maHoSoMCDT": refused,
            "trangThai": "6",
            "ghiChu": "Hồ sơ đã được đăng ký tại cơ quan khác",
        },
    )
    for _ in range(5):
        outcome = await hub.track_once("hotich")
        if outcome.error is None and outcome.checked == 0:
            break
    certificates = {}
    for update in hub.store.list_province_updates(limit=10_000):
        if update["kind"] == "result_ready" and update["payload"].get("result"):
            record = (await http.get(f"{hotich_url}/_mock/records/{update['ma_ho_so']}")).json()
            files = update["payload"]["result"]["files"]
            certificates[update["ma_ho_so"]] = bool(files) and all(
                f["sha256"] == record.get("certificate_sha256") for f in files
            )
    return {"certificates": certificates, "refused": refused}


async def lienthong_view(http: httpx.AsyncClient, api_url: str) -> dict[str, Any]:
    """Liên thông's statistics and a search by unaccented name, through the hub's API
    (the connector's routes), as an official's screen would ask for them."""
    base = f"{api_url}/api/v1/lienthong"
    counts = (await http.get(f"{base}/stats")).json()
    first = (await http.get(f"{base}/search", params={"limit": 1})).json()["items"]
    view: dict[str, Any] = {"stats": counts, "query": None, "found": 0}
    if first:
        query = fold(first[0]["chu_ho_so"])  # "nguyen van an" finds "Nguyễn Văn An"
        found = (await http.get(f"{base}/search", params={"ten": query, "limit": 10})).json()
        view |= {"query": query, "found": len(found["items"])}
    return view


def civil_summary(
    console: Console,
    hub: Any,
    outcome: dict[str, Any],
    lienthong: Any,
    interlinked: dict[str, Any],
) -> None:
    """Hộ tịch: results with verified certificates, the refusal with its reason, the
    registration refused before sending; liên thông: pulled, searchable, counted."""
    updates = hub.store.list_province_updates(limit=10_000)
    refusal = next((u for u in updates if u["kind"] == "refused"), None)
    unsent = hub.store.dead_job_errors("hotich")
    certificates = outcome["certificates"]
    table = Table(title=t("demo.civil_title"), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row(t("demo.civil_results"), str(len(certificates)))
    table.add_row(t("demo.civil_certificates_ok"), str(sum(certificates.values())))
    table.add_row(t("demo.civil_refused"), "1" if refusal else "0")
    table.add_row(t("demo.civil_unsent"), str(len(unsent)))
    table.add_row(t("demo.lienthong_pulled"), str(lienthong.new))
    console.print(table)
    if refusal:
        console.print(f"  {refusal['ma_ho_so']}: {refusal['payload'].get('note')}")
    for reason in unsent:
        console.print(f"  {reason}")
    counts = interlinked["stats"]
    by_status = ", ".join(
        f"{s['ten_vi'] if lang_vi() else s['ten_en']}: {s['so']}" for s in counts["theo_trang_thai"]
    )
    by_code = ", ".join(f"{c['ma_tthc']}: {c['so']}" for c in counts["theo_thu_tuc"])
    console.print(f"{t('demo.lienthong_stats')}: {counts['tong']} ({by_status}; {by_code})")
    if interlinked["query"] is not None:
        query, found = interlinked["query"], interlinked["found"]
        console.print(f"{t('demo.lienthong_search')} '{mask_name(query)}': {found}")


def lang_vi() -> bool:
    from hub.i18n import lang

    return lang() == "vi"


async def monre_dossiers(
    hub: Any, http: httpx.AsyncClient, api_url: str, monre_url: str, seed: int
) -> dict[str, Any]:
    """Dossiers filed on the MONRE portal: pulled, received, processed through every step of
    their internal process (the catalog's, with the calendar's deadlines), returned and
    saved to the citizen's store. One applicant left the phone number empty: MONRE may
    not confirm the reception. MONRE answers some calls with 503, and one SOAP Fault for
    invalid data."""
    from hub.calendar import deadline_plan
    from hub.models import Dossier, ProcessStep, Result

    await http.post(f"{monre_url}/_mock/seed", json={"count": 6, "seed": seed})
    pulled = None
    for _ in range(20):
        pulled = await hub.pull_once("monre")
        if pulled.error is None:
            break
    items = hub.store.list_inbox(state="new", connector="monre", limit=100)
    await http.post(
        f"{monre_url}/_mock/faults",
        json={
            "faults": [
                {"kind": "http_503", "rate": 0.15},
                {"kind": "soap_invalid", "count": 1, "paths": ["/DichVuThietYeu.asmx"]},
            ]
        },
    )
    batch: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        dossier = Dossier.model_validate(item["snapshot"])
        if n == 0:
            owner = dossier.chu_ho_so.model_copy(update={"so_dien_thoai": None})
            dossier = dossier.model_copy(update={"chu_ho_so": owner})
        procedure = hub.catalog.get(dossier.ma_tthc)
        variant = procedure.quy_trinh[0].bien_the if procedure and procedure.quy_trinh else None
        received = max(utcnow(), dossier.ngay_nop + timedelta(minutes=5))
        plan = deadline_plan(procedure, received, variant) if procedure else None
        state = dossier.model_copy(
            update={
                "trang_thai": Status.DUOC_TIEP_NHAN,
                "ngay_tiep_nhan": received,
                "ngay_hen_tra": plan.ngay_hen_tra if plan else None,
            }
        )
        events = [(EventType.RECEIVED, state)]
        start, steps = received, []
        for step in plan.steps if plan else []:
            steps = [
                *steps,
                ProcessStep(
                    buoc=f"Bước {step.label}" + (f": {step.name}" if step.name else ""),
                    trang_thai=Status.DANG_XU_LY,
                    # Where the decision names no office for a step, the province's
                    # system knows which one handled it; the demo names the department.
                    phong_ban=step.responsible or "Sở Tài nguyên và Môi trường",
                    bat_dau=start,
                    han_xu_ly=step.deadline,
                    ket_thuc=step.deadline,
                    noi_dung=step.name,
                ),
            ]
            start = step.deadline
            state = state.model_copy(
                update={
                    "trang_thai": Status.DANG_XU_LY,
                    "qua_trinh": steps,
                    "buoc_hien_tai": steps[-1].buoc,
                }
            )
            events.append((EventType.PROGRESS, state))
        result_file = state.thanh_phan[0].model_copy(update={"ten_thanh_phan": "Kết quả"})
        state = state.model_copy(
            update={
                "trang_thai": Status.DA_XU_LY_XONG,
                "ket_qua": Result(
                    so=f"{100 + n}/GP-STNMT",
                    ngay_ky=start.date(),
                    loai_giay_to="Giấy phép",
                    co_quan_cap="Sở Tài nguyên và Môi trường",
                    files=[result_file],
                ),
            }
        )
        events.append((EventType.RESULT, state))
        state = state.model_copy(
            update={"trang_thai": Status.DA_TRA_KET_QUA, "ngay_tra": start + timedelta(hours=1)}
        )
        events.append((EventType.RETURNED, state))
        for k, (type_, snapshot) in enumerate(events):
            batch.append(
                DossierEvent(
                    id=f"monre-{dossier.ma_ho_so}-{k:02d}",
                    type=type_,
                    occurred_at=snapshot.ngay_tra or received,
                    ma_ho_so=dossier.ma_ho_so,
                    snapshot=snapshot,
                ).model_dump(mode="json", exclude={"sequence"})
            )
    if batch:
        response = await http.post(f"{api_url}/api/v1/events", json={"events": batch})
        response.raise_for_status()
    return {"pulled": pulled.new if pulled else 0, "dossiers": [i["ma_ho_so"] for i in items]}


def monre_summary(console: Console, hub: Any, monre: dict[str, Any]) -> None:
    from hub.models import EventType as ET

    rows = hub.store.jobs_with_event_type("monre")
    done = Counter(r.type for r in rows if r.state == "succeeded")
    dead = [r for r in rows if r.state == "dead"]
    table = Table(title=t("demo.monre_title"), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row(t("demo.monre_pulled"), str(monre["pulled"]))
    table.add_row(t("demo.monre_received"), str(done[ET.RECEIVED.value]))
    table.add_row(t("demo.monre_steps"), str(done[ET.PROGRESS.value]))
    table.add_row(t("demo.monre_returned"), str(done[ET.RETURNED.value]))
    table.add_row(t("demo.monre_stored"), str(done[ET.RESULT.value]))
    table.add_row(t("demo.dead"), str(len(dead)))
    console.print(table)
    for r in dead:
        console.print(f"  {r.ma_ho_so}: {r.last_error}")
