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
from sqlalchemy import func, select

from hub.i18n import t
from hub.logging import setup_logging
from hub.models import DossierEvent, EventType, Status
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.store.store import utcnow
from hub.store.tables import attempts, events, inbox, jobs

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
    from hub.service import Hub
    from mocks._common.server import start_server
    from mocks.registry import mock_factories

    # The mock logs each dropped connection it injects; the summary counts them instead.
    mock = start_server(mock_factories()["molisa"](), log_level="critical")
    settings = HubSettings(
        database_url=f"sqlite:///{db}",
        worker=WorkerSettings(
            concurrency=8,
            call_timeout_seconds=10,
            retry=RetrySettings(
                initial_seconds=0.05, max_seconds=0.5, jitter_seconds=0.05, max_attempts=10
            ),
        ),
        routes=[RouteRule(connector="molisa", ma_tthc=MOLISA_CODES)],
        connectors={
            "molisa": {"base_url": mock.url, "accept_key": "test-key", "timeout_seconds": 1.0}
        },
    )
    hub = Hub(settings)
    api = start_server(create_app(hub, close_hub=False), log_level="critical")
    console.print(f"[bold]tthc-hub demo[/]  MOLISA mock {mock.url}  hub API {api.url}  db {db}")
    stop = asyncio.Event()
    worker_task = asyncio.create_task(hub.worker.run(stop))
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            await http.post(f"{mock.url}/_mock/seed", json={"count": n_ministry, "seed": seed})
            await http.post(f"{mock.url}/_mock/faults", json={"faults": _faults(fault_rate)})
            batches = _province_events(n_dossiers, n_invalid, seed)
            with _progress(console) as progress:
                task = progress.add_task(t("demo.progress"), total=None, detail="")
                for batch in batches:
                    response = await http.post(f"{api.url}/api/v1/events", json={"events": batch})
                    response.raise_for_status()
                    _update(progress, task, hub)
                await _pull_and_receive(hub, http, api.url)
                while hub.store.has_unfinished_jobs():
                    _update(progress, task, hub)
                    await asyncio.sleep(0.2)
                # What is left is held back behind a dead job: nothing more can move.
                _update(progress, task, hub, finished=True)
            await http.delete(f"{mock.url}/_mock/faults")
            stats = (await http.get(f"{mock.url}/_mock/stats")).json()
            received = (await http.get(f"{mock.url}/_mock/received")).json()
    finally:
        stop.set()
        await worker_task
        api.stop()
        mock.stop()
        await hub.aclose()
    return _summary(console, hub, stats, received)


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


def _summary(console: Console, hub: Any, stats: dict[str, Any], received: Any) -> int:
    with hub.engine.connect() as conn:
        n_events = conn.execute(select(func.count()).select_from(events)).scalar_one()
        job_rows = conn.execute(
            select(
                jobs.c.id,
                jobs.c.ma_ho_so,
                jobs.c.state,
                jobs.c.idempotency_key,
                jobs.c.error_class,
                jobs.c.last_error,
                jobs.c.event_id,
            )
        ).all()
        retried = conn.execute(
            select(func.count(func.distinct(attempts.c.job_id))).where(
                attempts.c.outcome == "transient"
            )
        ).scalar_one()
        inbox_rows = conn.execute(select(inbox.c.state)).scalars().all()
        event_ids = set(conn.execute(select(events.c.id)).scalars())
    records = received if isinstance(received, list) else received.get("items", [])
    applied = Counter(r["idempotency_key"] for r in records if r.get("idempotency_key"))
    states = Counter(r.state for r in job_rows)
    dead_dossiers = {r.ma_ho_so for r in job_rows if r.state == "dead"}
    held = [r for r in job_rows if r.state in ("pending", "failed") and r.ma_ho_so in dead_dossiers]
    synced_dossiers = {r.ma_ho_so for r in job_rows} - dead_dossiers
    # Lost: an event without its job, a succeeded job the ministry never got, or
    # a job the ministry applied twice.
    jobs_by_event = {r.event_id for r in job_rows}
    lost = len(event_ids - jobs_by_event)
    lost += sum(1 for r in job_rows if r.state == "succeeded" and applied[r.idempotency_key] != 1)
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
