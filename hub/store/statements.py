"""The worker's and ingest's prepared statements (built once per dialect)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import BindParameter

from hub.store.tables import (
    DONE_STATES,
    JobState,
    Utc,
    dossiers,
    events,
    jobs,
    remote_refs,
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
        held = select(jobs.c.id).where(
            jobs.c.id.in_(bindparam("b_ids", expanding=True)),
            jobs.c.state == JobState.RUNNING.value,
            jobs.c.lease_owner == bindparam("b_worker"),
        )
        self.held = held.with_for_update() if dialect == "postgresql" else held
        keep = func.coalesce
        self.finish = (
            update(jobs)
            .where(jobs.c.id == bindparam("b_id"))
            .values(
                state=bindparam("b_state"),
                updated_at=bindparam("b_now", type_=Utc),
                lease_owner=None,
                lease_until=None,
                last_error=bindparam("b_error", type_=Text),
                error_class=bindparam("b_error_class", type_=String),
                next_run_at=keep(bindparam("b_next", type_=Utc), jobs.c.next_run_at),
                finished_at=keep(bindparam("b_finished", type_=Utc), jobs.c.finished_at),
                remote_id=keep(bindparam("b_remote_id", type_=String), jobs.c.remote_id),
            )
        )
        upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(remote_refs)
        self.remote_ref = upsert.on_conflict_do_update(
            index_elements=["connector", "ma_ho_so"],
            set_={
                "last_event_id": upsert.excluded.last_event_id,
                "last_status": upsert.excluded.last_status,
                "updated_at": upsert.excluded.updated_at,
                "remote_id": func.coalesce(upsert.excluded.remote_id, remote_refs.c.remote_id),
            },
        )
        # Ingest's statements.
        self.existing = select(events.c.id, events.c.sequence, events.c.body_hash).where(
            events.c.id.in_(bindparam("b_ids", expanding=True))
        )
        mirror = (
            select(
                dossiers.c.ma_ho_so,
                dossiers.c.trang_thai,
                dossiers.c.last_sequence,
                dossiers.c.ngay_hen_tra,
                dossiers.c.ngay_hen_tra_moi,
            )
            .where(dossiers.c.ma_ho_so.in_(bindparam("b_codes", expanding=True)))
            .order_by(dossiers.c.ma_ho_so)
        )
        # On PostgreSQL the rows stay locked: a dossier's events are serialised across
        # ingesters, taken in one order so that two batches cannot deadlock.
        self.mirror = mirror.with_for_update() if dialect == "postgresql" else mirror
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.new_dossier = (
            dialect_insert(dossiers).on_conflict_do_nothing().returning(dossiers.c.ma_ho_so)
        )
        self.events = select(
            events.c.id,
            events.c.type,
            # As text, parsed per row (hub.store.readback): a time PostgreSQL holds and
            # Python cannot (year 1 BC) would fail the whole result in the driver.
            cast(events.c.occurred_at, Text).label("occurred_at"),
            events.c.ma_ho_so,
            events.c.sequence,
            cast(events.c.snapshot, Text).label("snapshot"),
        ).where(events.c.id.in_(bindparam("b_ids", expanding=True)))
        self.take = (
            update(jobs)
            .where(jobs.c.id.in_(bindparam("b_ids", expanding=True)))
            .values(
                state=JobState.RUNNING.value,
                lease_owner=bindparam("b_worker"),
                lease_until=bindparam("b_lease_until"),
                attempts=jobs.c.attempts + 1,
                updated_at=bindparam("b_now"),
            )
            .returning(
                jobs.c.id,
                jobs.c.connector,
                jobs.c.ma_ho_so,
                jobs.c.event_id,
                jobs.c.sequence,
                jobs.c.attempts,
                jobs.c.created_at,
                jobs.c.idempotency_key,
                jobs.c.retry_base,
                jobs.c.rerun_at,
                jobs.c.use_current_state,
            )
        )


def _sqlite_walk(index: str, when: str) -> tuple[Any, Any]:
    """The SQLite candidate query walking ``index`` in order: all connectors, and some."""
    predicate = {"ix_jobs_due": "j.state IN ('pending', 'failed') AND j.next_run_at <= :b_now"}.get(
        index, "j.state = 'running' AND j.lease_until < :b_now"
    )
    done = ", ".join(f"'{state}'" for state in DONE_STATES)
    queries = []
    for only in ("", " AND j.connector IN :b_connectors"):
        sql = (
            f"SELECT j.id, j.state FROM jobs AS j INDEXED BY {index} WHERE {predicate}{only}"
            " AND NOT EXISTS (SELECT 1 FROM jobs AS p WHERE p.connector = j.connector"
            " AND p.ma_ho_so = j.ma_ho_so AND p.id < j.id"
            f" AND p.state NOT IN ({done})) ORDER BY j.{when}, j.id LIMIT :b_limit"
        )
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


__all__ = ["Statements", "earlier_sibling"]
