"""``tthc-hub demo``: the whole flow against the bundled MOLISA mock, on a temporary SQLite file.

1. start the MOLISA mock and the hub's API on loopback ports;
2. make the mock fail a share of calls (HTTP 503, timeouts, dropped connections,
   garbled bodies) and file some dossiers at the ministry;
3. ingest realistic social-assistance dossiers through ``POST /api/v1/events``
   (received → processing → processed → returned), a few of them lacking the
   birth date MOLISA requires;
4. pull the ministry-filed dossiers into the inbox and receive them at the province;
5. run the worker until nothing can move, with a progress bar;
6. check every job against what the mock received, and print the summary.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.catalog import fold
from hub.i18n import t
from hub.logging import setup_logging
from hub.masking import mask_name
from hub.models import DossierEvent, EventType, Status
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.store.store import utcnow

__all__ = ["run_demo"]

MOLISA_CODES = ["1.001776", "1.001731"]


def run_demo(
    *,
    dossiers: int = 60,
    ministry_filed: int = 12,
    invalid: int = 3,
    fault_rate: float = 0.12,
    seed: int = 2026,
    keep: Path | None = None,
    console: Console | None = None,
) -> int:
    """Run the demo; returns how many events were lost (0 unless something is broken)."""
    console = console or Console()
    setup_logging("console", "CRITICAL")  # the summary reports what went wrong
    with tempfile.TemporaryDirectory(prefix="tthc-hub-demo-") as tmp:
        db = (keep or Path(tmp) / "demo.db").resolve()
        if keep is not None and db.exists():
            raise SystemExit(f"{db} exists; choose another --keep path")
        return asyncio.run(_demo(console, db, dossiers, ministry_filed, invalid, fault_rate, seed))


async def _demo(
    console: Console,
    db: Path,
    n_dossiers: int,
    n_ministry: int,
    n_invalid: int,
    fault_rate: float,
    seed: int,
) -> int:
    from hub.api import create_app
    from hub.plugins import mock_factories
    from hub.service import Hub
    from hub.testing.mock.admin import MockConfig
    from hub.testing.mock.server import start_server
    from mocks.hotich.app import create_app as create_hotich
    from mocks.lienthong.app import create_app as create_lienthong
    from mocks.monre.app import create_app as create_monre

    # The mocks log each dropped connection they inject; the summary counts them instead.
    mocks = {
        "molisa": start_server(mock_factories()["molisa"](), log_level="critical"),
        # Each result poll moves a civil-status dossier one step: received, processing, done.
        "hotich": start_server(create_hotich(advance="poll"), log_level="critical"),
        "lienthong": start_server(
            create_lienthong(MockConfig(seed_count=max(1, n_ministry), seed=seed)),
            log_level="critical",
        ),
        "monre": start_server(create_monre(), log_level="critical"),
    }
    settings = HubSettings(
        database_url=f"sqlite:///{db}",
        worker=WorkerSettings(
            concurrency=8,
            call_timeout_seconds=10,
            retry=RetrySettings(
                initial_seconds=0.05, max_seconds=0.5, jitter_seconds=0.05, max_attempts=10
            ),
        ),
        routes=[
            RouteRule(connector="molisa", ma_tthc=MOLISA_CODES),
            RouteRule(connector="hotich", ma_tthc=HOTICH_CODES),
            RouteRule(connector="lienthong", ma_tthc=LIENTHONG_CODES),
            # The environment sector of the catalog goes to MONRE: configuration, not code.
            RouteRule(connector="monre", sectors=["Tài nguyên và Môi trường"]),
        ],
        connectors={
            "molisa": {
                "base_url": mocks["molisa"].url,
                "accept_key": "test-key",
                "timeout_seconds": 1.0,
            },
            "hotich": {
                "base_url": mocks["hotich"].url,
                "api_key": "test-key",
                "timeout_seconds": 2.0,
            },
            "monre": {
                "base_url": mocks["monre"].url,
                "access_key": "test-key",
                "timeout_seconds": 2.0,
            },
            "lienthong": {
                "base_url": mocks["lienthong"].url,
                "user_name": "mcdt-tinh",
                "password": "test-key",
                "timeout_seconds": 2.0,
            },
        },
    )
    hub = Hub(settings)
    api = start_server(create_app(hub, close_hub=False), log_level="critical")
    urls = "  ".join(f"{name} {server.url}" for name, server in mocks.items())
    console.print(f"[bold]tthc-hub demo[/]  mocks: {urls}  hub API {api.url}  db {db}")
    stop = asyncio.Event()
    worker_task = asyncio.create_task(hub.worker.run(stop))
    received: dict[str, list[dict[str, Any]]] = {}
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            molisa, hotich = mocks["molisa"].url, mocks["hotich"].url
            await http.post(f"{molisa}/_mock/seed", json={"count": n_ministry, "seed": seed})
            await http.post(f"{molisa}/_mock/faults", json={"faults": _faults(fault_rate)})
            # Hộ tịch answers 503 to some submissions: they must be retried, not lost.
            await http.post(
                f"{hotich}/_mock/faults",
                json={
                    "faults": [
                        {
                            "kind": "http_503",
                            "rate": min(0.5, fault_rate * 2),
                            "paths": ["/NhanDKHT"],
                        }
                    ]
                },
            )
            batches = _province_events(n_dossiers, n_invalid, seed)
            civil = _civil_status_events(seed)
            with _progress(console) as progress:
                task = progress.add_task(t("demo.progress"), total=None, detail="")
                for batch in [*batches, civil]:
                    response = await http.post(f"{api.url}/api/v1/events", json={"events": batch})
                    response.raise_for_status()
                    _update(progress, task, hub)
                await _pull_and_receive(hub, http, api.url)
                lienthong = await hub.pull_once("lienthong")
                monre = await _monre_dossiers(hub, http, api.url, mocks["monre"].url, seed)
                while hub.store.has_unfinished_jobs():
                    _update(progress, task, hub)
                    await asyncio.sleep(0.2)
                # What is left is held back behind a dead job: nothing more can move.
                _update(progress, task, hub, finished=True)
            for server in mocks.values():
                await http.delete(f"{server.url}/_mock/faults")
            civil_outcome = await _civil_status_results(hub, http, hotich, civil)
            monre["stats"] = (await http.get(f"{mocks['monre'].url}/_mock/stats")).json()
            stats = (await http.get(f"{molisa}/_mock/stats")).json()
            interlinked = await _lienthong_view(http, api.url)
            for name in ("molisa", "hotich", "monre"):
                received[name] = (await http.get(f"{mocks[name].url}/_mock/received")).json()
    finally:
        stop.set()
        await worker_task
        api.stop()
        for server in mocks.values():
            server.stop()
        await hub.aclose()
    lost = _summary(console, hub, stats, received)
    _civil_summary(console, hub, civil_outcome, lienthong, interlinked)
    _monre_summary(console, hub, monre)
    return lost


HOTICH_CODES = ["1.001193", "1.000656", "1.000894"]
LIENTHONG_CODES = ["2.000986", "1.006714", "1.011733", "2.002622"]


def _civil_status_events(seed: int) -> list[dict[str, Any]]:
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


async def _civil_status_results(
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


def _faults(rate: float) -> list[dict[str, Any]]:
    """Spread ``rate`` over the kinds of failure a ministry really shows."""
    share = rate / 4
    return [
        {"kind": "http_503", "rate": share},
        {"kind": "timeout", "rate": share, "delay_seconds": 1.5},
        {"kind": "reset", "rate": share},
        {"kind": "malformed", "rate": share},
    ]


def _province_events(n: int, n_invalid: int, seed: int) -> list[list[dict[str, Any]]]:
    """The province's events, stage by stage across dossiers, in batches of 50."""
    from hub.testing.samples import sample_batch

    lifecycles = sample_batch(n, seed)
    for lifecycle in lifecycles[:n_invalid]:
        # The officer left ngày sinh empty; MOLISA requires it.
        for i, event in enumerate(lifecycle):
            owner = event.snapshot.chu_ho_so.model_copy(update={"ngay_sinh": None})
            snapshot = event.snapshot.model_copy(update={"chu_ho_so": owner})
            lifecycle[i] = event.model_copy(update={"snapshot": snapshot})
    # Stage by stage across dossiers, as a day at the one-stop-shop would send them.
    ordered = [lc[stage] for stage in range(4) for lc in lifecycles]
    payload = [e.model_dump(mode="json", exclude={"sequence"}) for e in ordered]
    return [payload[i : i + 50] for i in range(0, len(payload), 50)]


