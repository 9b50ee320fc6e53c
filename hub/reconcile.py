"""Reconciliation: the province mirror against each ministry's listing, and repair.

A run compares, for one connector and one period, the dossiers the province expects
the ministry to hold with what :meth:`Connector.list_remote` says it holds, and keeps
one finding per dossier that differs:

=================  ================================================  ===============
kind               meaning                                           repair
=================  ================================================  ===============
only_province      the province routed it there; the ministry has    resend
                   nothing (never synced, or lost)
only_ministry      filed at the ministry; the mirror has nothing     pull
status_mismatch    both hold it with different statuses              resend
result_mismatch    another số or another result file hash            resend
stale              same status and result, but the ministry's last   resend
                   update is older than ours by more than
                   ``stale_after``
=================  ================================================  ===============

"Routed there" means: a job for that connector exists for the dossier (routing made
it at ingest), or the ministry answered for it before (``remote_refs``), or it was
pulled from that ministry. Dossiers with a job still pending, running or waiting for a
retry are counted as in flight, not as differences; a dossier held back by a dead job
is reported with the action ``rerun_dead_job`` (a repair job would wait behind it).

Memory stays bounded whatever the volume: the ministry's listing, in whatever order
its pages come, is spilled into a temporary SQLite file (batched inserts into a
``WITHOUT ROWID`` table keyed by mã hồ sơ); the mirror is copied beside it in keyset
pages ordered by mã hồ sơ (byte order on both databases), each page in its own short
read-only transaction (no connection is held while findings are written); one join of
the two returns only the differences (hub/reconcile_diff.py), and the findings are
written in batches.

Repair (hub/reconcile_repair.py) goes through the normal outbox.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from hub import reasons_api as A
from hub.connector import Capability, Period, remote_pages
from hub.errors import HubError
from hub.logging import get_logger
from hub.models import Status
from hub.reconcile_diff import Spill, from_us, spill_province, to_us
from hub.store.store import Store, as_utc

__all__ = [
    "ACTIONS",
    "ALL_KINDS",
    "FULL_START",
    "KINDS",
    "PAYMENT_KINDS",
    "Progress",
    "ReconcileError",
    "Reconciler",
    "default_period",
    "run_kinds",
    "used_kinds",
]

log = get_logger("hub.reconcile")

VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: The start of a period covering everything (the default).
FULL_START = date(2000, 1, 1)
#: The kinds of a payment reconciliation (connectors/payment: PayGov's transaction file
#: against the hub's payment ledger); an official settles them, repair does not.
PAYMENT_KINDS = ("paid_not_recorded", "recorded_not_paid", "amount_mismatch", "paid_twice")
KINDS = ("only_province", "only_ministry", "status_mismatch", "result_mismatch", "stale")
ALL_KINDS = (*KINDS, *PAYMENT_KINDS)
#: The suggested action per kind (a dead job ahead overrides it with ``rerun_dead_job``).
ACTIONS = {
    "only_province": "resend",
    "only_ministry": "pull",
    "status_mismatch": "resend",
    "result_mismatch": "resend",
    "stale": "resend",
    "paid_not_recorded": "record_payment",
    "recorded_not_paid": "query_payment",
    "amount_mismatch": "check_amount",
    "paid_twice": "refund",
}
_CHUNK = 5000
_FINDINGS_BATCH = 1000

#: ``progress(stage, done)``: stage is "listing" (ministry records read) or "comparing"
#: (mirror rows compared).
Progress = Callable[[str, int], None]


class ReconcileError(HubError):
    """A reconciliation the hub cannot run or find: a client's mistake on the API."""

    default_code = "reconcile"
    http_status = 422
    status_by_code: ClassVar[dict[str, int]] = {"not_found": 404}


def run_kinds(run: dict[str, Any]) -> tuple[str, ...]:
    """The kinds a run counts: a payment reconciliation's, or a ministry one's."""
    counts = run.get("counts") or {}
    return PAYMENT_KINDS if any(k in counts for k in PAYMENT_KINDS) else KINDS


