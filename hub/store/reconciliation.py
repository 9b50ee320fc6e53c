"""Reconciliation runs: the province's side of the comparison, findings, and repairs.

The comparison reads the mirror in pages by mã hồ sơ (keyset: ``ma_ho_so > last``,
byte order on both databases), each page in its own short read-only transaction: no
connection is held across the comparison, so the findings writer, ingest and the
worker are never queued behind it (on SQLite a read takes no write lock at all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    case,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from hub.connector import idempotency_key
from hub.models import Dossier, EventType
from hub.store.base import StoreBase, row_dict, utcnow
from hub.store.tables import (
    JobState,
    dossiers,
    events,
    inbox,
    jobs,
    reconcile_findings,
    reconcile_runs,
    remote_refs,
)

__all__ = ["ReconcileQueries", "RepairPlan"]

_UNFINISHED = (JobState.PENDING.value, JobState.RUNNING.value, JobState.FAILED.value)

#: ``plan(kind, latest event type, mirror snapshot) -> (event type, repair event id)``.
RepairPlan = Callable[[str, EventType, str, dict[str, Any]], tuple[EventType, str]]


def _flags_expr() -> ColumnElement[Any]:
    """Over a dossier's jobs: 2 when one is unfinished (in flight), else 1 when one is
    dead, else 0 (NULL: no job)."""
    return func.max(
        case(
            (jobs.c.state.in_(_UNFINISHED), 2),
            (jobs.c.state == JobState.DEAD.value, 1),
            else_=0,
        )
    )


class ReconcileQueries(StoreBase):
    """The named queries of :mod:`hub.reconcile`."""

    if TYPE_CHECKING:  # the one enqueue path, from IngestQueries beside it in Store

        def enqueue(
            self,
            conn: Connection,
            *,
            event_id: str,
            event_type: EventType,
            dossier: Dossier,
            connectors: Sequence[str],
            reason: str | None = None,
            now: datetime | None = None,
        ) -> tuple[str, bool]: ...

    # --- runs -------------------------------------------------------------------------

    def start_reconcile_run(self, connector: str, start: str, end: str, actor: str) -> int:
        with self.begin() as conn:
            return int(
                conn.execute(
                    insert(reconcile_runs)
                    .values(
                        connector=connector,
                        period_start=start,
                        period_end=end,
                        state="running",
                        actor=actor,
                        counts={},
                        started_at=utcnow(),
                    )
                    .returning(reconcile_runs.c.id)
                ).scalar_one()
            )

    def finish_reconcile_run(
        self, run_id: int, totals: dict[str, Any], *, error: str | None = None
    ) -> None:
        """``totals``: province_count, remote_count, matched, in_flight, counts."""
        with self.begin() as conn:
            conn.execute(
                update(reconcile_runs)
                .where(reconcile_runs.c.id == run_id)
                .values(
                    state="failed" if error else "done",
                    error=error,
                    finished_at=utcnow(),
                    **totals,
                )
            )

    def add_repaired(self, run_id: int, done: int) -> None:
        with self.begin() as conn:
            conn.execute(
                update(reconcile_runs)
                .where(reconcile_runs.c.id == run_id)
                .values(repaired=reconcile_runs.c.repaired + done)
            )

    def list_reconcile_runs(
        self, *, connector: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        query = select(reconcile_runs).order_by(reconcile_runs.c.id.desc()).limit(limit)
        if connector:
            query = query.where(reconcile_runs.c.connector == connector)
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def get_reconcile_run(self, run_id: int) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(reconcile_runs).where(reconcile_runs.c.id == run_id)).first()
        return row_dict(row) if row else None

    # --- the province's side ------------------------------------------------------------

    def _province_query(self, connector: str, *, flags: bool = True) -> Any:
        """Mirror rows, with ``job_flags`` (see :meth:`job_flags`) unless ``flags`` is
        False (the whole side: the flags come from :meth:`job_flags` in one pass)."""
        d = dossiers
        job_flags = (
            select(_flags_expr())
            .where(jobs.c.connector == connector, jobs.c.ma_ho_so == d.c.ma_ho_so)
            .scalar_subquery()
        )
        so: ColumnElement[Any]
        sha: ColumnElement[Any]
        if self.dialect == "postgresql":
            so = literal_column("dossiers.snapshot->'ket_qua'->>'so'")
            sha = literal_column("dossiers.snapshot->'ket_qua'->'files'->-1->>'sha256'")
        else:
            so = func.json_extract(d.c.snapshot, "$.ket_qua.so")
            sha = func.json_extract(d.c.snapshot, "$.ket_qua.files[#-1].sha256")
        columns = [
            d.c.ma_ho_so,
            d.c.ma_tthc,
            d.c.trang_thai,
            d.c.updated_at,
            so.label("so"),
            sha.label("sha"),
        ]
        return select(*columns, job_flags.label("job_flags")) if flags else select(*columns)

    def _routed_to(self, connector: str) -> Any:
        d = dossiers
        job_for = exists().where(jobs.c.connector == connector, jobs.c.ma_ho_so == d.c.ma_ho_so)
        ref_for = exists().where(
            remote_refs.c.connector == connector, remote_refs.c.ma_ho_so == d.c.ma_ho_so
        )
        return or_(job_for, ref_for, d.c.origin_system == connector)

    def _updated_us(self) -> ColumnElement[Any]:
        """``updated_at`` as integer microseconds since the epoch, computed by the database
        (exact: the seconds and the six digits of the fraction read separately)."""
        if self.dialect == "postgresql":
            return literal_column(
                "CAST(extract(epoch FROM dossiers.updated_at) * 1000000 AS BIGINT)"
            )
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]' (UTC): strftime('%s') reads
        # the seconds (and any offset), the fraction is the six digits after position 20.
        return literal_column(
            "CAST(strftime('%s', dossiers.updated_at) AS INTEGER) * 1000000"
            " + CASE WHEN substr(dossiers.updated_at, 20, 1) = '.'"
            " THEN CAST(substr(dossiers.updated_at, 21, 6) AS INTEGER) ELSE 0 END"
        )

    def province_select(
        self, connector: str, bounds: tuple[datetime, datetime] | None = None
    ) -> tuple[Select[Any], ColumnElement[Any]]:
        """The query of the mirror rows routed to ``connector`` (updated within
        ``bounds``): ``(ma_ho_so, ma_tthc, trang_thai, updated_us, so, sha)``, the time in
        microseconds (see :mod:`hub.reconcile_diff`); and the key to page it by (mã hồ
        sơ in byte order). Unordered and unlimited: see :meth:`province_side`."""
        d = dossiers
        code = d.c.ma_ho_so
        ordered = code.collate("C") if self.dialect == "postgresql" else code
        base = self._province_query(connector, flags=False)
        query = select(
            code, d.c.ma_tthc, d.c.trang_thai, self._updated_us(), *base.selected_columns[4:]
        ).where(self._routed_to(connector))
        if bounds is not None:
            updated: ColumnElement[Any] = dossiers.c.updated_at
            if self.dialect == "sqlite":
                # A unary + keeps SQLite off ix_dossiers_updated_at: through it, every
                # page sorted all the period's rows again (quadratic; 1M never finished).
                updated = literal_column("+dossiers.updated_at", type_=dossiers.c.updated_at.type)
            query = query.where(and_(updated >= bounds[0], updated < bounds[1]))
        return query, ordered

    def province_side(
        self,
        connector: str,
        bounds: tuple[datetime, datetime] | None = None,
        *,
        page: int = 5000,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The mirror rows routed to ``connector`` (updated within ``bounds``), in byte
        order of mã hồ sơ, a page per short read transaction (see the module's doc).

        Each page is a list of plain DBAPI tuples (see :meth:`province_select`): they go
        into the spill as they come, with no SQLAlchemy row or Python conversion per
        dossier (that was most of the mirror side's CPU at volume). On a SQLite file the
        spill copies the rows itself instead (:meth:`hub.reconcile_diff.Spill.copy`)."""
        query, ordered = self.province_select(connector, bounds)
        after: str | None = None
        while True:
            paged = query if after is None else query.where(ordered > after)
            with self.read() as conn:
                result = conn.execute(paged.order_by(ordered).limit(page))
                # The DBAPI cursor's own tuples: no column here needs SQLAlchemy's
                # result processing (text, integers, the time as an integer).
                rows: list[tuple[Any, ...]] = list(result.cursor.fetchall())
                result.close()
            if rows:
                yield rows
            if len(rows) < page:
                return
            after = rows[-1][0]

    def job_flags_select(self, connector: str) -> tuple[Select[Any], ColumnElement[Any]]:
        """The query of :meth:`job_flags`, unordered and unlimited, and its paging key."""
        code = jobs.c.ma_ho_so
        ordered = code.collate("C") if self.dialect == "postgresql" else code
        query = (
            select(code, _flags_expr().label("flags"))
            .where(
                jobs.c.state.in_((*_UNFINISHED, JobState.DEAD.value)),
                jobs.c.connector == connector,
            )
            .group_by(code)
            # SQLite's planner, seeing most jobs succeeded, walks ix_jobs_chain for the
            # order and reads every job of the connector (78 ms a page at 100,000 jobs,
            # 0.2 ms through the state index).
            .with_hint(jobs, "INDEXED BY ix_jobs_state_connector", "sqlite")
        )
        return query, ordered

    def job_flags(self, connector: str, *, page: int = 5000) -> Iterator[Any]:
        """``(ma_ho_so, flags)`` of the dossiers with an unfinished (flags 2: in flight)
        or else a dead (1) job for ``connector``, in byte order of mã hồ sơ, a page per
        short read transaction. Read through the jobs' state index: it costs what the
        outbox holds unfinished or dead, not a lookup per mirror row."""
        query, ordered = self.job_flags_select(connector)
        after: str | None = None
        while True:
            paged = query if after is None else query.where(ordered > after)
            with self.read() as conn:
                rows = conn.execute(paged.order_by(ordered).limit(page)).all()
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].ma_ho_so

    def sqlite_file(self) -> str | None:
        """The path of the hub's SQLite database file; None on PostgreSQL or in memory."""
        if self.dialect != "sqlite":
            return None
        path = self.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        return path

    def mirror_procedures(self) -> set[str]:
        """Every mã TTHC of the dossier mirror, as stored."""
        with self.read() as conn:
            return {str(r[0]) for r in conn.execute(select(dossiers.c.ma_tthc).distinct())}

    def province_rows(self, connector: str, codes: Sequence[str]) -> list[Row[Any]]:
        """The mirror rows of these dossiers, routed to ``connector`` or not."""
        if not codes:
            return []
        query = self._province_query(connector).where(dossiers.c.ma_ho_so.in_(list(codes)))
        with self.read() as conn:
            return list(conn.execute(query).all())

    # --- findings -----------------------------------------------------------------------

    def add_findings(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            with self.begin() as conn:
                conn.execute(insert(reconcile_findings), list(rows))

    def findings_page(
        self, run_id: int, *, kind: str | None = None, after_id: int = 0, limit: int = 5000
    ) -> list[dict[str, Any]]:
        query = (
            select(reconcile_findings)
            .where(reconcile_findings.c.run_id == run_id, reconcile_findings.c.id > after_id)
            .order_by(reconcile_findings.c.id)
            .limit(limit)
        )
        if kind:
            query = query.where(reconcile_findings.c.kind == kind)
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    # --- repair -------------------------------------------------------------------------

    def inbox_holds(self, connector: str, ma_ho_so: str) -> bool:
        with self.read() as conn:
            return (
                conn.execute(
                    select(inbox.c.id).where(
                        inbox.c.connector == connector, inbox.c.ma_ho_so == ma_ho_so
                    )
                ).first()
                is not None
            )

    def resend_finding(
        self,
        connector: str,
        finding: dict[str, Any],
        plan: RepairPlan,
        *,
        actor: str,
        dry_run: bool,
    ) -> tuple[str, dict[str, Any]]:
        """Re-send the mirror's current state for one finding through the outbox (a repair
        event, next in the dossier's sequence, and its job), audited; or say why not."""
        ma = finding["ma_ho_so"]
        with self.begin() as conn:
            dead = conn.execute(
                select(func.count())
                .select_from(jobs)
                .where(
                    jobs.c.connector == connector,
                    jobs.c.ma_ho_so == ma,
                    jobs.c.state == JobState.DEAD.value,
                )
            ).scalar_one()
            latest = conn.execute(
                select(events.c.id, events.c.type)
                .where(events.c.ma_ho_so == ma)
                .order_by(events.c.sequence.desc())
                .limit(1)
            ).first()
            mirror = conn.execute(
                select(dossiers.c.snapshot).where(dossiers.c.ma_ho_so == ma)
            ).first()
            if dead:
                why = "a dead job comes first: re-run it"
                return self._record(conn, finding, "blocked", why, actor, dry_run)
            if latest is None or mirror is None:
                why = "no province event to re-send"
                return self._record(conn, finding, "blocked", why, actor, dry_run)
            event_type, event_id = plan(
                finding["kind"], EventType(latest.type), latest.id, mirror.snapshot
            )
            if dry_run:
                key = idempotency_key(connector, event_id)
                return "would_enqueue", {
                    "event_type": event_type.value,
                    "event_id": event_id,
                    "key": key,
                }
            # The snapshot is validated as the worker will read it back.
            dossier = Dossier.model_validate(mirror.snapshot)
            targets = [connector]
            key, wrote = self.enqueue(
                conn,
                event_id=event_id,
                event_type=event_type,
                dossier=dossier,
                connectors=targets,
                reason=f"reconcile run {finding['run_id']}: {finding['kind']}",
            )
            detail = {"event_type": event_type.value, "event_id": event_id, "key": key}
            result = self._record(conn, finding, "enqueued", key, actor, dry_run, detail)
        if wrote:  # the event and its jobs; the mirror's sequence moved on
            self._wrote_hot_rows(inserted=1 + len(targets), rewritten=1)
        return result

    def record_repair(
        self, finding: dict[str, Any], outcome: str, detail: str, actor: str
    ) -> tuple[str, dict[str, Any]]:
        with self.begin() as conn:
            return self._record(conn, finding, outcome, detail, actor, False)

    def _record(
        self,
        conn: Any,
        finding: dict[str, Any],
        outcome: str,
        detail: str,
        actor: str,
        dry_run: bool,
        extra: dict[str, Any] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        info = {"detail": detail, **(extra or {})}
        if dry_run:
            return f"would_{outcome}" if outcome != "blocked" else "blocked", info
        conn.execute(
            update(reconcile_findings)
            .where(reconcile_findings.c.id == finding["id"])
            .values(repair=outcome, repair_detail=detail)
        )
        self._audit(
            conn,
            actor,
            f"reconcile_{outcome}",
            f"reconcile run {finding['run_id']}: {finding['ma_ho_so']}",
            finding["kind"],
            1 if outcome in ("enqueued", "pulled") else 0,
            {"finding": finding["id"], **info},
        )
        return outcome, info
