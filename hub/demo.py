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

from hub.demo_scenarios import (
    HOTICH_CODES,
    LIENTHONG_CODES,
    civil_status_events,
    civil_status_results,
    civil_summary,
    lienthong_view,
    monre_dossiers,
    monre_summary,
)
from hub.i18n import t
from hub.logging import setup_logging
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


def _settings(db: Path, urls: dict[str, str]) -> HubSettings:
    """The demo hub: a SQLite file, a quick retry clock, each mock as its ministry."""
    return HubSettings(
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
                "base_url": urls["molisa"],
                "accept_key": "test-key",
                "timeout_seconds": 1.0,
            },
            "hotich": {
                "base_url": urls["hotich"],
                "api_key": "test-key",
                "timeout_seconds": 2.0,
            },
            "monre": {
                "base_url": urls["monre"],
                "access_key": "test-key",
                "timeout_seconds": 2.0,
            },
            "lienthong": {
                "base_url": urls["lienthong"],
                "user_name": "mcdt-tinh",
                "password": "test-key",
                "timeout_seconds": 2.0,
            },
        },
    )


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
    hub = Hub(_settings(db, {name: server.url for name, server in mocks.items()}))
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
            civil = civil_status_events(seed)
            with _progress(console) as progress:
                task = progress.add_task(t("demo.progress"), total=None, detail="")
                for batch in [*batches, civil]:
                    response = await http.post(f"{api.url}/api/v1/events", json={"events": batch})
                    response.raise_for_status()
                    _update(progress, task, hub)
                await _pull_and_receive(hub, http, api.url)
                lienthong = await hub.pull_once("lienthong")
                monre = await monre_dossiers(hub, http, api.url, mocks["monre"].url, seed)
                while hub.store.has_unfinished_jobs():
                    _update(progress, task, hub)
                    await asyncio.sleep(0.2)
                # What is left is held back behind a dead job: nothing more can move.
                _update(progress, task, hub, finished=True)
            for server in mocks.values():
                await http.delete(f"{server.url}/_mock/faults")
            civil_outcome = await civil_status_results(hub, http, hotich, civil)
            monre["stats"] = (await http.get(f"{mocks['monre'].url}/_mock/stats")).json()
            stats = (await http.get(f"{molisa}/_mock/stats")).json()
            interlinked = await lienthong_view(http, api.url)
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
    civil_summary(console, hub, civil_outcome, lienthong, interlinked)
    monre_summary(console, hub, monre)
    return lost


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
