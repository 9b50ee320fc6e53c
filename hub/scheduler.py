"""Periodic jobs (apscheduler 3, AsyncIOScheduler): each pulling connector on an interval,
tracking, retention, and the deadline watch."""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub.service import Hub

__all__ = ["build_scheduler", "once_per_slot"]

DAY = 86_400


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


def build_scheduler(hub: Hub) -> AsyncIOScheduler:
    """A scheduler (not started): a pull job per connector that pulls, a tracking job
    per connector whose ministry processes what we send."""
    scheduler = AsyncIOScheduler(timezone="Asia/Ho_Chi_Minh")
    interval = hub.settings.scheduler.pull_interval_seconds
    for name in hub.pull_connectors():
        scheduler.add_job(
            once_per_slot,
            "interval",
            args=[hub, f"pull:{name}", interval, hub.pull_once, name],
            seconds=interval,
            id=f"pull:{name}",
            # One run at a time per connector; a run missed while the hub was down is
            # done once at start, not once per missed interval.
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, math.ceil(interval)),
            next_run_time=datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")),  # pull at start too
        )
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
        scheduler.add_job(
            once_per_slot,
            "interval",
            args=[hub, f"track:{name}", track_every, hub.track_once, name],
            seconds=track_every,
            id=f"track:{name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, math.ceil(track_every)),
        )
    # Carriers' tracking feeds (VNPost), paged by the last event id seen.
    for name in hub.feed_connectors():
        scheduler.add_job(
            once_per_slot,
            "interval",
            args=[hub, f"feed:{name}", track_every, hub.feed_once, name],
            seconds=track_every,
            id=f"feed:{name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, math.ceil(track_every)),
        )
    # The deadline watch: at-risk and overdue dossiers, each move told to the province once.
    watch_every = hub.settings.scheduler.deadline_watch_seconds
    scheduler.add_job(
        once_per_slot,
        "interval",
        # In a thread: a pass queries and writes the database, the loop serves the API.
        args=[hub, "deadline-watch", watch_every, asyncio.to_thread, hub.deadlines.run],
        seconds=watch_every,
        id="deadline-watch",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(1, math.ceil(watch_every)),
        next_run_time=datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")),  # a run at start too
    )
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
    return scheduler


async def _reconcile_all(hub: Hub) -> list[int]:
    from hub.reconcile import Reconciler

    return await Reconciler(hub).run_all(actor="scheduler")