async def _pull_and_receive(hub: Any, http: httpx.AsyncClient, api_url: str) -> None:
    """Pull the ministry-filed dossiers (as the scheduler would, retrying a failed pull),
    then receive each at the province: its reception event goes back to the ministry."""
    for _ in range(20):
        outcome = await hub.pull_once("molisa")
        if outcome.error is None and outcome.pulled == 0:
            break
        await asyncio.sleep(0.05)
    items = hub.store.list_inbox(state="new", connector="molisa", limit=1000)
    batch = []
    for item in items:
        from hub.models import Dossier

        dossier = Dossier.model_validate(item["snapshot"])
        received_at = max(utcnow(), dossier.ngay_nop + timedelta(minutes=5))
        snapshot = dossier.model_copy(
            update={"trang_thai": Status.DUOC_TIEP_NHAN, "ngay_tiep_nhan": received_at}
        )
        event = DossierEvent(
            id=f"tiep-nhan-{dossier.ma_ho_so}",
            type=EventType.RECEIVED,
            occurred_at=received_at,
            ma_ho_so=dossier.ma_ho_so,
            snapshot=snapshot,
        )
        batch.append(event.model_dump(mode="json", exclude={"sequence"}))
    if batch:
        response = await http.post(f"{api_url}/api/v1/events", json={"events": batch})
        response.raise_for_status()


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _update(progress: Progress, task: Any, hub: Any, *, finished: bool = False) -> None:
    counts = Counter()
    for (_connector, state), n in hub.store.job_counts().items():
        counts[state] += n
    total = sum(counts.values())
    done = counts["succeeded"] + counts["dead"]
    detail = f"↻ {counts['failed']}  ✗ {counts['dead']}"
    progress.update(task, total=total, completed=total if finished else done, detail=detail)


