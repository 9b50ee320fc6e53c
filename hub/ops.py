"""Operations on the outbox: find failed syncs, see why, re-run, skip or cancel them,
one or thousands, with an append-only audit trail.

Rules every action follows, from the CLI, the API or a task:

* a job is re-run as it was stored (its event and snapshot), unless the operator
  asks for the dossier's current state; the count of attempts and the retry clock
  start afresh, earlier attempts stay in the log;
* a job whose earlier job (same connector and dossier) is still dead is refused:
  re-running it would send a dossier's events out of order;
* skipping or cancelling needs a reason; every action is written to the audit log
  with who, when, what, why and how many;
* actions by filter run as a tracked task (queued, running, paused, done) over
  every matching job in id order, in chunks, resumable after a crash, with an
  outcome per job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from hub import reasons_api as A
from hub.errors import ActionRefused
from hub.fields import MAX_DATE, MIN_DATE
from hub.messages import Message
from hub.store.operations import ACTION_STATES, JOB_STATES, KINDS, SORTS, JobFilter
from hub.store.store import Store, as_utc

__all__ = [
    "ACTION_STATES",
    "JOB_STATES",
    "KINDS",
    "SORTS",
    "ActionRefused",
    "JobFilter",
    "Operations",
    "check_action",
]


class Operations:
    """Operator actions over the store (its named queries); thread-safe as the store is."""

    def __init__(self, store: Store, connectors: Iterable[str] | None = None) -> None:
        self.store = store
        #: The hub's connectors, for :meth:`check_filter` (None: do not check names).
        self.connectors = frozenset(connectors) if connectors is not None else None

    def check_filter(self, flt: JobFilter) -> None:
        """Refuse a filter that can only match nothing by mistake, saying what is valid:
        an unknown state (422) or connector (404: neither configured nor in the outbox),
        ``since`` after ``until`` (422)."""
        if flt.state and flt.state not in JOB_STATES:
            raise ActionRefused(A.UNKNOWN_STATE(values=", ".join(JOB_STATES)), code="invalid")
        if flt.connector and self.connectors is not None:
            known = self.connectors | set(self.store.job_connectors())
            if flt.connector not in known:
                names = A.names_or_none(sorted(known))
                raise ActionRefused(
                    A.UNKNOWN_JOB_CONNECTOR(names=names),
                    code="not_found",
                )
        for name, when in (("since", flt.since), ("until", flt.until)):
            if when is not None and not MIN_DATE <= when.date() <= MAX_DATE:
                words = A.DATE_OUT_OF_RANGE(name=name, first=MIN_DATE.year, last=MAX_DATE.year)
                raise ActionRefused(words, code="invalid")
        if flt.since and flt.until and as_utc(flt.since) > as_utc(flt.until):
            raise ActionRefused(A.SINCE_AFTER_UNTIL(), code="invalid")

    # --- finding -------------------------------------------------------------------

    def list_jobs(
        self, flt: JobFilter, *, sort: str = "-id", limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        if sort not in SORTS:
            raise ActionRefused(A.BAD_SORT(sort=sort, sorts=", ".join(SORTS)), code="bad_sort")
        self.check_filter(flt)
        return self.store.filter_jobs(flt, sort=sort, limit=limit, offset=offset)

    def show_job(self, job_id: int, *, with_payloads: bool = False) -> dict[str, Any]:
        """A job with its event, every attempt, and the jobs it holds back or waits for."""
        return self.store.job_detail(job_id, with_payloads=with_payloads)

    # --- acting -----------------------------------------------------------------------

    def act(
        self,
        kind: str,
        job_id: int,
        *,
        actor: str,
        reason: str | None = None,
        use_current_state: bool = False,
    ) -> dict[str, Any]:
        """Re-run, skip or cancel one job now; audited. Raises ActionRefused with the why."""
        check_action(kind, reason)
        outcome, detail = self.store.act_on_job(
            kind, job_id, actor=actor, reason=reason, use_current_state=use_current_state
        )
        if outcome != "applied":
            words = Message.loads(detail) or A.ACTION_REFUSED(detail=detail)
            raise ActionRefused(words, code="refused")
        return {"job_id": job_id, "outcome": outcome}

    def preview(self, kind: str, flt: JobFilter, sample: int = 10) -> dict[str, Any]:
        """What an action by filter would touch: the count and a sample (a dry run)."""
        if kind not in KINDS:
            raise ActionRefused(A.BAD_ACTION(kind=kind), code="bad_action")
        self.check_filter(flt)
        return self.store.preview_action(kind, flt, sample)

    def create_task(
        self,
        kind: str,
        flt: JobFilter,
        *,
        actor: str,
        reason: str | None = None,
        use_current_state: bool = False,
    ) -> int:
        check_action(kind, reason)
        self.check_filter(flt)
        return self.store.create_task(
            kind, flt, actor=actor, reason=reason, use_current_state=use_current_state
        )

    def claim_task(self, owner: str, lease_seconds: float = 60) -> int | None:
        """Take the oldest queued task (or one whose runner died) to run it."""
        return self.store.claim_task(owner, lease_seconds)

    def run_task(
        self,
        op_id: int,
        owner: str,
        *,
        chunk: int = 100,
        lease_seconds: float = 60,
        progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Run a claimed task to the end (or until paused), a chunk per transaction."""
        return self.store.run_task(
            op_id, owner, chunk=chunk, lease_seconds=lease_seconds, progress=progress
        )

    def set_task_state(self, op_id: int, state: str, *, actor: str) -> dict[str, Any]:
        return self.store.set_task_state(op_id, state, actor=actor)

    def task(self, op_id: int) -> dict[str, Any]:
        return self.store.task(op_id)

    def list_tasks(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.store.list_tasks(limit)

    # --- health, retention, audit ----------------------------------------------------------

    def status(self, *, window: timedelta = timedelta(hours=1)) -> list[dict[str, Any]]:
        """Per connector: queue depth by state, oldest waiting job, last success, error rate."""
        return self.store.queue_status(window=window)

    def cull(
        self, *, finished_before: datetime, excerpts_before: datetime, actor: str = "retention"
    ) -> dict[str, int]:
        """Retention: drop old excerpts and finished jobs; failed and dead jobs stay."""
        return self.store.cull(
            finished_before=finished_before, excerpts_before=excerpts_before, actor=actor
        )

    def audit(
        self, *, limit: int = 50, actor: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        return self.store.audit_entries(limit=limit, actor=actor, action=action)


def check_action(kind: str, reason: str | None) -> None:
    """Refuse an unknown action, or a skip or cancel without a reason."""
    if kind not in KINDS:
        raise ActionRefused(A.BAD_ACTION(kind=kind), code="bad_action")
    if kind in ("skip", "cancel") and not (reason and reason.strip()):
        raise ActionRefused(
            A.REASON_REQUIRED(kind=kind),
            code="reason_required",
        )
