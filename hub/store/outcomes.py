"""What the worker and the outbox pass each other: a claimed job, an attempt's outcome,
a round trip's result; and the outcome of a job that ends dead for its own data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.errors import PermanentError, Reason
from hub.models import DossierEvent, Status
from hub.reasons import UNREADABLE
from hub.store.readback import UNREADABLE_EVENT
from hub.store.tables import JobState

__all__ = ["ClaimedJob", "JobOutcome", "Settled", "dead_outcome", "unreadable_outcome"]


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    connector: str
    ma_ho_so: str
    event_id: str
    sequence: int
    attempts: int  #: including this one
    created_at: datetime
    idempotency_key: str
    retry_base: int = 0  #: attempts made before the last operator re-run
    rerun_at: datetime | None = None
    use_current_state: bool = False
    #: The state it was claimed from, restored if the worker hands it back unsent.
    claimed_from: str = JobState.PENDING.value

    @property
    def attempts_since_rerun(self) -> int:
        return self.attempts - self.retry_base

    @property
    def retrying_since(self) -> datetime:
        return self.rerun_at or self.created_at


@dataclass(slots=True)
class JobOutcome:
    """What became of one attempt, as the worker hands it to :meth:`Store.settle`."""

    job: ClaimedJob
    state: JobState
    attempt: dict[str, Any]
    next_run_at: datetime | None = None
    error: str | None = None
    error_class: str | None = None
    remote_id: str | None = None
    status: Status | None = None
    now: datetime | None = None
    province_update: dict[str, Any] | None = None  #: PushResult's, told on success


@dataclass(slots=True)
class Settled:
    kept: list[bool] = field(default_factory=list)  #: per outcome: False = lease lost
    claimed: list[ClaimedJob] = field(default_factory=list)
    events: dict[str, DossierEvent] = field(default_factory=dict)  #: of the claimed jobs
    #: Jobs claimed and at once recorded dead: their stored event cannot be read back.
    dead: list[JobOutcome] = field(default_factory=list)


def dead_outcome(
    job: ClaimedJob,
    reason: Reason,
    code: str,
    now: datetime,
    *,
    started_at: datetime | None = None,
    duration_ms: float = 0.0,
) -> JobOutcome:
    """A job that ends dead for a reason of its own data, with the reason (no excerpts)."""
    error = PermanentError(reason, system=job.connector, code=code)
    attempt = {
        "started_at": started_at or now,
        "duration_ms": duration_ms,
        "outcome": "permanent",
        "error": error,
    }
    return JobOutcome(job, JobState.DEAD, attempt, error=error.stored(), error_class=code, now=now)


def unreadable_outcome(job: ClaimedJob, reason: str, now: datetime) -> JobOutcome:
    """A claimed job whose stored data cannot be read back: dead, with the reason."""
    return dead_outcome(job, UNREADABLE(detail=reason), UNREADABLE_EVENT, now)