def _summary(
    console: Console, hub: Any, stats: dict[str, Any], received: dict[str, list[dict[str, Any]]]
) -> int:
    seen = hub.store.delivery_overview()
    n_events, job_rows, retried = len(seen.event_ids), seen.jobs, seen.retried
    inbox_rows, event_ids = seen.inbox_states, seen.event_ids
    applied = {
        name: Counter(r["idempotency_key"] for r in records if r.get("idempotency_key"))
        for name, records in received.items()
    }
    states = Counter(r.state for r in job_rows)
    dead_dossiers = {r.ma_ho_so for r in job_rows if r.state == "dead"}
    held = [r for r in job_rows if r.state in ("pending", "failed") and r.ma_ho_so in dead_dossiers]
    synced_dossiers = {r.ma_ho_so for r in job_rows} - dead_dossiers
    # Lost: an event without its job, a succeeded job the ministry never got, or
    # a job the ministry applied twice.
    jobs_by_event = {r.event_id for r in job_rows}
    lost = len(event_ids - jobs_by_event)
    lost += sum(
        1
        for r in job_rows
        if r.state == "succeeded"
        and r.connector in applied
        and applied[r.connector][r.idempotency_key] != 1
    )
    unfinished = states["pending"] + states["failed"] + states["running"] - len(held)
    lost += max(0, unfinished)
    reasons = Counter(
        f"{r.error_class}: {(r.last_error or '')[:110]}" for r in job_rows if r.state == "dead"
    )

    table = Table(title=t("demo.title"), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("demo.ingested", n_events),
        ("demo.jobs", len(job_rows)),
        ("demo.synced", states["succeeded"]),
        ("demo.retried", retried),
        ("demo.dead", states["dead"]),
        ("demo.held", len(held)),
        ("demo.dossiers_synced", len(synced_dossiers)),
        ("demo.dossiers_dead", len(dead_dossiers)),
        ("demo.inbox", len(inbox_rows)),
        ("demo.inbox_taken", sum(1 for s in inbox_rows if s == "taken")),
        ("demo.duplicates", stats.get("duplicates", 0)),
        ("demo.lost", lost),
    ]
    for key, value in rows:
        style = "red" if key == "demo.lost" and value else ""
        table.add_row(t(key), f"[{style}]{value}[/]" if style else str(value))
    console.print(table)
    if reasons:
        console.print(f"[bold]{t('demo.reasons')}[/]")
        for reason, n in reasons.most_common():
            console.print(f"  {n} × {reason}")
    return lost


async def _lienthong_view(http: httpx.AsyncClient, api_url: str) -> dict[str, Any]:
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


def _civil_summary(
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


async def _monre_dossiers(
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


def _monre_summary(console: Console, hub: Any, monre: dict[str, Any]) -> None:
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