def used_kinds(runs: list[dict[str, Any]]) -> tuple[str, ...]:
    """The kinds of these runs, in :data:`ALL_KINDS` order (a report's columns)."""
    used = {k for run in runs for k in run_kinds(run)} or set(KINDS)
    return tuple(k for k in ALL_KINDS if k in used)


def default_period(today: date | None = None) -> Period:
    """Everything up to today (province time)."""
    return Period(FULL_START, today or datetime.now(VN).date())


@dataclass(slots=True)
class _Side:
    """One dossier as one side holds it."""

    ma_ho_so: str
    ma_tthc: str | None
    status: int | None
    updated_at: datetime | None
    so: str | None
    sha: str | None
    in_flight: bool = False
    dead: bool = False


@dataclass
class _Tally:
    province: int = 0
    remote: int = 0
    matched: int = 0
    in_flight: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))


class Reconciler:
    """Runs, stores, shows and repairs reconciliations over a :class:`hub.service.Hub`."""

    def __init__(self, hub: Any, *, stale_after: timedelta = timedelta(hours=24)) -> None:
        self.hub = hub
        self.store: Store = hub.store
        self.stale_after = stale_after

    # --- running ----------------------------------------------------------------------

    def list_connectors(self) -> list[str]:
        return [n for n, c in self.hub.connectors.items() if Capability.LIST in c.capabilities]

    async def run(
        self,
        connector: str,
        period: Period | None = None,
        *,
        actor: str = "system",
        progress: Progress | None = None,
    ) -> int:
        """Compare one connector's ministry with the mirror; returns the run id."""
        if connector not in self.list_connectors():
            raise ReconcileError(
                A.NOT_LISTABLE(connector=connector, names=", ".join(self.list_connectors()) or "-"),
                code="not_listable",
            )
        period = period or default_period()
        run_id = self._start_run(connector, period, actor)
        tally = _Tally()
        with tempfile.TemporaryDirectory(prefix="tthc-reconcile-") as tmp:
            spill = Spill(tmp)
            stop = threading.Event()
            # The mirror's side is read in a thread while the listing comes in (SQLite
            # and the network both let go of the GIL): the run takes the longer of the two.
            mirror = asyncio.ensure_future(
                asyncio.to_thread(self._spill_province, connector, period, spill, stop, progress)
            )
            try:
                try:
                    tally.remote = await self._spill(connector, period, spill, progress)
                except BaseException:
                    stop.set()
                    await asyncio.wait([mirror])  # the thread ends before the files close
                    raise
                await mirror
                await asyncio.to_thread(self._compare, run_id, connector, spill, tally, progress)
            except BaseException as exc:
                self._finish_run(run_id, tally, error=f"{type(exc).__name__}: {exc}"[:2000])
                raise
            finally:
                spill.close()
        self._finish_run(run_id, tally)
        log.info(
            "reconcile_done",
            connector=connector,
            run=run_id,
            province=tally.province,
            remote=tally.remote,
            **{k: v for k, v in tally.counts.items() if v},
        )
        return run_id

    async def run_all(self, period: Period | None = None, *, actor: str = "system") -> list[int]:
        """A run per listable connector (the nightly job)."""
        out = []
        for name in self.list_connectors():
            try:
                out.append(await self.run(name, period, actor=actor))
            except HubError as exc:
                log.warning("reconcile_failed", connector=name, reason=exc.reason)
        return out

    def _start_run(self, connector: str, period: Period, actor: str) -> int:
        start, end = period.start.isoformat(), period.end.isoformat()
        return self.store.start_reconcile_run(connector, start, end, actor)

    def _finish_run(self, run_id: int, tally: _Tally, *, error: str | None = None) -> None:
        totals = {
            "province_count": tally.province,
            "remote_count": tally.remote,
            "matched": tally.matched,
            "in_flight": tally.in_flight,
            "counts": tally.counts,
        }
        self.store.finish_reconcile_run(run_id, totals, error=error)

    async def _spill(
        self, connector: str, period: Period, spill: Spill, progress: Progress | None
    ) -> int:
        """The ministry's listing into the spill, a page per insert
        (:func:`hub.connector.remote_pages`); returns its size."""
        seen = reported = 0
        async for page in remote_pages(self.hub.connectors[connector], period):
            spill.add_remote(
                [
                    (
                        rec.ma_ho_so,
                        rec.ma_tthc,
                        # Status is an IntEnum: bound by sqlite3 as the int it is.
                        rec.trang_thai,
                        to_us(rec.updated_at),
                        rec.result_number,
                        rec.result_sha256,
                    )
                    for rec in page
                ]
            )
            seen += len(page)
            if progress and seen - reported >= _CHUNK:
                reported = seen
                progress("listing", seen)
        if progress:
            progress("listing", seen)
        # Repeats (a record moving between pages while listed) count once.
        return spill.remote_count()

    def _spill_province(
        self,
        connector: str,
        period: Period,
        spill: Spill,
        stop: threading.Event,
        progress: Progress | None,
    ) -> None:
        """The mirror rows routed to the connector into the spill (in a thread): see
        :func:`hub.reconcile_diff.spill_province`."""
        bounds = _utc_bounds(period) if period.start > FULL_START else None
        report = (lambda done: progress("comparing", done)) if progress else None
        spill_province(self.store, connector, bounds, spill, stop, report, page=_CHUNK)

    # --- comparing (in a thread: it is all database work) -------------------------------

    def _compare(
        self,
        run_id: int,
        connector: str,
        spill: Spill,
        tally: _Tally,
        progress: Progress | None,
    ) -> None:
        """One join in the spill finds the differences; each is classified here."""
        writer = _FindingWriter(self.store, run_id, tally)
        orphans: list[_Side] = []  # ministry-only candidates, looked up in the mirror in batches
        mirrored, in_flight = spill.province_counts()
        # (_orphans adds the mirror rows it finds outside the period to tally.province.)
        tally.province, tally.in_flight = mirrored, in_flight
        differing = 0  # pairs (not in flight) with a finding
        lacking = 0  # mirror rows (not in flight) the ministry does not list
        for row in spill.differences(self.stale_after, _CHUNK):
            _, ma, ma_tthc, status, us, so, sha, flags = row[:8]
            r = _Side(row[8], row[9], row[10], from_us(row[11]), row[12], row[13])
            if ma is None:
                orphans.append(r)
                if len(orphans) >= _FINDINGS_BATCH:
                    self._orphans(connector, orphans, writer)
                continue
            p = _Side(ma, ma_tthc, status, from_us(us), so, sha, False, flags == 1)
            if row[8] is None:
                lacking += 1
                writer.add("only_province", p, None)
                continue
            kind = classify(p, r, self.stale_after)
            if kind is not None:
                differing += 1
                writer.add(kind, p, r)
        self._orphans(connector, orphans, writer)
        writer.flush()
        # Every mirror row not in flight is either listed too (a pair) or lacking.
        pairs = mirrored - in_flight - lacking
        tally.matched += pairs - differing
        if progress:
            progress("comparing", tally.province)

    def _pair(self, p: _Side, r: _Side, writer: _FindingWriter) -> None:
        if p.in_flight:
            writer.tally.in_flight += 1
            return
        kind = classify(p, r, self.stale_after)
        if kind is None:
            writer.tally.matched += 1
        else:
            writer.add(kind, p, r)

    def _orphans(self, connector: str, orphans: list[_Side], writer: _FindingWriter) -> None:
        """Ministry records with no routed mirror row: compared with the mirror row when
        there is one (outside the period, or never routed there), else ministry-only."""
        if not orphans:
            return
        codes = [o.ma_ho_so for o in orphans]
        found = {row.ma_ho_so: _side(row) for row in self.store.province_rows(connector, codes)}
        for r in orphans:
            p = found.get(r.ma_ho_so)
            if p is None:
                writer.add("only_ministry", None, r)
            else:
                writer.tally.province += 1
                self._pair(p, r, writer)
        orphans.clear()

    # --- reading --------------------------------------------------------------------------

    def list_runs(self, *, connector: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        return self.store.list_reconcile_runs(connector=connector, limit=limit)

    def get_run(self, run_id: int) -> dict[str, Any]:
        run = self.store.get_reconcile_run(run_id)
        if run is None:
            raise ReconcileError(A.NO_RUN(run_id=run_id), code="not_found")
        return run

    def findings(
        self,
        run_id: int,
        *,
        kind: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The findings of a run in id order, read in pages (bounded memory)."""
        left = limit
        while left is None or left > 0:
            page = _CHUNK if left is None else min(_CHUNK, left)
            rows = self.store.findings_page(run_id, kind=kind, after_id=after_id, limit=page)
            yield from rows
            if len(rows) < page:
                return
            after_id = rows[-1]["id"]
            if left is not None:
                left -= len(rows)

    # --- repair (hub/reconcile_repair.py) ------------------------------------------------

    async def repair(self, run_id: int, *, actor: str, dry_run: bool = False) -> dict[str, Any]:
        """Enqueue what closes each unrepaired finding of the run (or, dry, say what would be);
        see :class:`hub.reconcile_repair.Repairer`."""
        from hub.reconcile_repair import Repairer

        return await Repairer(self).repair(run_id, actor=actor, dry_run=dry_run)


def classify(p: _Side, r: _Side, stale_after: timedelta) -> str | None:
    """The kind of difference between the two sides of one dossier, or None."""
    if p.status != r.status:
        return "status_mismatch"
    if (p.so or None) != (r.so or None) or (p.sha or None) != (r.sha or None):
        return "result_mismatch"
    if p.updated_at and r.updated_at and p.updated_at - r.updated_at > stale_after:
        return "stale"
    return None


def _utc_bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, VN).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, VN).astimezone(UTC)
    return start, end


class _FindingWriter:
    """Findings into the store in batches."""

    def __init__(self, store: Store, run_id: int, tally: _Tally) -> None:
        self.store = store
        self.run_id = run_id
        self.tally = tally
        self.batch: list[dict[str, Any]] = []

    def add(self, kind: str, p: _Side | None, r: _Side | None) -> None:
        self.tally.counts[kind] += 1
        either = p or r
        assert either is not None
        action = "rerun_dead_job" if p is not None and p.dead and kind != "only_ministry" else None
        self.batch.append(
            {
                "run_id": self.run_id,
                "kind": kind,
                "ma_ho_so": either.ma_ho_so,
                "ma_tthc": (p.ma_tthc if p else None) or (r.ma_tthc if r else None),
                "province_status": p.status if p else None,
                "remote_status": r.status if r else None,
                "province_result": _result_text(p),
                "remote_result": _result_text(r),
                "province_updated_at": p.updated_at if p else None,
                "remote_updated_at": r.updated_at if r else None,
                "action": action or ACTIONS[kind],
                "repair": None,
                "repair_detail": None,
            }
        )
        if len(self.batch) >= _FINDINGS_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.store.add_findings(self.batch)
            self.batch.clear()


def _side(row: Any) -> _Side:
    """The province's side of one dossier, from a row of the store's comparison query."""
    return _Side(
        row.ma_ho_so,
        row.ma_tthc,
        row.trang_thai,
        as_utc(row.updated_at),
        row.so,
        row.sha,
        row.job_flags == 2,
        row.job_flags == 1,
    )


def _result_text(side: _Side | None) -> str | None:
    if side is None or not (side.so or side.sha):
        return None
    return f"{side.so or '-'} / {(side.sha or '-')[:12]}"[:200]


def status_label(value: int | None, language: str = "vi") -> str:
    """``"4 Đang xử lý"``, or empty when the side has no status."""
    if value is None:
        return ""
    try:
        status = Status(value)
    except ValueError:
        return str(value)
    return f"{value} {status.label_en if language == 'en' else status.label_vi}"
