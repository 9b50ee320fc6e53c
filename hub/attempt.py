"""One attempt of a claimed job: the call, and what it became (hub.worker runs them).

:func:`attempt` sends a job through its connector within the call timeout and sorts
the result: succeeded; transient (retried at the time the policy gives, or dead when
the policy gives up); permanent (dead, with the reason). A connector's own bug is a
permanent error with its masked message. :func:`count` keeps the worker's statistics,
metrics and logs of outcomes once they are recorded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.connector import Connector
from hub.errors import HubError, PermanentError, TransientError
from hub.logging import get_logger
from hub.masking import mask_text
from hub.messages import render_stored
from hub.metrics import HubMetrics
from hub.reasons import CALL_TIMEOUT, CONNECTOR_BUG
from hub.reasons_api import BAD_REMOTE_ID, MISSING_EVENT
from hub.retry import RetryPolicy
from hub.settings import WorkerSettings
from hub.store.store import ClaimedJob, JobOutcome, JobState, party_names, utcnow

__all__ = [
    "REMOTE_ID_MAX",
    "WorkerStats",
    "attempt",
    "check_remote_id",
    "count",
    "describe",
    "warm_up",
]

#: remote_refs.remote_id and jobs.remote_id are VARCHAR(200).
REMOTE_ID_MAX = 200

log = get_logger("hub.worker")


@dataclass
class WorkerStats:
    succeeded: int = 0
    retried: int = 0
    dead: int = 0
    lease_lost: int = 0
    by_error: dict[str, int] = field(default_factory=dict)


async def attempt(
    connector: Connector, job: ClaimedJob, event: Any, settings: WorkerSettings, policy: RetryPolicy
) -> tuple[JobOutcome, HubError | None]:
    """Send one claimed job and say what became of it: the outcome the store records
    (attempt row with its excerpts, next state, retry time), and the error, if any."""
    started = utcnow()
    t0 = time.perf_counter()
    outcome: JobState
    error: HubError | None = None
    result = None
    try:
        if event is None:
            raise PermanentError(
                MISSING_EVENT(event_id=job.event_id),
                system=job.connector,
                code="missing_event",
            )
        async with asyncio.timeout(settings.call_timeout_seconds):
            result = await connector.push(event, event.snapshot)
        check_remote_id(getattr(result, "remote_id", None), job.connector)
        outcome = JobState.SUCCEEDED
    except TransientError as exc:
        error, outcome = exc, JobState.FAILED
    except PermanentError as exc:
        error, outcome = exc, JobState.DEAD
    except TimeoutError:
        error = TransientError(
            CALL_TIMEOUT(system=job.connector, seconds=f"{settings.call_timeout_seconds:g}"),
            system=job.connector,
            code="timeout",
        )
        outcome = JobState.FAILED
    except Exception as exc:
        # A bug in a connector: retrying the same code will not help; an operator
        # re-runs the job once it is fixed.
        error = PermanentError(
            CONNECTOR_BUG(
                system=job.connector, kind=type(exc).__name__, detail=mask_text(str(exc))[:300]
            ),
            system=job.connector,
            code="connector_bug",
        )
        outcome = JobState.DEAD
    duration_ms = (time.perf_counter() - t0) * 1000
    now = utcnow()
    record = {
        "started_at": started,
        "duration_ms": duration_ms,
        "outcome": "ok"
        if error is None
        else ("transient" if outcome is JobState.FAILED else "permanent"),
        "http_status": getattr(error, "remote_http_status", None),
        "request": getattr(result, "request_excerpt", None),
        "response": getattr(result, "response_excerpt", None),
        "names": party_names(event.snapshot) if event is not None else (),
        "error": error,
    }
    next_run_at = None
    reason = None
    if isinstance(error, TransientError):
        decision = policy.decide(job, error, now)
        if decision.retry_at is None:
            outcome, reason = JobState.DEAD, decision.reason
        else:
            next_run_at, reason = decision.retry_at, error.stored()
    elif error is not None:
        reason = error.stored()
    outcome_ = JobOutcome(
        job,
        outcome,
        record,
        next_run_at=next_run_at,
        error=reason,
        error_class=error.code if error else None,
        remote_id=getattr(result, "remote_id", None) if error is None else None,
        status=event.snapshot.trang_thai if event is not None else None,
        now=now,
        province_update=getattr(result, "province_update", None) if error is None else None,
    )
    return outcome_, error


def count(stats: WorkerStats, metrics: HubMetrics | None, o: JobOutcome, kept: bool) -> None:
    """Count a recorded outcome (stats, metrics) and log it."""
    job, outcome = o.job, o.state
    error: HubError | None = o.attempt.get("error")
    duration_ms = o.attempt["duration_ms"]
    fields = {
        "job_id": job.id,
        "connector": job.connector,
        "ma_ho_so": job.ma_ho_so,
        "attempt": job.attempts,
        "duration_ms": round(duration_ms, 1),
    }
    if metrics is not None:
        outcome_label = (
            "lease_lost"
            if not kept
            else "ok"
            if error is None
            else "transient"
            if isinstance(error, TransientError)
            else "permanent"
        )
        metrics.observe_attempt(job.connector, outcome_label, duration_ms / 1000)
    if not kept:
        stats.lease_lost += 1
        log.warning("job_lease_lost", **fields)
        return
    if error is not None:
        stats.by_error[error.code] = stats.by_error.get(error.code, 0) + 1
    if outcome is JobState.SUCCEEDED:
        stats.succeeded += 1
        log.debug("job_succeeded", **fields)
    elif outcome is JobState.FAILED:
        stats.retried += 1
        log.info(
            "job_retry_scheduled",
            error_class=error.code if error else None,
            next_run_at=o.next_run_at.isoformat() if o.next_run_at else None,
            **fields,
        )
    else:
        stats.dead += 1
        log.warning(
            "job_dead",
            error_class=error.code if error else None,
            reason=render_stored(o.error, "en"),
            **fields,
        )


def describe(exc: BaseException) -> str:
    """An error for a log or a job's reason: its class and masked message, bounded."""
    text = mask_text(str(exc)).replace("\x00", "")[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def check_remote_id(remote_id: object, connector: str) -> None:
    """The ministry's id must fit the store (VARCHAR(200), no NUL on PostgreSQL)."""
    if remote_id is None:
        return
    text = str(remote_id)
    if len(text) > REMOTE_ID_MAX or "\x00" in text:
        raise PermanentError(
            BAD_REMOTE_ID(limit=REMOTE_ID_MAX),
            system=connector,
            code="bad_remote_id",
        )


def warm_up(connectors: Iterable[Connector]) -> threading.Thread | None:
    """Run the connectors' optional ``warm_up()`` (what their first push would load:
    imports, tables) in a daemon thread, off the event loop, so the first job does not
    wait for it there, and build the pools' shared TLS context there too. One that fails
    is logged; its first push loads it, or says why."""
    hooks = [hook for c in connectors if callable(hook := getattr(c, "warm_up", None))]
    if not hooks:
        return None

    def run() -> None:
        from hub.network import tls_context

        for hook in (tls_context, *hooks):  # one failing: logged, the others still run
            try:
                hook()
            except Exception as exc:
                log.warning("connector_warm_up_failed", error=describe(exc))

    thread = threading.Thread(target=run, name="hub-warm-up", daemon=True)
    thread.start()
    return thread
