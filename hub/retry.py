"""Retrying and circuit breaking for the worker: tenacity's strategies applied to a
job's stored attempt count (:class:`RetryPolicy`), and one breaker per connector
(:class:`Circuit`)."""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import tenacity

from hub.errors import TransientError
from hub.reasons import RETRIES_EXHAUSTED
from hub.settings import CircuitSettings, RetrySettings
from hub.store.store import ClaimedJob

__all__ = ["Circuit", "RetryDecision", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """What to do after a transient error: retry at ``retry_at``, or give up (None)."""

    retry_at: datetime | None
    reason: str = ""


class RetryPolicy:
    """tenacity's wait and stop strategies, applied to a job's stored attempt count."""

    def __init__(self, settings: RetrySettings) -> None:
        # tenacity renamed ``initial`` to ``multiplier`` (the old name warns).
        first = (
            {"multiplier": settings.initial_seconds}
            if "multiplier" in inspect.signature(tenacity.wait_exponential_jitter).parameters
            else {"initial": settings.initial_seconds}
        )
        self.wait = tenacity.wait_exponential_jitter(
            **first,
            max=settings.max_seconds,
            exp_base=settings.exp_base,
            jitter=settings.jitter_seconds,
        )
        self.stop = tenacity.stop_after_attempt(settings.max_attempts) | tenacity.stop_after_delay(
            settings.max_age_seconds
        )
        self.max_attempts = settings.max_attempts

    def decide(self, job: ClaimedJob, error: TransientError, now: datetime) -> RetryDecision:
        state = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        # An operator's re-run starts the count and the clock afresh.
        state.attempt_number = job.attempts_since_rerun
        age = (now - job.retrying_since).total_seconds()
        state.start_time = time.monotonic() - age
        state.outcome_timestamp = time.monotonic()
        if self.stop(state):
            return RetryDecision(
                None,
                RETRIES_EXHAUSTED(
                    attempts=job.attempts_since_rerun, minutes=f"{age / 60:.0f}", last=error.message
                ).dumps(),
            )
        delay = self.wait(state)
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return RetryDecision(now + timedelta(seconds=delay))


class Circuit:
    """One connector's breaker. Closed: calls flow. Open: no job is claimed for the
    connector until ``open_until``, so waiting jobs keep their attempts. Half-open: one
    job is claimed as a probe; its success closes the circuit, its failure opens it again
    for twice as long (up to the maximum). Only transient failures count."""

    def __init__(self, settings: CircuitSettings) -> None:
        self.settings = settings
        self.state = "closed"
        self.failures = 0
        self.open_until = 0.0
        self.opened_times = 0

    def allowed_slots(self, free: int, now: float) -> int:
        if self.state == "open":
            if now < self.open_until:
                return 0
            self.state = "half_open"
        return 1 if self.state == "half_open" else free

    def record(self, ok: bool, now: float) -> str | None:
        """Count an outcome; returns "opened" or "closed" when the state changes."""
        if ok:
            self.failures = 0
            if self.state != "closed":
                self.state, self.opened_times = "closed", 0
                return "closed"
            return None
        if self.state == "open":
            return None  # calls that were in flight when it opened: already counted
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.settings.failure_threshold:
            pause = min(
                self.settings.max_open_seconds, self.settings.open_seconds * (2**self.opened_times)
            )
            self.state, self.open_until = "open", now + pause
            self.opened_times += 1
            self.failures = 0
            return "opened"
        return None

    def describe(self, now: float) -> dict[str, object]:
        return {
            "state": self.state,
            "consecutive_failures": self.failures,
            "reopens_in_seconds": round(max(0.0, self.open_until - now), 1)
            if self.state == "open"
            else None,
        }
