"""The worker's and ingest's prepared statements (built once per dialect); the worker's
round-trip statements as driver SQL (:class:`DriverSql`)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Text,
    any_,
    bindparam,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from hub.store.tables import (
    DONE_STATES,
    Utc,
    dossiers,
    events,
    jobs,
)


class Statements:
    """The worker's and ingest's statements, built once (building the claim's aliased
    sub-queries cost more than running them), with bound parameters (``b_...``).

    Each candidate query names its partial index's predicate literally so SQLite and
    PostgreSQL can walk that index (``ix_jobs_due`` by next_run_at, id;
    ``ix_jobs_running_lease``) and stop after ``b_limit`` rows, instead of reading
    every pending job and sorting them (the OR of both conditions did that).
    """

    def __init__(self, dialect: str) -> None:
        j = jobs.alias("j")
        unfinished_before = ~earlier_sibling(j, lambda p: p.c.state.not_in(DONE_STATES))
        now: BindParameter[Any] = bindparam("b_now")
        limit: BindParameter[Any] = bindparam("b_limit")
        due = (
            select(j.c.id, j.c.state)
            .where(text("j.state IN ('pending', 'failed')"), j.c.next_run_at <= now)
            .where(unfinished_before)
            .order_by(j.c.next_run_at, j.c.id)
            .limit(limit)
        )
        expired = (
            select(j.c.id, j.c.state)
            .where(text("j.state = 'running'"), j.c.lease_until < now)
            .where(unfinished_before)
            .order_by(j.c.lease_until, j.c.id)
            .limit(limit)
        )
        only = j.c.connector.in_(bindparam("b_connectors", expanding=True))
        if dialect == "postgresql":
            self.due, self.due_of = (
                due.with_for_update(skip_locked=True, of=j),
                due.where(only).with_for_update(skip_locked=True, of=j),
            )
            self.expired = expired.with_for_update(skip_locked=True, of=j)
            self.expired_of = expired.where(only).with_for_update(skip_locked=True, of=j)
        else:
            # SQLite's planner, without statistics, prefers ix_jobs_state_connector and
            # sorts every pending job; SQLAlchemy renders no index hint for SQLite.
            self.due, self.due_of = _sqlite_walk("ix_jobs_due", "next_run_at")
            self.expired, self.expired_of = _sqlite_walk("ix_jobs_running_lease", "lease_until")
        # Ingest's statements.
        self.existing = select(events.c.id, events.c.sequence, events.c.body_hash).where(
            events.c.id.in_(bindparam("b_ids", expanding=True))
        )
        code = dossiers.c.ma_ho_so
        mirror = select(
            code,
            dossiers.c.trang_thai,
            dossiers.c.last_sequence,
            dossiers.c.ngay_hen_tra,
            dossiers.c.ngay_hen_tra_moi,
        ).order_by(code)
        if dialect == "postgresql":
            # The codes as one array parameter, not one per code: psycopg re-parses,
            # uncached, every statement of 50 parameters or more (a batch of 100). The
            # rows stay locked: a dossier's events are serialised across ingesters,
            # taken in one order so that two batches cannot deadlock.
            codes = any_(bindparam("b_codes", type_=postgresql.ARRAY(Text)))
            self.mirror = mirror.where(code == codes).with_for_update()
        else:
            self.mirror = mirror.where(code.in_(bindparam("b_codes", expanding=True)))
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.new_dossier = (
            dialect_insert(dossiers).on_conflict_do_nothing().returning(dossiers.c.ma_ho_so)
        )


def _sqlite_walk_sql(index: str, when: str, only: str) -> str:
    """The text of a SQLite candidate query (``:b_now``, ``:b_limit``; ``only``: the
    connectors' condition, or empty)."""
    predicate = {"ix_jobs_due": "j.state IN ('pending', 'failed') AND j.next_run_at <= :b_now"}.get(
        index, "j.state = 'running' AND j.lease_until < :b_now"
    )
    done = ", ".join(f"'{state}'" for state in DONE_STATES)
    return (
        f"SELECT j.id, j.state FROM jobs AS j INDEXED BY {index} WHERE {predicate}{only}"
        " AND NOT EXISTS (SELECT 1 FROM jobs AS p WHERE p.connector = j.connector"
        " AND p.ma_ho_so = j.ma_ho_so AND p.id < j.id"
        f" AND p.state NOT IN ({done})) ORDER BY j.{when}, j.id LIMIT :b_limit"
    )


@lru_cache(maxsize=64)
def sqlite_candidates(index: str, when: str, connectors: int) -> str:
    """:func:`_sqlite_walk`'s query as driver SQL: parameters now, the ``connectors``
    names (none: every connector), limit."""
    only = f" AND j.connector IN ({', '.join(['?'] * connectors)})" if connectors else ""
    return _sqlite_walk_sql(index, when, only).replace(":b_now", "?").replace(":b_limit", "?")


def _sqlite_walk(index: str, when: str) -> tuple[Any, Any]:
    """The SQLite candidate query walking ``index`` in order: all connectors, and some."""
    queries = []
    for only in ("", " AND j.connector IN :b_connectors"):
        sql = _sqlite_walk_sql(index, when, only)
        binds = [bindparam("b_now", type_=Utc), bindparam("b_limit")]
        if only:
            binds.append(bindparam("b_connectors", expanding=True))
        queries.append(text(sql).bindparams(*binds).columns(id=Integer, state=String))
    return queries[0], queries[1]


def earlier_sibling(j: Any, condition: Any) -> Any:
    """EXISTS an earlier job of the same (connector, dossier) as ``j`` matching ``condition``.

    ``OFFSET 0`` keeps PostgreSQL from turning this into an anti-join: with the
    statistics of a table that just grew (a large ingest), it then joined every
    job of the connector against every other (a 1,000-job claim took 120 ms). As a
    sub-plan it probes ``ix_jobs_chain`` on (connector, ma_ho_so, id) per candidate.
    """
    p = jobs.alias("p")
    return (
        select(literal(1))
        .where(
            p.c.connector == j.c.connector,
            p.c.ma_ho_so == j.c.ma_ho_so,
            p.c.id < j.c.id,
            condition(p),
        )
        .offset(0)
        .exists()
    )


class DriverSql:
    """The statements of every round trip of the worker (hub.store.outbox), as the
    driver's own SQL run with ``Connection.exec_driver_sql``: no statement compiled,
    no cache key built and no bind or result processing per execution (SQLAlchemy's
    share of a settle was about as large as the database's). SQLAlchemy still wraps
    the driver's errors (a busy or lost database is still an ``OperationalError``) and
    runs its events. Written for both dialects; the values go in as each driver takes
    them (:meth:`time`: SQLite holds times as SQLAlchemy writes them, as text).
    """

    JOB_COLUMNS = (
        "id, connector, ma_ho_so, event_id, sequence, attempts, created_at,"
        " idempotency_key, retry_base, rerun_at, use_current_state"
    )

    def __init__(self, dialect: str) -> None:
        self.pg = pg = dialect == "postgresql"
        p = "%s" if pg else "?"
        # Typed on PostgreSQL: a NULL parameter in COALESCE takes the column's type.
        t, s = ("::timestamptz", "::text") if pg else ("", "")
        self.finish = (
            f"UPDATE jobs SET state = {p}, updated_at = {p}{t}, lease_owner = NULL,"
            f" lease_until = NULL, last_error = {p}{s}, error_class = {p}{s},"
            f" next_run_at = COALESCE({p}{t}, next_run_at),"
            f" finished_at = COALESCE({p}{t}, finished_at),"
            f" remote_id = COALESCE({p}{s}, remote_id) WHERE id = {p}"
        )
        self.attempt = (
            "INSERT INTO attempts (job_id, attempt, worker, started_at, duration_ms, outcome,"
            " error_class, http_status, error, request_excerpt, response_excerpt)"
            f" VALUES ({', '.join([p] * 11)})"
        )
        self.remote_ref = (
            "INSERT INTO remote_refs"
            " (connector, ma_ho_so, remote_id, last_event_id, last_status, updated_at)"
            f" VALUES ({', '.join([p] * 6)}) ON CONFLICT (connector, ma_ho_so) DO UPDATE SET"
            " last_event_id = excluded.last_event_id, last_status = excluded.last_status,"
            " updated_at = excluded.updated_at,"
            " remote_id = COALESCE(excluded.remote_id, remote_refs.remote_id)"
        )
        self._p = p

    def time(self, value: datetime | None) -> Any:
        """A time as the driver takes it: as is on PostgreSQL (timestamptz); on SQLite the
        text SQLAlchemy's DateTime writes of its UTC wall time (compared as text)."""
        if value is None or self.pg:
            return value
        return sqlite_time(value)

    def read_time(self, value: Any) -> datetime | None:
        """A time column read back: an aware UTC datetime (SQLite gives the text)."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            value = datetime.fromisoformat(value)
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def held(self, n: int) -> str:
        """The jobs among ``n`` ids still running under this worker's lease (locked)."""
        return _by_ids(
            self.pg,
            "SELECT id FROM jobs WHERE {ids} AND state = 'running' AND lease_owner = {p}"
            + (" FOR UPDATE" if self.pg else ""),
            n,
        )

    def take(self, n: int) -> str:
        """Lease ``n`` jobs to a worker: one more attempt, running until the lease ends."""
        return _by_ids(
            self.pg,
            "UPDATE jobs SET state = 'running', lease_owner = {p}, lease_until = {p},"
            " attempts = attempts + 1, updated_at = {p} WHERE {ids}"
            f" RETURNING {self.JOB_COLUMNS}",
            n,
        )

    def events(self, n: int) -> str:
        """Stored events by id, their time and snapshot as text (hub.store.readback)."""
        return _by_ids(
            self.pg,
            "SELECT id, type, CAST(occurred_at AS TEXT) AS occurred_at, ma_ho_so, sequence,"
            " CAST(snapshot AS TEXT) AS snapshot FROM events WHERE {ids}",
            n,
        )

    def candidates(self, expired: bool, connectors: int) -> str:
        """SQLite's claim candidates as driver SQL (see :func:`sqlite_candidates`)."""
        if expired:
            return sqlite_candidates("ix_jobs_running_lease", "lease_until", connectors)
        return sqlite_candidates("ix_jobs_due", "next_run_at", connectors)

    def ids(self, ids: list[Any]) -> tuple[Any, ...]:
        """The ids' parameters: one array on PostgreSQL, one placeholder each on SQLite."""
        return (ids,) if self.pg else tuple(ids)


@lru_cache(maxsize=512)
def sqlite_time(value: datetime) -> str:
    """A datetime as SQLAlchemy's ``UtcDateTime`` writes it on SQLite (in UTC, then
    SQLite's ``DATETIME`` text): rows are compared and ordered by this text."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _by_ids(pg: bool, template: str, n: int) -> str:
    """``template`` with ``{ids}`` as ``id = ANY(%s)`` (PostgreSQL) or ``id IN (?, ...)``
    with ``n`` placeholders (SQLite), and ``{p}`` the placeholder; the statement text
    is made once per number of ids."""
    p = "%s" if pg else "?"
    ids = "id = ANY(%s)" if pg else f"id IN ({', '.join(['?'] * n)})"
    return template.replace("{ids}", ids).replace("{p}", p)


__all__ = ["DriverSql", "Statements", "earlier_sibling"]
