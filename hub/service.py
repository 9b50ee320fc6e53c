"""The hub assembled: settings, store, connectors, routing, worker and pulls.

One :class:`Hub` per process. ``tthc-hub serve``, the demo, the API and the
tests all build it the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.calendar import CalendarSettings, WorkingCalendar, default_calendar
from hub.catalog import Catalog, load_catalog
from hub.connector import Capability, Connector, RemoteDossier
from hub.deadlines import DeadlineComputer, DeadlineWatch
from hub.errors import HubError, TransientError
from hub.logging import get_logger
from hub.metrics import HubMetrics
from hub.models import FINAL_STATUSES, Status
from hub.plugins import load_connectors
from hub.routing import Router
from hub.settings import HubSettings
from hub.store.engine import database_errors, make_engine, schema_is_current, upgrade_schema
from hub.store.store import Store
from hub.worker import Worker

__all__ = ["Hub", "PullOutcome"]

log = get_logger("hub.service")


#: Ministry statuses after which there is nothing more to hear about a dossier.
TRACKING_DONE = frozenset({*FINAL_STATUSES, Status.DA_XU_LY_XONG})

#: The kind of province update a ministry status means.
_UPDATE_KIND = {
    Status.DA_XU_LY_XONG: "result_ready",
    Status.DA_TRA_KET_QUA: "result_ready",
    Status.YEU_CAU_BO_SUNG: "supplement_required",
    Status.YEU_CAU_NGHIA_VU_TAI_CHINH: "payment_required",
    Status.KHONG_DUOC_TIEP_NHAN: "refused",
    Status.DUNG_XU_LY: "refused",
}


@dataclass(frozen=True, slots=True)
class TrackOutcome:
    connector: str
    checked: int
    changed: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PullOutcome:
    connector: str
    pulled: int
    new: int
    acknowledged: int
    error: str | None = None


class Hub:
    def __init__(
        self,
        settings: HubSettings,
        *,
        connectors: dict[str, Connector] | None = None,
        migrate: bool = True,
    ) -> None:
        self.settings = settings
        # Settings first: a misspelt section or a missing secret is reported before any
        # database file is created or migrated.
        self.connectors = connectors if connectors is not None else load_connectors(settings)
        self.engine = make_engine(settings.database_url)
        if migrate:
            with database_errors(self.engine):  # unreachable, unopenable: one line, exit 2
                if not schema_is_current(self.engine):
                    upgrade_schema(self.engine)
        self.store = Store(self.engine)
        self.catalog: Catalog = load_catalog(settings.catalog_files)
        self.calendar = (
            default_calendar()  # built once per process when office hours are the default
            if settings.calendar == CalendarSettings()
            else WorkingCalendar(settings.calendar)
        )
        # Ingest and pulls fill the mirror's ngày hẹn trả from the catalog when the
        # province does not send it; the watch moves at-risk and overdue dossiers.
        self.store.deadline_for = DeadlineComputer(self.catalog, self.calendar)
        self.deadlines = DeadlineWatch(self.store, self.calendar)
        self.router = Router(settings.routes, self.connectors, self.catalog)
        self.metrics = HubMetrics()
        self.worker = Worker(self.store, self.connectors, settings.worker, metrics=self.metrics)
        self.metrics.attach(self)

    def calendar_years_without_file(self) -> list[int]:
        """Years deadlines are counted in with no day-off file (only the holidays package)."""
        from hub.calendar import TZ
        from hub.calendar_years import years_without_file

        return years_without_file(self.calendar, datetime.now(TZ).date())

    def warn_calendar_years(self) -> None:
        """Log ``calendar_year_without_file`` (warning) if a year lacks its day-off file:
        at the start of the long-running processes (serve, worker)."""
        missing = self.calendar_years_without_file()
        if missing:
            log.warning(
                "calendar_year_without_file",
                years=missing,
                hint="add hub/data/calendar/<year>.json or [calendar] calendar_files",
            )

    async def aclose(self) -> None:
        for connector in self.connectors.values():
            try:
                await connector.aclose()
            except Exception:  # closing must not hide the real error of a shutdown
                log.exception("connector_close_failed", connector=connector.name)
        self.worker.close()
        # Off the loop: a guard's running check is waited for (the API's lifespan and the
        # worker's loop close here, and other tasks of theirs may still be finishing).
        await asyncio.to_thread(self.close_store)

    def close_store(self) -> None:
        """Stop the store's maintenance guards (a check they are running is waited for,
        so its connection is back in the pool) and dispose of the engine: the end of a
        command that used the store without the async connectors."""
        for guard in (self.store.statistics_guard, self.store.vacuum_guard):
            if guard is not None:
                guard.close()
        self.engine.dispose()

    # --- pulls ------------------------------------------------------------------

    def pull_connectors(self) -> list[str]:
        return [n for n, c in self.connectors.items() if Capability.PULL in c.capabilities]

    async def pull_once(self, name: str, *, max_pages: int = 50) -> PullOutcome:
        """Pull newly filed dossiers from one ministry into the inbox, then acknowledge them.

        The inbox insert and the cursor move are one transaction; the acknowledgement
        comes after, so a crash in between re-pulls the same items, which the inbox
        ignores. Acknowledgements that failed earlier are retried first.
        """
        connector = self.connectors[name]
        pulled = new = acked = 0
        try:
            await self._ack(connector, self.store.unacked(name))
            cursor = self.store.get_cursor(name)
            for _ in range(max_pages):
                batch = await connector.pull(cursor)
                pulled += len(batch.items)
                new += await asyncio.to_thread(
                    self.store.store_pulled, name, batch.items, batch.cursor
                )
                acked += await self._ack(connector, [i.remote_id for i in batch.items])
                cursor = batch.cursor
                if not batch.more or not batch.items:
                    break
        except HubError as exc:
            self.store.record_pull_error(name, str(exc))
            log.warning("pull_failed", connector=name, error_class=exc.code, reason=exc.reason)
            return PullOutcome(name, pulled, new, acked, str(exc))
        if pulled:
            log.info("pull_done", connector=name, pulled=pulled, new=new, acknowledged=acked)
        return PullOutcome(name, pulled, new, acked)

    async def _ack(self, connector: Connector, remote_ids: list[str]) -> int:
        if not remote_ids:
            return 0
        await connector.acknowledge(remote_ids)
        self.store.mark_acked(connector.name, remote_ids)
        return len(remote_ids)

    async def pull_all(self) -> list[PullOutcome]:
        return [await self.pull_once(name) for name in self.pull_connectors()]

    # --- operator tasks and retention ----------------------------------------------

    async def run_tasks(self, stop: asyncio.Event, *, poll_seconds: float = 1.0) -> None:
        """Run operator tasks (re-run, skip, cancel by filter) queued through the API or CLI."""
        from hub.ops import Operations

        ops = Operations(self.store)
        owner = self.worker.worker_id
        while not stop.is_set():
            op_id = await asyncio.to_thread(ops.claim_task, owner)
            if op_id is None:
                try:
                    await asyncio.wait_for(stop.wait(), poll_seconds)
                except TimeoutError:
                    pass
                continue
            result = await asyncio.to_thread(
                ops.run_task, op_id, owner, progress=lambda _t: self.worker.notify()
            )
            log.info(
                "task_finished",
                task=op_id,
                kind=result["kind"],
                state=result["state"],
                applied=result["applied"],
                refused=result["refused"],
            )

    def cull(self) -> dict[str, int]:
        """Retention, as configured: old excerpts and finished jobs go; failed and dead stay."""
        from datetime import timedelta

        from hub.ops import Operations
        from hub.store.store import utcnow

        now = utcnow()
        r = self.settings.retention
        return Operations(self.store).cull(
            finished_before=now - timedelta(days=r.finished_job_days),
            excerpts_before=now - timedelta(days=r.excerpt_days),
        )

    # --- tracking ---------------------------------------------------------------

    def track_connectors(self) -> list[str]:
        return [n for n, c in self.connectors.items() if Capability.TRACK in c.capabilities]

    async def track_once(self, name: str, *, limit: int = 100) -> TrackOutcome:
        """Ask the ministry about dossiers we sent it that it has not finished with, and
        queue a province update for each change (result ready, supplement, refusal)."""
        connector = self.connectors[name]
        refs = await asyncio.to_thread(
            self.store.due_for_tracking, name, final=[int(s) for s in TRACKING_DONE], limit=limit
        )
        changed = 0
        for ref in refs:
            try:
                remote = await connector.fetch(ref["ma_ho_so"])
            except HubError as exc:
                log.warning(
                    "track_failed",
                    connector=name,
                    ma_ho_so=ref["ma_ho_so"],
                    error_class=exc.code,
                    reason=exc.reason,
                )
                if isinstance(exc, TransientError):
                    # The ministry is down or busy: the next round asks again.
                    return TrackOutcome(name, len(refs), changed, str(exc))
                continue  # this dossier's answer is unusable; the others may be fine
            status = remote.trang_thai if remote else None
            raw = remote.raw_status if remote else None
            is_new = remote is not None and (
                status != ref["remote_status"] or raw != ref["remote_raw_status"]
            )
            update_id = await asyncio.to_thread(
                self.store.record_remote_status,
                name,
                ref["ma_ho_so"],
                status=status,
                raw_status=raw,
                change=_update_payload(remote) if is_new and remote else None,
                kind=_UPDATE_KIND.get(status, "status_changed") if is_new and status else None,
            )
            if update_id is not None:
                changed += 1
                log.info(
                    "province_update_queued",
                    connector=name,
                    ma_ho_so=ref["ma_ho_so"],
                    kind=_UPDATE_KIND.get(status, "status_changed") if status else None,
                    update_id=update_id,
                )
        return TrackOutcome(name, len(refs), changed)

    # --- tracking feeds (carriers: connectors with ``track_events``) ----------------

    def feed_connectors(self) -> list[str]:
        return [n for n, c in self.connectors.items() if hasattr(c, "track_events")]

    async def feed_once(self, name: str, *, max_pages: int = 50) -> int:
        """Read a carrier's tracking feed from the last event id seen; each page's
        shipment states, province updates and cursor are stored in one transaction.
        Returns how many events were stored."""
        connector: Any = self.connectors[name]
        stored = 0
        try:
            cursor = await asyncio.to_thread(self.store.tracking_cursor, name)
            for _ in range(max_pages):
                page = await connector.track_events(cursor)
                stored += await asyncio.to_thread(
                    self.store.store_tracking_page, name, page.events, page.cursor
                )
                cursor = page.cursor
                if not page.more or not page.events:
                    break
        except HubError as exc:
            await asyncio.to_thread(self.store.record_tracking_error, name, str(exc))
            log.warning("feed_failed", connector=name, error_class=exc.code, reason=exc.reason)
        if stored:
            log.info("feed_done", connector=name, events=stored)
        return stored

    # --- for plugins: reading what the hub holds (connectors never open the store) ---

    def inbox_snapshots(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        pulled_since: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The snapshots of dossiers pulled from ``connector`` into the inbox, oldest first,
        narrowed by mã hồ sơ, national mã TTHC (and its local variants) and pull time;
        streamed in pages, each read in its own short read-only transaction."""
        return self.store.search_inbox(
            connector, ma_ho_so=ma_ho_so, ma_tthc=ma_tthc, pulled_since=pulled_since
        )

    def shipments(
        self, connector: str, *, ma_ho_so: str | None = None, attention_only: bool = False,
        limit: int = 100, offset: int = 0,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """A carrier's shipments at their last tracked state, most recently changed first;
        ``attention_only``: those an operator must act on (a delivery failed for good)."""
        return self.store.list_shipments(
            connector, ma_ho_so=ma_ho_so, attention_only=attention_only, limit=limit,
            offset=offset,
        )  # fmt: skip

    def shipment_history(self, connector: str, ma_ho_so: str) -> list[dict[str, Any]]:
        """Every change of a dossier's shipments told to the province, oldest first."""
        return self.store.shipment_history(connector, ma_ho_so)

    def sent_snapshots(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        updated_since: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The mirror snapshots of province-filed dossiers the hub sent to ``connector``
        (liên thông's "Cách 1"), narrowed like :meth:`inbox_snapshots`, streamed in pages."""
        return self.store.sent_snapshots(
            connector, ma_ho_so=ma_ho_so, ma_tthc=ma_tthc, updated_since=updated_since
        )

    def mirror_procedures(self) -> set[str]:
        """Every mã TTHC the mirror's dossiers carry (local codes as stored)."""
        return self.store.mirror_procedures()

    def reconciler(self) -> Any:
        """Reconciliation runs and their repair through the outbox (:class:`hub.reconcile.
        Reconciler`): what a plugin's command uses to re-sync what a ministry lacks."""
        from hub.reconcile import Reconciler

        return Reconciler(self)

    def describe_connectors(self) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "title": c.title,
                "capabilities": sorted(cap.value for cap in c.capabilities),
            }
            for c in self.connectors.values()
        ]


def _update_payload(remote: RemoteDossier) -> dict[str, Any]:
    status = remote.trang_thai
    return {
        "ma_ho_so": remote.ma_ho_so,
        "trang_thai": int(status) if status is not None else None,
        "trang_thai_vi": status.label_vi if status is not None else None,
        "trang_thai_en": status.label_en if status is not None else None,
        "raw_status": remote.raw_status,
        "remote_id": remote.remote_id,
        "note": remote.note,
        "deadline": remote.deadline.isoformat() if remote.deadline else None,
        "result": remote.result.model_dump(mode="json") if remote.result else None,
        "history": [step.model_dump(mode="json") for step in remote.history],
    }
