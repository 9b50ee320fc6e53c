"""Queue status per connector, retention and the audit trail."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.exc import OperationalError

from hub.logging import get_logger
from hub.messages import render_stored
from hub.store.base import StoreBase, as_utc, row_dict, utcnow
from hub.store.tables import (
    CULLABLE_STATES,
    JobState,
    attempts,
    audit_log,
    events,
    inbox,
    jobs,
    operation_items,
)

__all__ = [
    "DeliveryOverview",
    "MaintenanceQueries",
    "StatisticsGuard",
    "needs_analyze",
    "needs_vacuum",
]

log = get_logger("hub.store")

#: The tables whose statistics the worker's claim and ingest's reads stand on: each
#: grows by a row (or more) per event.
HOT_TABLES = ("jobs", "events", "dossiers")

#: A table is analyzed again when the rows changed since its last analyze exceed
#: ``ANALYZE_MIN_ROWS + ANALYZE_FRACTION * rows it had then`` (autovacuum's rule, with
#: its defaults 50 and 0.1), or when it has grown by that fraction and ANALYZE_MIN_PAGES.
ANALYZE_MIN_ROWS = 500
ANALYZE_FRACTION = 0.1
ANALYZE_MIN_PAGES = 8

#: The hot tables as PostgreSQL's planner knows them: its row and page counts (as of
#: the last ANALYZE or VACUUM; -1 rows: never), the pages the table has now, the rows
#: changed since its last analyze, and the seconds since it (NULL: never).
_STATISTICS_SQL = """
SELECT c.relname, c.reltuples, c.relpages,
       pg_relation_size(c.oid) / current_setting('block_size')::int,
       COALESCE(s.n_mod_since_analyze, 0),
       EXTRACT(EPOCH FROM now() - GREATEST(s.last_analyze, s.last_autoanalyze))
FROM pg_class AS c LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
  AND c.relkind = 'r' AND c.relname = ANY(%s)
"""

#: pg_try_advisory_xact_lock's first key (the second: the schema's hash): one process
#: of those sharing the database analyzes at a time; the others do not wait for it.
_ANALYZE_LOCK = 0x74_68_61  # "tha"
#: The same for VACUUM (a session lock: VACUUM runs outside a transaction).
_VACUUM_LOCK = 0x74_68_76  # "thv"

#: A hot table is vacuumed when its dead rows exceed ``VACUUM_MIN_ROWS +
#: VACUUM_FRACTION * its rows`` (autovacuum's rule, with its defaults 50 and 0.2), and
#: neither the hub nor autovacuum vacuumed it within the guard's interval. Every claim
#: and every outcome rewrites a job's row, and an update of an indexed column leaves the
#: old row and its index entries behind: with autovacuum off, 100,000 jobs drained left
#: 200,000 dead rows in ``jobs`` and the last tenth ran at 0.81-0.84 of the first.
VACUUM_MIN_ROWS = 50
VACUUM_FRACTION = 0.2

#: The hot tables' live and dead rows, and the seconds since their last vacuum (the
#: hub's or autovacuum's; NULL: never).
_DEAD_ROWS_SQL = """
SELECT s.relname, s.n_live_tup, s.n_dead_tup,
       EXTRACT(EPOCH FROM now() - GREATEST(s.last_vacuum, s.last_autovacuum))
