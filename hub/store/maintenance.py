"""Queue status per connector, retention and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, func, select, update

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

__all__ = ["DeliveryOverview", "MaintenanceQueries"]


class MaintenanceQueries(StoreBase):
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
