"""``tthc-hub demo``: the whole flow against the installed mocks, on a temporary SQLite file.

The demo knows no connector and no mock by name: every plugin adds its part through the
``register_demo_scenarios`` hook (:mod:`hub.demo_kit`, docs/hooks.md). This module runs
them together:

1. start the mocks the scenarios need (``register_mocks`` factories), seed them and set
   their faults, and the hub's API, on loopback ports;
2. ingest every scenario's province events through ``POST /api/v1/events``;
3. let each scenario pull, receive and file more while the worker runs; wait until
   nothing can move, with a progress bar; clear the faults;
4. let each scenario poll and look up, and say what it lost;
5. check every job against what its mock received, and print the summaries.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.demo_kit import DemoContext, DemoMock, DemoOptions, DemoScenario, DemoTable
from hub.i18n import error_class_words, t
from hub.logging import setup_logging
from hub.messages import render_stored
from hub.province import ProvinceSettings
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings

if TYPE_CHECKING:
    import pluggy

    from hub.models import DossierEvent
    from hub.service import Hub

__all__ = ["run_demo"]


def run_demo(
    *,
    dossiers: int = 60,
    ministry_filed: int = 12,
    invalid: int = 3,
    fault_rate: float = 0.12,
    seed: int = 2026,
    keep: Path | None = None,
    console: Console | None = None,
    pm: pluggy.PluginManager | None = None,
) -> int:
    """Run the demo with every installed plugin's scenario (or those of ``pm``); returns
    how many events were lost (0 unless something is broken)."""
    from hub.plugins import demo_scenarios, get_plugin_manager

    console = console or Console()
    pm = pm or get_plugin_manager()
    options = DemoOptions(dossiers, ministry_filed, invalid, fault_rate, seed)
    setup_logging("console", "CRITICAL")  # the summary reports what went wrong
    with tempfile.TemporaryDirectory(prefix="tthc-hub-demo-") as tmp:
        db = (keep or Path(tmp) / "demo.db").resolve()
        if keep is not None and db.exists():
            raise SystemExit(f"{db} exists; choose another --keep path")
        return asyncio.run(_demo(console, db, options, demo_scenarios(pm), pm))


#: The demo province: the unit code of the sample dossiers, Quảng Ngãi since July 2025.
DEMO_MA_DON_VI = "000.00.22.H34"
DEMO_MA_TINH = "51"


def _settings(db: Path, scenarios: Sequence[DemoScenario], urls: Mapping[str, str]) -> HubSettings:
    """The demo hub: a SQLite file, a quick retry clock, each mock as its ministry."""
    connectors: dict[str, dict[str, Any]] = {}
    for scenario in scenarios:
        connectors |= scenario.settings(urls)
    return HubSettings(
        database_url=f"sqlite:///{db}",
        worker=WorkerSettings(
            concurrency=8,
            call_timeout_seconds=10,
            retry=RetrySettings(
                initial_seconds=0.05, max_seconds=0.5, jitter_seconds=0.05, max_attempts=10
            ),
        ),
        routes=[RouteRule.model_validate(r) for scenario in scenarios for r in scenario.routes()],
        connectors=connectors,
        # The demo province's own codes (the mocks' sample dossiers carry them).
        province=ProvinceSettings(ma_don_vi=DEMO_MA_DON_VI, ma_tinh=DEMO_MA_TINH),
    )


@dataclass
class _Outcome:
    """What the run leaves for the summary."""

    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)


async def _demo(
    console: Console,
    db: Path,
    options: DemoOptions,
    scenarios: list[DemoScenario],
    pm: pluggy.PluginManager,
) -> int:
    from hub.api import create_app
    from hub.plugins import load_connectors, mock_factories
    from hub.service import Hub
    from hub.testing.mock.server import start_server

    wanted = {m.name: m for s in scenarios for m in s.mocks(options)}
    factories = mock_factories(pm)
    if missing := sorted(set(wanted) - set(factories)):
        raise SystemExit(f"no installed mock named {', '.join(missing)}")
    outcome = _Outcome()
    with ExitStack() as servers:
        # The mocks log each dropped connection they inject; the summary counts them instead.
        mocks = {}
        for name in wanted:
            mocks[name] = start_server(factories[name](), log_level="critical")
            servers.callback(mocks[name].stop)
        urls = {name: server.url for name, server in mocks.items()}
        settings = _settings(db, scenarios, urls)
        hub = Hub(settings, connectors=load_connectors(settings, pm))
        api = start_server(create_app(hub, close_hub=False), log_level="critical")
        servers.callback(api.stop)
        shown = "  ".join(f"{name} {url}" for name, url in urls.items())
        console.print(f"[bold]tthc-hub demo[/]  mocks: {shown}  hub API {api.url}  db {db}")
        try:
            async with AsyncExitStack() as stack:
                http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
                progress = stack.enter_context(_progress(console))
                task = progress.add_task(t("demo.progress"), total=None, detail="")
                update = partial(_update, progress, task, hub)
                ctx = _context(hub, http, api.url, urls, options, update)
                await _run(ctx, scenarios, wanted, update, outcome)
        finally:
            await hub.aclose()
    return _print(console, hub, ctx, scenarios, outcome)


def _context(
    hub: Hub,
    http: httpx.AsyncClient,
    api_url: str,
    urls: Mapping[str, str],
    options: DemoOptions,
    update: Callable[..., None],
) -> DemoContext:
    async def ingest(events: Sequence[Mapping[str, Any] | DossierEvent]) -> None:
        payload = [
            e if isinstance(e, Mapping) else e.model_dump(mode="json", exclude={"sequence"})
            for e in events
        ]
        for i in range(0, len(payload), 50):
            batch = {"events": payload[i : i + 50]}
            answer = await http.post(f"{api_url}/api/v1/events", json=batch)
            answer.raise_for_status()
            update()

    return DemoContext(hub, http, api_url, urls, options, ingest)


async def _run(
    ctx: DemoContext,
    scenarios: list[DemoScenario],
    mocks: Mapping[str, DemoMock],
    update: Callable[..., None],
    outcome: _Outcome,
) -> None:
    """The steps, in order, with the worker running until every job has settled."""
    http, urls, hub = ctx.http, ctx.mock_urls, ctx.hub
    for name, mock in mocks.items():
        if mock.seed_count:
            seeded = {"count": mock.seed_count, "seed": ctx.options.seed}
            (await http.post(f"{urls[name]}/_mock/seed", json=seeded)).raise_for_status()
        if mock.faults:
            faults = {"faults": [dict(f) for f in mock.faults]}
            (await http.post(f"{urls[name]}/_mock/faults", json=faults)).raise_for_status()
    stop = asyncio.Event()
    worker = asyncio.create_task(hub.worker.run(stop))
    try:
        for scenario in scenarios:
            await ctx.ingest(scenario.events(ctx.options))
        for scenario in scenarios:
            await scenario.before_drain(ctx)
        while hub.store.has_unfinished_jobs():
            update()
            await asyncio.sleep(0.2)
        # What is left is held back behind a dead job: nothing more can move.
        update(finished=True)
        for name in mocks:
            await http.delete(f"{urls[name]}/_mock/faults")
        for scenario in scenarios:
            await scenario.after_drain(ctx)
        for scenario in scenarios:
            outcome.lost += await scenario.check(ctx)
        for name in (name for name, mock in mocks.items() if mock.audit):
            outcome.stats[name] = (await http.get(f"{urls[name]}/_mock/stats")).json()
            outcome.received[name] = (await http.get(f"{urls[name]}/_mock/received")).json()
    finally:
        stop.set()
        await worker


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _update(progress: Progress, task: Any, hub: Hub, *, finished: bool = False) -> None:
    counts: Counter[str] = Counter()
    for (_connector, state), n in hub.store.job_counts().items():
        counts[state] += n
    total = sum(counts.values())
    done = counts["succeeded"] + counts["dead"]
    detail = f"↻ {counts['failed']}  ✗ {counts['dead']}"
    progress.update(task, total=total, completed=total if finished else done, detail=detail)


def _print(
    console: Console,
    hub: Hub,
    ctx: DemoContext,
    scenarios: list[DemoScenario],
    outcome: _Outcome,
) -> int:
    """The hub's summary, then each scenario's tables and lines; returns what was lost.
    A table whose title came before joins that one: its rows and lines follow."""
    lost = _summary(console, hub, outcome)
    parts: list[DemoTable | str] = []
    tables: dict[str, DemoTable] = {}
    for scenario in scenarios:
        for part in scenario.summary(ctx):
            if isinstance(part, str):
                parts.append(part)
            elif (first := tables.get(str(part.title))) is not None:
                first.rows += part.rows
                first.notes += part.notes
            else:
                tables[str(part.title)] = part = DemoTable(part.title, [*part.rows], [*part.notes])
                parts.append(part)
    for part in parts:
        if isinstance(part, str):
            console.print(part)
            continue
        table = Table(title=str(part.title), show_header=False)
        table.add_column(style="bold")
        table.add_column(justify="right")
        for label, value in part.rows:
            table.add_row(str(label), str(value))
        console.print(table)
        for line in part.notes:
            console.print(line)
    return lost


def _summary(console: Console, hub: Hub, outcome: _Outcome) -> int:
    seen = hub.store.delivery_overview()
    n_events, job_rows, retried = len(seen.event_ids), seen.jobs, seen.retried
    inbox_rows, event_ids = seen.inbox_states, seen.event_ids
    applied = {
        name: Counter(r["idempotency_key"] for r in records if r.get("idempotency_key"))
        for name, records in outcome.received.items()
    }
    states = Counter(r.state for r in job_rows)
    dead_dossiers = {r.ma_ho_so for r in job_rows if r.state == "dead"}
    held = [r for r in job_rows if r.state in ("pending", "failed") and r.ma_ho_so in dead_dossiers]
    synced_dossiers = {r.ma_ho_so for r in job_rows} - dead_dossiers
    # Lost: an event without its job, a succeeded job the ministry never got, a job
    # the ministry applied twice, and what a scenario found lost.
    jobs_by_event = {r.event_id for r in job_rows}
    lost = len(event_ids - jobs_by_event) + len(outcome.lost)
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
        f"{error_class_words(r.error_class)}: {render_stored(r.last_error)[:110]}"
        for r in job_rows
        if r.state == "dead"
    )
    duplicates = sum(int(s.get("duplicates", 0)) for s in outcome.stats.values())

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
        ("demo.duplicates", duplicates),
        ("demo.lost", lost),
    ]
    for key, value in rows:
        style = "red" if key == "demo.lost" and value else ""
        table.add_row(t(key), f"[{style}]{value}[/]" if style else str(value))
    console.print(table)
    for line in outcome.lost:
        console.print(f"  [red]{t('demo.lost')}[/]: {line}")
    if reasons:
        console.print(f"[bold]{t('demo.reasons')}[/]")
        for reason, n in reasons.most_common():
            console.print(f"  {n} × {reason}")
    return lost
