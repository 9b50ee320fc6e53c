"""The worker: claims due jobs with a lease, sends them, records the outcome.

Retrying is data, not a loop: a transient error becomes a :class:`RetryDecision`
whose ``retry_at`` (tenacity's ``wait_exponential_jitter``) is stored in the job
row, so a waiting retry survives restarts; tenacity's stop conditions decide when
to give up, and the job goes to ``dead`` with a reason a person can act on.

Delivery is at least once: a worker killed after the ministry answered but
before the outcome was stored leaves a lease that expires; another worker
reclaims the job and sends it again with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import tenacity

from hub.connector import Connector
from hub.errors import HubError, PermanentError, TransientError
from hub.logging import get_logger
from hub.masking import mask_text
from hub.metrics import HubMetrics
from hub.settings import CircuitSettings, RetrySettings, WorkerSettings
from hub.store.store import ClaimedJob, Store, party_names, utcnow
from hub.store.tables import JobState

__all__ = ["RetryDecision", "RetryPolicy", "Worker", "WorkerStats"]

log = get_logger("hub.worker")


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
                f"gave up after {job.attempts_since_rerun} attempts over {age / 60:.0f} min; "
                f"last error: {error.reason}",
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


@dataclass
class WorkerStats:
    succeeded: int = 0
    retried: int = 0
    dead: int = 0
    lease_lost: int = 0
    by_error: dict[str, int] = field(default_factory=dict)


class Worker:
    """Runs the outbox for a set of connectors in one asyncio loop.

    Concurrency is bounded per connector (``worker.concurrency``): the HTTP pool of
    each connector is sized for it (PERF-NOTES.md: more in flight per client is slower).
    """

    def __init__(
        self,
        store: Store,
        connectors: dict[str, Connector],
        settings: WorkerSettings,
        *,
        worker_id: str | None = None,
        metrics: HubMetrics | None = None,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.settings = settings
        self.policy = RetryPolicy(settings.retry)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stats = WorkerStats()
        self._slots = {name: settings.concurrency for name in connectors}
        self.circuits = {name: Circuit(settings.circuit) for name in connectors}
        self.metrics = metrics
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()

    # --- loop ----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and run jobs until ``stop`` is set; then finish what is in flight."""
        log.info("worker_started", worker=self.worker_id, connectors=sorted(self.connectors))
        try:
            while not stop.is_set():
                claimed = await self.claim_and_start()
                if not claimed:
                    self._wake.clear()
                    waiters = [
                        asyncio.ensure_future(stop.wait()),
                        asyncio.ensure_future(self._wake.wait()),
                    ]
                    await asyncio.wait(
                        waiters,
                        timeout=self.settings.poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    for w in waiters:
                        w.cancel()
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            log.info("worker_stopped", worker=self.worker_id)

    async def run_until_idle(self, *, timeout: float = 300.0) -> WorkerStats:
        """Run until no job can make progress (every one succeeded, dead, or held back by a
        dead one). For the demo and tests; retries waiting on ``next_run_at`` are awaited."""
        deadline = time.monotonic() + timeout
        while True:
            claimed = await self.claim_and_start()
            if not claimed:
                if self._tasks:
                    await asyncio.wait(
                        self._tasks,
                        timeout=self.settings.poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                elif not await asyncio.to_thread(self.store.has_unfinished_jobs):
                    return self.stats
                else:
                    await asyncio.sleep(self.settings.poll_seconds)
            if time.monotonic() > deadline:
                raise TimeoutError(f"jobs still unfinished after {timeout:.0f} s")

    def _allowed(self, name: str, free: int, now: float) -> int:
        circuit = self.circuits[name]
        if circuit.state == "closed":
            return free
        # Open, or a probe: claim one job, and only when nothing else is in flight.
        idle = free == self.settings.concurrency
        return min(1, circuit.allowed_slots(free, now)) if idle else 0

    def notify(self) -> None:
        """Wake the loop now (new jobs were enqueued in this process)."""
        self._wake.set()

    async def claim_and_start(self) -> int:
        now = time.monotonic()
        free = {
            name: allowed
            for name, n in self._slots.items()
            if (allowed := self._allowed(name, n, now)) > 0
        }
        if not free:
            return 0
        limit = min(self.settings.batch_size, sum(free.values()))
        claimed = self.store.claim(
            self.worker_id, limit, self.settings.lease_seconds, connectors=free.keys()
        )
        if not claimed:
            return 0
        loaded = self.store.load_events(j.event_id for j in claimed)
        current = self.store.current_snapshots(j.ma_ho_so for j in claimed if j.use_current_state)
        for job in claimed:
            self._slots[job.connector] -= 1
            event = loaded.get(job.event_id)
            if event is not None and job.use_current_state and job.ma_ho_so in current:
                # The operator asked to send the dossier as it is now, not as it was.
                event = event.model_copy(update={"snapshot": current[job.ma_ho_so]})
            task = asyncio.create_task(self._run_job(job, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    # --- one job ---------------------------------------------------------------

    async def _run_job(self, job: ClaimedJob, event) -> None:  # type: ignore[no-untyped-def]
        try:
            await self._attempt(job, event)
        except Exception:  # never let one job take the loop down
            log.exception("job_crashed", job_id=job.id, connector=job.connector)
        finally:
            self._slots[job.connector] += 1
            self._wake.set()

    async def _attempt(self, job: ClaimedJob, event) -> None:  # type: ignore[no-untyped-def]
        connector = self.connectors[job.connector]
        started = utcnow()
        t0 = time.perf_counter()
        outcome: JobState
        error: HubError | None = None
        result = None
        try:
            if event is None:
                raise PermanentError(
                    f"event {job.event_id} of this job is missing from the store",
                    system=job.connector,
                    code="missing_event",
                )
            result = await asyncio.wait_for(
                connector.push(event, event.snapshot), self.settings.call_timeout_seconds
            )
            outcome = JobState.SUCCEEDED
        except TransientError as exc:
            error, outcome = exc, JobState.FAILED
        except PermanentError as exc:
            error, outcome = exc, JobState.DEAD
        except TimeoutError:
            error = TransientError(
                f"the call did not finish within {self.settings.call_timeout_seconds:g} s",
                system=job.connector,
                code="timeout",
            )
            outcome = JobState.FAILED
        except Exception as exc:
            # A bug in a connector: retrying the same code will not help; an operator
            # re-runs the job once it is fixed.
            error = PermanentError(
                f"connector error {type(exc).__name__}: {mask_text(str(exc))[:300]}",
                system=job.connector,
                code="connector_bug",
            )
            outcome = JobState.DEAD
        duration_ms = (time.perf_counter() - t0) * 1000
        now = utcnow()
        attempt = {
            "started_at": started,
            "duration_ms": duration_ms,
            "outcome": "ok"
            if error is None
            else ("transient" if outcome is JobState.FAILED else "permanent"),
            "http_status": getattr(error, "http_status", None),
            "request": getattr(result, "request_excerpt", None),
            "response": getattr(result, "response_excerpt", None),
            "names": party_names(event.snapshot) if event is not None else (),
        }
        next_run_at = None
        reason = None
        if isinstance(error, TransientError):
            decision = self.policy.decide(job, error, now)
            if decision.retry_at is None:
                outcome, reason = JobState.DEAD, decision.reason
            else:
                next_run_at, reason = decision.retry_at, error.reason
        elif error is not None:
            reason = error.reason
        ok = await asyncio.to_thread(
            self.store.finish_job,
            job,
            self.worker_id,
            state=outcome,
            attempt=attempt,
            next_run_at=next_run_at,
            error=reason,
            error_class=error.code if error else None,
            remote_id=getattr(result, "remote_id", None),
            status=event.snapshot.trang_thai if event is not None else None,
            now=now,
        )
        self._trip(job, error)
        self._count(job, outcome, error, ok, duration_ms, next_run_at)

    def _trip(self, job: ClaimedJob, error: HubError | None) -> None:
        """Feed the connector's breaker: transient failures count, anything else resets."""
        change = self.circuits[job.connector].record(
            not isinstance(error, TransientError), time.monotonic()
        )
        if change == "opened":
            state = self.circuits[job.connector].describe(time.monotonic())
            log.warning(
                "circuit_opened", connector=job.connector, pause_seconds=state["reopens_in_seconds"]
            )
        elif change == "closed":
            log.info("circuit_closed", connector=job.connector)

    def _count(self, job, outcome, error, ok, duration_ms, next_run_at) -> None:  # type: ignore[no-untyped-def]
        fields = {
            "job_id": job.id,
            "connector": job.connector,
            "ma_ho_so": job.ma_ho_so,
            "attempt": job.attempts,
            "duration_ms": round(duration_ms, 1),
        }
        if self.metrics is not None:
            outcome_label = (
                "lease_lost"
                if not ok
                else "ok"
                if error is None
                else "transient"
                if isinstance(error, TransientError)
                else "permanent"
            )
            self.metrics.observe_attempt(job.connector, outcome_label, duration_ms / 1000)
        if not ok:
            self.stats.lease_lost += 1
            log.warning("job_lease_lost", **fields)
            return
        if error is not None:
            self.stats.by_error[error.code] = self.stats.by_error.get(error.code, 0) + 1
        if outcome is JobState.SUCCEEDED:
            self.stats.succeeded += 1
            log.debug("job_succeeded", **fields)
        elif outcome is JobState.FAILED:
            self.stats.retried += 1
            log.info(
                "job_retry_scheduled",
                error_class=error.code,
                next_run_at=next_run_at.isoformat(),
                **fields,
            )
        else:
            self.stats.dead += 1
            log.warning(
                "job_dead",
                error_class=error.code if error else None,
                reason=error.reason if error else None,
                **fields,
            )
