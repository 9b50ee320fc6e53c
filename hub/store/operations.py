"""Operator actions over the outbox: find, show, re-run, skip, cancel; tracked tasks,
queue status, retention and the audit trail (hub/ops.py holds the rules' words)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, func, insert, select, update

from hub import reasons_api as A
from hub.errors import ActionRefused
from hub.messages import render_stored
from hub.store.base import LIKE_ESCAPE, StoreBase, like_prefix, row_dict, utcnow
from hub.store.notify import notify_jobs
from hub.store.readback import shown_event
from hub.store.tables import (
    DONE_STATES,
    JobState,
    attempts,
    events,
    jobs,
    operation_items,
    operations,
)

__all__ = ["ACTION_STATES", "JOB_STATES", "KINDS", "SORTS", "JobFilter", "OperationQueries"]

SORTS = {
    "id": jobs.c.id.asc(),
    "-id": jobs.c.id.desc(),
    "updated_at": jobs.c.updated_at.asc(),
    "-updated_at": jobs.c.updated_at.desc(),
    "attempts": jobs.c.attempts.asc(),
    "-attempts": jobs.c.attempts.desc(),
}
KINDS = ("retry", "skip", "cancel")
#: Every state a job can be in, for filters.
JOB_STATES: tuple[str, ...] = tuple(s.value for s in JobState)
#: The states each action applies to.
ACTION_STATES = {
    "retry": (JobState.DEAD.value, JobState.FAILED.value),
    "skip": (JobState.DEAD.value, JobState.FAILED.value, JobState.PENDING.value),
    "cancel": (JobState.PENDING.value, JobState.FAILED.value),
}
_TARGET_STATE = {"skip": JobState.SKIPPED.value, "cancel": JobState.CANCELLED.value}


@dataclass
class JobFilter:
    """Which jobs: every given criterion must hold. Times bound ``updated_at``."""

    state: str | None = None
    connector: str | None = None
    ma_ho_so: str | None = None
    ma_tthc: str | None = None
    error_class: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    job_ids: list[int] = field(default_factory=list)

    def clauses(self) -> list[Any]:
        out: list[Any] = []
        if self.state:
            out.append(jobs.c.state == self.state)
        if self.connector:
            out.append(jobs.c.connector == self.connector)
        if self.ma_ho_so:
            out.append(jobs.c.ma_ho_so == self.ma_ho_so)
        if self.ma_tthc:
            out.append(jobs.c.ma_tthc.like(like_prefix(self.ma_tthc), escape=LIKE_ESCAPE))
        if self.error_class:
            out.append(jobs.c.error_class == self.error_class)
        if self.since:
            out.append(jobs.c.updated_at >= self.since)
        if self.until:
            out.append(jobs.c.updated_at < self.until)
        if self.job_ids:
            out.append(jobs.c.id.in_(self.job_ids))
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("since", "until"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return {k: v for k, v in data.items() if v not in (None, [])}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobFilter:
        data = dict(data)
        for key in ("since", "until"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        return cls(**data)

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.to_json().items()) or "all jobs"


class OperationQueries(StoreBase):
    """Operator actions; each method is one transaction (a task: one per chunk)."""

    # --- finding -------------------------------------------------------------------

    def job_connectors(self) -> list[str]:
        """The connectors the outbox holds jobs of (one removed from settings included)."""
        with self.read() as conn:
            return [r[0] for r in conn.execute(select(jobs.c.connector).distinct())]

    def filter_jobs(
        self, flt: JobFilter, *, sort: str = "-id", limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        if sort not in SORTS:
            raise ActionRefused(A.BAD_SORT(sort=sort, sorts=", ".join(SORTS)), code="bad_sort")
        where = flt.clauses()
        with self.read() as conn:
            total = conn.execute(select(func.count()).select_from(jobs).where(*where)).scalar_one()
            rows = conn.execute(
                select(jobs).where(*where).order_by(SORTS[sort]).limit(limit).offset(offset)
            )
            return [row_dict(r) for r in rows], int(total)

    def job_detail(self, job_id: int, *, with_payloads: bool = False) -> dict[str, Any]:
        """A job with its event, every attempt, and the jobs it holds back or waits for."""
        with self.read() as conn:
            job = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
            if job is None:
                raise ActionRefused(A.NO_JOB(job_id=job_id), code="not_found")
            event = conn.execute(
                select(
                    events.c.id,
                    events.c.type,
                    cast(events.c.occurred_at, Text).label("occurred_at"),  # see readback
                    events.c.received_at,
                    events.c.sequence,
                ).where(events.c.id == job.event_id)
            ).first()
            tries = conn.execute(
                select(attempts).where(attempts.c.job_id == job_id).order_by(attempts.c.id)
            ).all()
            chain = conn.execute(
                select(jobs.c.id, jobs.c.sequence, jobs.c.state, jobs.c.event_id)
                .where(jobs.c.connector == job.connector, jobs.c.ma_ho_so == job.ma_ho_so)
                .order_by(jobs.c.id)
            ).all()
        shown = []
        for a in tries:
            item = row_dict(a)
            if not with_payloads:
                item.pop("request_excerpt", None)
                item.pop("response_excerpt", None)
            shown.append(item)
        return {
            "job": row_dict(job),
            "event": shown_event(event) if event else None,
            "attempts": shown,
            "waits_for": [
                row_dict(c) for c in chain if c.id < job_id and c.state not in DONE_STATES
            ],
            "holds_back": [
                row_dict(c) for c in chain if c.id > job_id and c.state not in DONE_STATES
            ],
        }

    # --- acting on one job -------------------------------------------------------------

    def act_on_job(
        self,
        kind: str,
        job_id: int,
        *,
        actor: str,
        reason: str | None = None,
        use_current_state: bool = False,
    ) -> tuple[str, str]:
        """Re-run, skip or cancel one job now, audited: ``("applied", "")`` or
        ``("refused", why)``, ``why`` a coded message (hub.messages.render_stored)."""
        with self.begin() as conn:
            outcome, detail = self._apply(conn, kind, job_id, reason, use_current_state, actor)
            if outcome == "applied":  # a re-run is due now; a skip or cancel frees later jobs
                notify_jobs(conn)
            self._audit(
                conn,
                actor,
                kind,
                f"job {job_id}",
                reason,
                1 if outcome == "applied" else 0,
                {"outcome": outcome, "detail": detail, "use_current_state": use_current_state},
            )
        self._wrote_hot_rows(rewritten=outcome == "applied")
        return outcome, detail

    def _apply(
        self,
        conn: Any,
        kind: str,
        job_id: int,
        reason: str | None,
        use_current_state: bool,
        actor: str,
    ) -> tuple[str, str]:
        """Apply one action to one job inside ``conn``'s transaction.

        A re-run resets the job's own row; it does not enqueue a new one. That is the
        "never lose, never duplicate" design, not a shortcut around the one enqueue path
        (:func:`hub.store.ingest.new_jobs`, used by ingest and reconciliation repair):

        * the row IS the delivery of one event to one ministry, and its idempotency key
          (``idempotency_key(connector, event_id)``, unique in the table) must stay the
          same on every re-send so the ministry applies it once: a second row would need
          the same key, which the table refuses;
        * the row keeps its id, so its place in the dossier's per-connector order (the
          worker sends a dossier's jobs by id) is the place of its event; a new row
          would jump behind the events received since;
        * earlier attempts stay in ``attempts`` under the same job id, so the history
          reads as one delivery tried several times.

        So keys are built in one place (:func:`hub.connector.idempotency_key`) and job
        rows are made in one place (``new_jobs``); this only moves a row's state.
        """
        row = conn.execute(
            select(
                jobs.c.id, jobs.c.state, jobs.c.connector, jobs.c.ma_ho_so, jobs.c.attempts
            ).where(jobs.c.id == job_id)
        ).first()
        if row is None:
            return "refused", A.NO_JOB(job_id=job_id).dumps()
        if kind == "retry":
            dead_before = conn.execute(
                select(func.min(jobs.c.id)).where(
                    jobs.c.connector == row.connector,
                    jobs.c.ma_ho_so == row.ma_ho_so,
                    jobs.c.id < job_id,
                    jobs.c.state == JobState.DEAD.value,
                )
            ).scalar()
            if dead_before is not None:
                return "refused", A.DEAD_BEFORE(dead=dead_before).dumps()
        if row.state not in ACTION_STATES[kind]:
            states = " | ".join(ACTION_STATES[kind])
            words = A.WRONG_STATE(job_id=job_id, state=row.state, kind=kind, states=states)
            return "refused", words.dumps()
        now = utcnow()
        if kind == "retry":
            values: dict[str, Any] = {
                "state": JobState.PENDING.value,
                "next_run_at": now,
                "rerun_at": now,
                "retry_base": row.attempts,
                "use_current_state": use_current_state,
                "last_error": None,
                "error_class": None,
                "finished_at": None,
                "operator_reason": _note(actor, reason),
            }
        else:
            values = {
                "state": _TARGET_STATE[kind],
                "finished_at": now,
                "operator_reason": _note(actor, reason),
            }
        values |= {"lease_owner": None, "lease_until": None, "updated_at": now}
        result = conn.execute(
            update(jobs).where(jobs.c.id == job_id, jobs.c.state == row.state).values(**values)
        )
        if result.rowcount != 1:
            return "refused", A.CHANGED(job_id=job_id).dumps()
        return "applied", ""

    # --- acting on many: tracked tasks ----------------------------------------------------

    def preview_action(self, kind: str, flt: JobFilter, sample: int = 10) -> dict[str, Any]:
        """What an action by filter would touch: the count and a sample (a dry run)."""
        if kind not in KINDS:
            raise ActionRefused(A.BAD_ACTION(kind=kind), code="bad_action")
        where = [*flt.clauses(), jobs.c.state.in_(ACTION_STATES[kind])]
        with self.read() as conn:
            count = conn.execute(select(func.count()).select_from(jobs).where(*where)).scalar_one()
            rows = conn.execute(select(jobs).where(*where).order_by(jobs.c.id).limit(sample))
            return {"count": int(count), "sample": [row_dict(r) for r in rows]}

    def create_task(
        self,
        kind: str,
        flt: JobFilter,
        *,
        actor: str,
        reason: str | None = None,
        use_current_state: bool = False,
    ) -> int:
        total = self.preview_action(kind, flt, sample=0)["count"]
        now = utcnow()
        with self.begin() as conn:
            op_id = conn.execute(
                insert(operations)
                .values(
                    kind=kind,
                    filter=flt.to_json(),
                    actor=actor,
                    reason=reason,
                    use_current_state=use_current_state,
                    state="queued",
                    total=total,
                    created_at=now,
                )
                .returning(operations.c.id)
            ).scalar_one()
            self._audit(
                conn,
                actor,
                f"{kind}_requested",
                f"task {op_id}: {flt.describe()}",
                reason,
                total,
                {"task": op_id, "filter": flt.to_json()},
            )
        return int(op_id)

    def claim_task(self, owner: str, lease_seconds: float = 60) -> int | None:
        """Take the oldest queued task (or one whose runner died) to run it."""
        now = utcnow()
        with self.begin() as conn:
            row = conn.execute(
                select(operations.c.id)
                .where(
                    (operations.c.state == "queued")
                    | and_(operations.c.state == "running", operations.c.lease_until < now)
                )
                .order_by(operations.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            taken = conn.execute(
                update(operations)
                .where(operations.c.id == row.id, operations.c.state.in_(("queued", "running")))
                .values(
                    state="running",
                    owner=owner,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    started_at=func.coalesce(operations.c.started_at, now),
                )
            )
            return int(row.id) if taken.rowcount == 1 else None

    def run_task(
        self,
        op_id: int,
        owner: str,
        *,
        chunk: int = 100,
        lease_seconds: float = 60,
        progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Run a claimed task to the end (or until paused), a chunk per transaction.

        Jobs are taken in id order after the last one processed, so a task resumed after
        a crash goes on where it stopped, and a dossier's jobs are re-run in the order
        its events were received.
        """
        while True:
            with self.begin() as conn:
                op = conn.execute(select(operations).where(operations.c.id == op_id)).first()
                if op is None or op.state != "running" or op.owner != owner:
                    break  # paused, or another runner took it over
                flt = JobFilter.from_json(op.filter)
                ids = (
                    conn.execute(
                        select(jobs.c.id)
                        .where(
                            *flt.clauses(),
                            jobs.c.id > op.last_job_id,
                            jobs.c.state.in_(ACTION_STATES[op.kind]),
                        )
                        .order_by(jobs.c.id)
                        .limit(chunk)
                    )
                    .scalars()
                    .all()
                )
                applied = refused = 0
                for job_id in ids:
                    outcome, detail = self._apply(
                        conn, op.kind, job_id, op.reason, op.use_current_state, op.actor
                    )
                    conn.execute(
                        insert(operation_items).values(
                            operation_id=op_id,
                            job_id=job_id,
                            outcome=outcome,
                            detail=detail or None,
                        )
                    )
                    applied += outcome == "applied"
                    refused += outcome == "refused"
                if applied:  # jobs due now, or freed behind a skipped one
                    notify_jobs(conn)
                values: dict[str, Any] = {
                    "processed": operations.c.processed + len(ids),
                    "applied": operations.c.applied + applied,
                    "refused": operations.c.refused + refused,
                    "lease_until": utcnow() + timedelta(seconds=lease_seconds),
                }
                if ids:
                    values["last_job_id"] = ids[-1]
                if len(ids) < chunk:
                    values |= {"state": "done", "finished_at": utcnow()}
                conn.execute(update(operations).where(operations.c.id == op_id).values(**values))
                if len(ids) < chunk:
                    done = conn.execute(select(operations).where(operations.c.id == op_id)).one()
                    self._audit(
                        conn,
                        op.actor,
                        op.kind,
                        f"task {op_id}: {flt.describe()}",
                        op.reason,
                        done.applied,
                        {"task": op_id, "applied": done.applied, "refused": done.refused},
                    )
            self._wrote_hot_rows(rewritten=applied)
            if progress:
                progress(self.task(op_id))
            if len(ids) < chunk:
                break
        return self.task(op_id)

    def set_task_state(self, op_id: int, state: str, *, actor: str) -> dict[str, Any]:
        allowed = {"paused": ("queued", "running"), "queued": ("paused",)}
        with self.begin() as conn:
            result = conn.execute(
                update(operations)
                .where(operations.c.id == op_id, operations.c.state.in_(allowed[state]))
                .values(state=state, owner=None)
            )
            if result.rowcount != 1:
                raise ActionRefused(A.TASK_STATE(op_id=op_id, state=state), code="refused")
            self._audit(
                conn,
                actor,
                "pause" if state == "paused" else "resume",
                f"task {op_id}",
                None,
                0,
                None,
            )
        return self.task(op_id)

    def task(self, op_id: int) -> dict[str, Any]:
        with self.read() as conn:
            op = conn.execute(select(operations).where(operations.c.id == op_id)).first()
            if op is None:
                raise ActionRefused(A.NO_TASK(op_id=op_id), code="not_found")
            refusals = conn.execute(
                select(operation_items.c.job_id, operation_items.c.detail)
                .where(
                    operation_items.c.operation_id == op_id, operation_items.c.outcome == "refused"
                )
                .order_by(operation_items.c.job_id)
                .limit(20)
            ).all()
        return {
            **row_dict(op),
            "refusals": [{"job_id": r.job_id, "reason": render_stored(r.detail)} for r in refusals],
        }

    def list_tasks(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute(select(operations).order_by(operations.c.id.desc()).limit(limit))
            return [row_dict(r) for r in rows]


def _note(actor: str, reason: str | None) -> str:
    return f"{actor}: {reason}" if reason else actor