FROM pg_stat_user_tables AS s
WHERE s.schemaname = current_schema() AND s.relname = ANY(%s)
"""


def needs_analyze(
    reltuples: float,
    relpages: int,
    pages: int,
    modified: int,
    analyzed_ago: float | None,
    interval: float,
) -> bool:
    """Whether a table's statistics are stale enough to ANALYZE it (see ANALYZE_*): never
    within ``interval`` seconds of its last analyze (the hub's or autovacuum's)."""
    if analyzed_ago is not None and analyzed_ago < interval:
        return False
    known = max(reltuples, 0.0)
    if modified > ANALYZE_MIN_ROWS + ANALYZE_FRACTION * known:
        return True
    return pages > ANALYZE_MIN_PAGES + (1 + ANALYZE_FRACTION) * max(relpages, 0)


def needs_vacuum(live: int, dead: int, vacuumed_ago: float | None, interval: float) -> bool:
    """Whether a table holds enough dead rows to VACUUM it (see VACUUM_*): never within
    ``interval`` seconds of its last vacuum (the hub's or autovacuum's)."""
    if vacuumed_ago is not None and vacuumed_ago < interval:
        return False
    return dead > VACUUM_MIN_ROWS + VACUUM_FRACTION * max(live, 0)


class StatisticsGuard:
    """Keeps the planner's statistics of the hot tables current on PostgreSQL, where
    autovacuum may be off or late: after a large import into a never-analyzed ``jobs``,
    the claim read and sorted every pending job (267 ms a claim) instead of walking
    ``ix_jobs_due`` (10 ms).

    Writers report the rows they wrote (:meth:`written`); once ``rows`` have been
    written, a background thread runs ``check`` (ANALYZE the stale tables), at most
    once per ``interval`` seconds, and once more after the last write if more rows
    came meanwhile. Off the request path: a write never waits for it.
    """

    def __init__(
        self,
        check: Callable[[], list[str]],
        *,
        rows: int = 1000,
        interval: float = 30.0,
        done: str = "statistics_refreshed",
    ) -> None:
        """``done``: the log event naming the tables ``check`` acted on."""
        self.check, self.rows, self.interval, self.done = check, rows, interval, done
        self._lock = threading.Lock()
        self._pending = 0
        self._checked_at = float("-inf")
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def written(self, rows: int) -> None:
        """``rows`` rows were committed to the hot tables."""
        with self._lock:
            self._pending += rows
            if self._pending < self.rows or self._thread is not None or self._closed.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="hub-analyze", daemon=True)
            self._thread.start()

    def wait(self) -> None:
        """Until the background check (if any) has finished."""
        thread = self._thread
        if thread is not None:
            thread.join()

    def close(self, timeout: float = 10.0) -> None:
        """No more checks (the hub is stopping): a pending one is dropped, a running one
        is waited for (at most ``timeout`` seconds), so that its connection is back in
        the pool before the engine is disposed."""
        self._closed.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                pause = self._checked_at + self.interval - time.monotonic()
            if self._closed.wait(max(pause, 0.0)):
                with self._lock:
                    self._thread = None
                return
            with self._lock:
                self._pending = 0
                self._checked_at = time.monotonic()
            try:
                analyzed = self.check()
            except Exception as error:  # a busy or lost database: the next write retries
                log.warning(
                    "maintenance_check_failed", check=self.done, error_class=type(error).__name__
                )
            else:
                if analyzed:
                    log.info(self.done, tables=analyzed)
            with self._lock:
                if self._pending < self.rows:
                    self._thread = None
                    return


class MaintenanceQueries(StoreBase):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        if self.dialect == "postgresql":
            self.statistics_guard = StatisticsGuard(self.refresh_statistics)
            self.vacuum_guard = StatisticsGuard(
                self.vacuum_dead_rows, rows=2000, interval=10.0, done="tables_vacuumed"
            )

    def vacuum_dead_rows(self, *, interval: float = 10.0) -> list[str]:
        """PostgreSQL: VACUUM each hot table holding enough dead rows (:func:`needs_vacuum`),
        unless another process of the hub is doing it now; where autovacuum is on and
        keeping up, there is nothing to do. Returns the tables vacuumed (SQLite: none;
        its rows are rewritten in place)."""
        if self.dialect != "postgresql":
            return []
        quote = self.engine.dialect.identifier_preparer.quote
        lock = (_VACUUM_LOCK,)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            take = "SELECT pg_try_advisory_lock(%s::int, hashtext(current_schema()))"
            if not conn.exec_driver_sql(take, lock).scalar():
                return []
            try:
                rows = conn.exec_driver_sql(_DEAD_ROWS_SQL, (list(HOT_TABLES),)).all()
                stale = sorted(
                    r[0]
                    for r in rows
                    if needs_vacuum(
                        int(r[1]), int(r[2]), None if r[3] is None else float(r[3]), interval
                    )
                )
                # A VACUUM already running on the table (autovacuum's): leave it to that.
                conn.exec_driver_sql("SET lock_timeout = '1s'")
                done = []
                for name in stale:
                    try:
                        conn.exec_driver_sql(f"VACUUM {quote(name)}")
                    except OperationalError as error:
                        if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
                            raise
                    else:
                        done.append(name)
            finally:
                # The session goes back to the pool as it came.
                conn.exec_driver_sql("RESET lock_timeout")
                release = "SELECT pg_advisory_unlock(%s::int, hashtext(current_schema()))"
                conn.exec_driver_sql(release, lock)
        return done

    def refresh_statistics(self, *, interval: float = 30.0) -> list[str]:
        """PostgreSQL: ANALYZE each hot table whose statistics are stale
        (:func:`needs_analyze`), unless another process of the hub is doing it now.
        Returns the tables analyzed (SQLite: none; its claim names its index)."""
        if self.dialect != "postgresql":
            return []
        quote = self.engine.dialect.identifier_preparer.quote
        with self.begin() as conn:
            got = conn.exec_driver_sql(
                "SELECT pg_try_advisory_xact_lock(%s::int, hashtext(current_schema()))",
                (_ANALYZE_LOCK,),
            ).scalar()
            if not got:
                return []
            rows = conn.exec_driver_sql(_STATISTICS_SQL, (list(HOT_TABLES),)).all()
            stale = [
                r[0]
                for r in rows
                if needs_analyze(
                    float(r[1]), int(r[2]), int(r[3]), int(r[4]),
                    None if r[5] is None else float(r[5]), interval,
                )
            ]  # fmt: skip
            for name in sorted(stale):
                conn.exec_driver_sql(f"ANALYZE {quote(name)}")
        return sorted(stale)

    # --- whole-store views (the demo's check) -----------------------------------------

    def delivery_overview(self) -> DeliveryOverview:
        """Every event id and job, the retried count and the inbox states (one read)."""
        with self.read() as conn:
            job_rows = conn.execute(
                select(
                    jobs.c.id,
                    jobs.c.ma_ho_so,
                    jobs.c.state,
                    jobs.c.idempotency_key,
                    jobs.c.error_class,
                    jobs.c.last_error,
                    jobs.c.event_id,
                    jobs.c.connector,
                )
            ).all()
            retried = conn.execute(
                select(func.count(func.distinct(attempts.c.job_id))).where(
                    attempts.c.outcome == "transient"
                )
            ).scalar_one()
            inbox_states = list(conn.execute(select(inbox.c.state)).scalars())
            event_ids = set(conn.execute(select(events.c.id)).scalars())
        return DeliveryOverview(event_ids, list(job_rows), int(retried), inbox_states)

    def dead_job_errors(self, connector: str) -> list[str]:
        """The reasons of ``connector``'s dead jobs."""
        with self.read() as conn:
            return [
                render_stored(e)
                for e in conn.execute(
                    select(jobs.c.last_error).where(
                        jobs.c.connector == connector, jobs.c.state == JobState.DEAD.value
                    )
                ).scalars()
            ]

    def jobs_with_event_type(self, connector: str) -> list[Any]:
        """``connector``'s jobs: ma_ho_so, state, last_error (in words) and their event's
        type."""
        with self.read() as conn:
            rows = conn.execute(
                select(jobs.c.ma_ho_so, jobs.c.state, jobs.c.last_error, events.c.type)
                .select_from(jobs.join(events, jobs.c.event_id == events.c.id))
                .where(jobs.c.connector == connector)
            ).all()
        return [
            SimpleNamespace(**{**r._asdict(), "last_error": render_stored(r.last_error)})
            for r in rows
        ]

    # --- health, retention, audit ----------------------------------------------------------

    def queue_status(self, *, window: timedelta = timedelta(hours=1)) -> list[dict[str, Any]]:
        """Per connector: queue depth by state, oldest waiting job, last success, error rate."""
        now = utcnow()
        out: dict[str, dict[str, Any]] = {}
        with self.read() as conn:
            for connector, state, n in conn.execute(
                select(jobs.c.connector, jobs.c.state, func.count()).group_by(
                    jobs.c.connector, jobs.c.state
                )
            ):
                out.setdefault(connector, _empty_status(connector))["queue"][state] = n
            for connector, oldest in conn.execute(
                select(jobs.c.connector, func.min(jobs.c.created_at))
                .where(jobs.c.state.in_((JobState.PENDING.value, JobState.FAILED.value)))
                .group_by(jobs.c.connector)
            ):
                entry = out.setdefault(connector, _empty_status(connector))
                entry["oldest_waiting_seconds"] = (now - as_utc(oldest)).total_seconds()
            for connector, last in conn.execute(
                select(jobs.c.connector, func.max(jobs.c.finished_at))
                .where(jobs.c.state == JobState.SUCCEEDED.value)
                .group_by(jobs.c.connector)
            ):
                out.setdefault(connector, _empty_status(connector))["last_success_at"] = as_utc(
                    last
                )
            failed = func.sum(case((attempts.c.outcome != "ok", 1), else_=0))
            for connector, total, bad in conn.execute(
                select(jobs.c.connector, func.count(), failed)
                .select_from(attempts.join(jobs, attempts.c.job_id == jobs.c.id))
                .where(attempts.c.started_at >= now - window)
                .group_by(jobs.c.connector)
            ):
                entry = out.setdefault(connector, _empty_status(connector))
                entry["attempts_last_hour"] = total
                entry["error_rate"] = round((bad or 0) / total, 4) if total else None
        return [out[k] for k in sorted(out)]

    def cull(
        self, *, finished_before: datetime, excerpts_before: datetime, actor: str = "retention"
    ) -> dict[str, int]:
        """Retention: drop excerpts older than ``excerpts_before`` and finished jobs (with
        their attempts, and events left without jobs) older than ``finished_before``.
        Failed and dead jobs are never culled."""
        with self.begin() as conn:
            excerpts = conn.execute(
                update(attempts)
                .where(
                    attempts.c.started_at < excerpts_before,
                    (attempts.c.request_excerpt.is_not(None))
                    | (attempts.c.response_excerpt.is_not(None)),
                )
                .values(request_excerpt=None, response_excerpt=None)
            ).rowcount
            old = select(jobs.c.id).where(
                jobs.c.state.in_(CULLABLE_STATES), jobs.c.finished_at < finished_before
            )
            conn.execute(attempts.delete().where(attempts.c.job_id.in_(old)))
            conn.execute(operation_items.delete().where(operation_items.c.job_id.in_(old)))
            removed = conn.execute(jobs.delete().where(jobs.c.id.in_(old))).rowcount
            orphan = select(events.c.id).where(
                events.c.received_at < finished_before,
                ~select(jobs.c.id).where(jobs.c.event_id == events.c.id).exists(),
            )
            events_removed = conn.execute(events.delete().where(events.c.id.in_(orphan))).rowcount
            counts = {"excerpts": excerpts, "jobs": removed, "events": events_removed}
            self._audit(
                conn,
                actor,
                "cull",
                f"finished before {finished_before.isoformat()}",
                None,
                removed,
                counts,
            )
        self._wrote_hot_rows(rewritten=removed + events_removed)  # deleted: dead rows too
        return counts

    def audit_entries(
        self, *, limit: int = 50, actor: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action == action)
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]


def _empty_status(connector: str) -> dict[str, Any]:
    return {
        "connector": connector,
        "queue": {},
        "oldest_waiting_seconds": None,
        "last_success_at": None,
        "attempts_last_hour": 0,
        "error_rate": None,
    }


@dataclass(frozen=True, slots=True)
class DeliveryOverview:
    """Everything the demo's end-to-end check compares with what the mocks received."""

    event_ids: set[str]
    jobs: list[Any]  #: rows: id, ma_ho_so, state, idempotency_key, error_class, last_error, ...
    retried: int  #: jobs with at least one transient failure
    inbox_states: list[str]
