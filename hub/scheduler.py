"""Periodic jobs (apscheduler 3, AsyncIOScheduler): each pulling connector on an interval,
tracking, retention, the deadline watch, and the jobs enabled connectors' plugins add
(``register_periodic_jobs``)."""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pluggy
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from structlog import get_logger

from hub.errors import HubError
from hub.plugins import PeriodicJob, periodic_jobs
from hub.service import Hub

__all__ = ["build_scheduler", "once_per_slot"]

DAY = 86_400
log = get_logger("hub.scheduler")


async def once_per_slot(
    hub: Hub, key: str, every: float, fn: Callable[..., Any], *args: Any
) -> Any:
    """Run ``fn`` unless another hub instance already ran ``key`` in this time slot.

    Several instances (on several machines) schedule the same jobs; the database's unique
    (job, slot) row decides which one runs each slot, so a pull, a reconciliation or the
    retention happens once however many instances there are.
    """
    slot = int(time.time() // every)
    owner = hub.worker.worker_id
    if not await asyncio.to_thread(hub.store.claim_periodic, key, slot, owner):
        return None
    result = fn(*args)
    return await result if inspect.isawaitable(result) else result


def build_scheduler(hub: Hub, pm: pluggy.PluginManager | None = None) -> AsyncIOScheduler:
    """A scheduler (not started): the hub's jobs, then enabled connectors' (from ``pm``)."""
    scheduler = AsyncIOScheduler(timezone="Asia/Ho_Chi_Minh")
    interval = hub.settings.scheduler.pull_interval_seconds
    for name in hub.pull_connectors():  # pulled at start too
        _every(scheduler, hub, f"pull:{name}", interval, hub.pull_once, name, now=True)
    # Retention once a night, at 02:30 province time.
    scheduler.add_job(
        once_per_slot,
        "cron",
        args=[hub, "retention", DAY, hub.cull],
        hour=2,
        minute=30,
        id="retention",
        max_instances=1,
        coalesce=True,
    )
    track_every = hub.settings.scheduler.track_interval_seconds
    for name in hub.track_connectors():
        _every(scheduler, hub, f"track:{name}", track_every, hub.track_once, name)
    # Carriers' tracking feeds (VNPost), paged by the last event id seen.
    for name in hub.feed_connectors():
        _every(scheduler, hub, f"feed:{name}", track_every, hub.feed_once, name)
    # The deadline watch: at-risk and overdue dossiers, each move told to the province once.
    watch_every = hub.settings.scheduler.deadline_watch_seconds
    # In a thread: a pass queries and writes the database, the loop serves the API.
    _every(scheduler, hub, "deadline-watch", watch_every, asyncio.to_thread, hub.deadlines.run,
           now=True)  # fmt: skip
    # The nightly reconciliation (hub/reconcile.py), every listable connector, whole period.
    scheduler.add_job(
        once_per_slot,
        "cron",
        args=[hub, "reconcile", DAY, _reconcile_all, hub],
        hour=hub.settings.scheduler.reconcile_cron_hour,
        minute=15,
        id="reconcile",
        max_instances=1,
        coalesce=True,
    )
    _add_plugin_jobs(scheduler, hub, pm)
    return scheduler


def _add_plugin_jobs(
    scheduler: AsyncIOScheduler, hub: Hub, pm: pluggy.PluginManager | None
) -> None:
    """Each enabled connector's periodic jobs, once per slot like the hub's own."""
    for key, job in periodic_jobs(hub, pm).items():
        _every(scheduler, hub, key, job.every_seconds, _run_plugin_job, hub, key, job)


def _every(
    scheduler: AsyncIOScheduler, hub: Hub, job_id: str, seconds: float, fn: Any, *args: Any,
    now: bool = False,
) -> None:  # fmt: skip
    """``fn(*args)`` every ``seconds``, once per slot across instances. One run at a time;
    a run missed while the hub was down is done once, not once per missed interval;
    ``now``: a first run at start."""
    scheduler.add_job(
        once_per_slot,
        "interval",
        args=[hub, job_id, seconds, fn, *args],
        seconds=seconds,
        id=job_id,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(1, math.ceil(seconds)),
        **({"next_run_time": datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))} if now else {}),
    )


async def _run_plugin_job(hub: Hub, key: str, job: PeriodicJob) -> Any:
    """Run a plugin's job; a ministry's refusal or outage is logged (the next slot tries
    again), like a failed pull."""
    try:
        return await job.run(hub)
    except HubError as exc:
        log.warning("periodic_job_failed", job=key, error_class=exc.code, reason=exc.reason)
        return None


async def _reconcile_all(hub: Hub) -> list[int]:
    from hub.reconcile import Reconciler

    return await Reconciler(hub).run_all(actor="scheduler")
