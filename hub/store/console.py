"""Reads of the operator console (hub/console): a keyset page of jobs, a dossier's
events and jobs in order, dead jobs by reason, and the delivery rate per minute.

Keyset, not offset: the page after ``before_id`` is ``id < before_id`` in id order,
so the tenth thousandth page costs what the first does, and no total is counted
(a ``count(*)`` over a million jobs is what made an offset page slow).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, select

from hub.store.base import StoreBase, as_utc, row_dict, utcnow
from hub.store.operations import JobFilter
from hub.store.tables import JobState, attempts, events, jobs

__all__ = ["ConsoleQueries"]


class ConsoleQueries(StoreBase):
    """The console's named reads; each is one read transaction."""

    def jobs_page(
        self, flt: JobFilter, *, before_id: int | None = None, limit: int = 50
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Up to ``limit`` jobs matching ``flt``, newest first, below ``before_id``;
        and the ``before_id`` of the next page (None on the last)."""
        where = flt.clauses()
        if before_id is not None:
            where.append(jobs.c.id < before_id)
        # The page's ids first, from an index alone where one covers the filter (state,
        # connector, updated_at hold the id): the rows are then read for those ids only,
        # not for every match a sort must see (a day's range at a million jobs: 290 ms
        # reading rows, about a third of it this way).
        ids = select(jobs.c.id).where(*where).order_by(jobs.c.id.desc()).limit(limit + 1)
        query = (
            select(
                jobs.c.id,
                jobs.c.connector,
                jobs.c.ma_ho_so,
                jobs.c.ma_tthc,
                jobs.c.state,
                jobs.c.attempts,
                jobs.c.error_class,
                jobs.c.last_error,
                jobs.c.updated_at,
                jobs.c.sequence,
            )
            .where(jobs.c.id.in_(ids.scalar_subquery()))
            .order_by(jobs.c.id.desc())
        )
        with self.read() as conn:
            rows = [row_dict(r) for r in conn.execute(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1]["id"] if more and rows else None)

    def dossier_timeline(self, ma_ho_so: str, *, limit: int = 500) -> dict[str, Any]:
        """The dossier's events (by sequence) and jobs (by id), at most ``limit`` each."""
        with self.read() as conn:
            evs = conn.execute(
                select(
                    events.c.id,
                    events.c.sequence,
                    events.c.type,
                    cast(events.c.occurred_at, Text).label("occurred_at"),
                    events.c.received_at,
                )
                .where(events.c.ma_ho_so == ma_ho_so)
                .order_by(events.c.sequence, events.c.received_at)
                .limit(limit)
            ).all()
            js = conn.execute(
                select(
                    jobs.c.id,
                    jobs.c.connector,
                    jobs.c.event_id,
                    jobs.c.sequence,
                    jobs.c.state,
                    jobs.c.error_class,
                    jobs.c.updated_at,
                )
                .where(jobs.c.ma_ho_so == ma_ho_so)
                .order_by(jobs.c.id)
                .limit(limit)
            ).all()
        return {"events": [row_dict(e) for e in evs], "jobs": [row_dict(j) for j in js]}

    def dead_by_reason(self) -> list[dict[str, Any]]:
        """Dead jobs per connector and error class, most first."""
        n = func.count().label("count")
        query = (
            select(jobs.c.connector, jobs.c.error_class, n)
            .where(jobs.c.state == JobState.DEAD.value)
            .group_by(jobs.c.connector, jobs.c.error_class)
            .order_by(n.desc())
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def delivery_per_minute(
        self, *, window: timedelta = timedelta(hours=1), now: datetime | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        """Per connector, per minute of the last ``window`` (oldest first): attempts
        that delivered and attempts that failed."""
        now = now or utcnow()
        start = now - window
        minutes = max(1, int(window.total_seconds() // 60))
        query = (
            select(jobs.c.connector, attempts.c.started_at, attempts.c.outcome)
            .select_from(attempts.join(jobs, attempts.c.job_id == jobs.c.id))
            .where(attempts.c.started_at >= start)
        )
        out: dict[str, list[tuple[int, int]]] = {}
        with self.read() as conn:
            for connector, started, outcome in conn.execute(query):
                series = out.setdefault(connector, [(0, 0)] * minutes)
                i = min(minutes - 1, int((as_utc(started) - start).total_seconds() // 60))
                ok, bad = series[i]
                series[i] = (ok + 1, bad) if outcome == "ok" else (ok, bad + 1)
        return out

    def record_audit(
        self,
        actor: str,
        action: str,
        target: str,
        reason: str | None = None,
        count: int = 0,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """One audit entry of its own (a console sign-in or sign-out)."""
        with self.begin() as conn:
            self._audit(conn, actor, action, target, reason, count, detail)
