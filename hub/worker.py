"""The worker: claims due jobs with a lease, sends them, records the outcome.

Retrying is data, not a loop: a transient error becomes a :class:`RetryDecision`
whose ``retry_at`` (tenacity's ``wait_exponential_jitter``) is stored in the job
row, so a waiting retry survives restarts; tenacity's stop conditions decide when
to give up, and the job goes to ``dead`` with a reason a person can act on.

Delivery is at least once: a worker killed after the ministry answered but
before the outcome was stored leaves a lease that expires; another worker
reclaims the job and sends it again with the same idempotency key.

No job stops the worker: a job whose stored event cannot be read back, mapped or
sent, or whose outcome cannot be written, ends dead with the reason, and the
others go on. Anything else that stops the loop (the database gone, a bug) is an
error-level ``worker_crashed`` log and the ``tthc_hub_worker_failures`` metric;
under ``serve`` (:meth:`Worker.supervise`) the worker is started again with a
growing pause, and ``/api/v1/health`` answers 503 until it runs again.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hub.attempt import WorkerStats, attempt, count, describe, warm_up
from hub.connector import Connector
from hub.errors import HubError, TransientError
from hub.logging import get_logger
from hub.metrics import HubMetrics
from hub.reasons import HUB_BUG, UNRECORDABLE
from hub.retry import Circuit, RetryDecision, RetryPolicy
from hub.settings import WorkerSettings
from hub.startup import freeze_start_up_objects
from hub.store.notify import listen_for_jobs
from hub.store.outcomes import dead_outcome, unreadable_outcome
from hub.store.store import ClaimedJob, JobOutcome, Settled, Store, utcnow

__all__ = ["RetryDecision", "RetryPolicy", "Worker", "WorkerStats"]

#: Pauses before the supervisor starts a failed worker again: doubling, at most this.
RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 60.0

log = get_logger("hub.worker")


class Worker:
    """Runs the outbox for a set of connectors in one asyncio loop.

    Concurrency is bounded per connector (``worker.concurrency``): the HTTP pool of
    each connector is sized for it (measured on a 2-core machine: httpx's AsyncClient
    answers about 1,250 calls/s at 1-8 in flight and about 500 at 32).

    Each round trip to the store (:meth:`Store.settle`) writes every outcome gathered
    since the last one and claims jobs for the free capacity plus ``worker.prefetch``
    more, in one transaction; a finished call starts the next claimed job at once,
    without waiting for the store. Outcomes wait in memory for at most one round trip;
    a worker killed in that window leaves leases that expire, and the jobs are sent
    again with the same idempotency key (at least once, as before).

    Where the round trip runs (``worker.store_calls``): on SQLite, in the loop itself —
    a local commit takes less time than handing work to a thread, whose Python code
    then competes with the loop for the GIL (measured: 0.5-0.7 of the raw rate with a
    thread, 0.9-1.0 inline); on PostgreSQL, in one thread of its own, so the loop keeps
    sending while the server answers.
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
        self.circuits = {name: Circuit(settings.circuit) for name in connectors}
        self.metrics = metrics
        self._in_flight = dict.fromkeys(connectors, 0)
        self._ready: dict[str, deque[tuple[ClaimedJob, Any]]] = {n: deque() for n in connectors}
        self._done: list[JobOutcome] = []
        self._release: list[ClaimedJob] = []
        #: One long-lived sender task per in-flight slot (:meth:`_sender`), made when a
        #: run starts; an idle one waits on its future in ``_idle_senders`` for a job.
        self._senders: list[asyncio.Task[None]] = []
        self._idle_senders: dict[str, deque[asyncio.Future[tuple[ClaimedJob, Any]]]] = {
            n: deque() for n in connectors
        }
        self._quiet = asyncio.Event()  # set while no call is in flight
        self._wake = asyncio.Event()
        self._linger: asyncio.TimerHandle | None = None
        self._draining = False
        self._db: ThreadPoolExecutor | None = None
        mode = settings.store_calls
        self._inline = mode == "inline" or (mode == "auto" and store.dialect == "sqlite")
        #: not_started | running | restarting | failed | stopped (``/api/v1/health``)
        self.state = "not_started"
        self.last_error: str | None = None
        self.failures = 0
        self._round_trips = 0
        #: Whether the last round trip claimed all it asked for (more may be due now).
        self._claimed_in_full = False
        freeze_start_up_objects()

    def set_concurrency(self, concurrency: int) -> None:
        """Calls in flight per connector (``tthc-hub worker --concurrency``)."""
        self.settings = self.settings.model_copy(update={"concurrency": concurrency})

    # --- loop ----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and run jobs until ``stop`` is set; then finish what is in flight, record
        it, and hand back the jobs claimed but not started.

        No job's data stops it (see the module's docstring); anything else that does is
        logged at error level, counted, and raised."""
        log.info("worker_started", worker=self.worker_id, connectors=sorted(self.connectors))
        self.state, self._round_trips = "running", 0
        crashed = False
        warm_up(self.connectors.values())  # in a thread: the first job need not wait for it
        self._start_senders()
        listener = self._listen()
        try:
            while not stop.is_set():
                # Another round trip at once only while claims come back full: when one
                # claimed less than it asked for, nothing more is due, and the next one
                # waits for a wake-up (new jobs, a call finishing, the poll). Going
                # straight on would cost an empty claim per job at a low rate, and on
                # SQLite (in the loop) hold back the senders of the jobs just claimed.
                if not await self._round_trip() or not self._claimed_in_full:
                    await self._idle(stop)
        except Exception as exc:
            crashed = True
            self._failed(exc)
            raise
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            try:
                await self._drain()
            except Exception as exc:
                if not crashed:
                    self._failed(exc)
                    raise
                log.error("worker_drain_failed", worker=self.worker_id, error=describe(exc))
        self.state = "stopped"
        log.info("worker_stopped", worker=self.worker_id)

    async def supervise(self, stop: asyncio.Event) -> None:
        """:meth:`run` until ``stop`` is set, started again after a failure with a pause
        that doubles from 1 s to 60 s (reset once a run has made a round trip). ``serve``
        runs the worker so: the API keeps answering, ``/api/v1/health`` says 503 while
        the worker is down, and each failure is an error-level log and a metric."""
        pause = RESTART_FIRST_SECONDS
        while not stop.is_set():
            try:
                await self.run(stop)
                return
            except Exception:
                if self._round_trips:
                    pause = RESTART_FIRST_SECONDS
                self.state = "restarting"
                log.error(
                    "worker_restarting",
                    worker=self.worker_id,
                    in_seconds=pause,
                    failures=self.failures,
                )
                try:
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                except TimeoutError:
                    pass
                pause = min(RESTART_MAX_SECONDS, pause * 2)
        self.state = "stopped"

    def health(self) -> dict[str, object]:
        """The worker's state for ``/api/v1/health``: healthy only while running."""
        return {
            "state": self.state,
            "failures": self.failures,
            "last_error": self.last_error,
        }

    def _failed(self, exc: BaseException) -> None:
        self.state, self.failures = "failed", self.failures + 1
        self.last_error = describe(exc)
        if self.metrics is not None:
            self.metrics.worker_failures.inc()
        log.error("worker_crashed", worker=self.worker_id, error=self.last_error, exc_info=exc)

    async def run_until_idle(self, *, timeout: float = 300.0) -> WorkerStats:
        """Run until no job can make progress (every one succeeded, dead, or held back by a
        dead one). For the demo and tests; retries waiting on ``next_run_at`` are awaited."""
        deadline = time.monotonic() + timeout
        self._start_senders()
        try:
            while True:
                if not await self._round_trip():
                    if not self._quiet.is_set() or self._done:
                        await self._idle(None)
                    elif not await self._in_db(self.store.has_unfinished_jobs):
                        return self.stats
                    else:
                        await asyncio.sleep(self.settings.poll_seconds)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"jobs still unfinished after {timeout:.0f} s")
        finally:
            await self._drain()

    def notify(self) -> None:
        """Wake the loop now (new jobs were enqueued in this process)."""
        self._wake.set()

    def close(self) -> None:
        """Stop this worker's database thread (the Hub does it when it closes)."""
        if self._db is not None:
            self._db.shutdown(wait=True)
            self._db = None

    def _listen(self) -> asyncio.Task[None] | None:
        """On PostgreSQL, a task that wakes the loop when another process commits due
        jobs (LISTEN/NOTIFY, hub.store.notify); polling goes on beside it."""
        if self.store.dialect != "postgresql":
            return None
        return asyncio.create_task(
            listen_for_jobs(self.store.engine, self.notify, self.worker_id),
            name="hub-jobs-listener",
        )

    async def _idle(self, stop: asyncio.Event | None) -> None:
        """Wait for a call to finish, new jobs (notify), ``stop``, or the poll interval.

        The wake-up flag is cleared at the start of each round trip, not here: a
        notification that arrives while a round trip runs (an ingest in this process, a
        NOTIFY, a call finishing) makes the next wait return at once instead of being
        lost until the poll interval."""
        waiters = [asyncio.ensure_future(self._wake.wait())]
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait(
                waiters, timeout=self.settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for w in waiters:
                w.cancel()

    async def _drain(self) -> None:
        """Let the calls in flight finish, then record them and hand back the rest."""
        self._draining = True  # a finishing call must not start a claimed job now
        try:
            await self._quiet.wait()
        finally:
            self._draining = False
            self._stop_senders()
        for ready in self._ready.values():
            self._release.extend(job for job, _ in ready)
            ready.clear()
        if self._done or self._release:
            await self._round_trip(claim=False)

    async def _in_db(self, fn: Any, *args: Any) -> Any:
        if self._inline:
            return fn(*args)
        if self._db is None:
            self._db = ThreadPoolExecutor(1, thread_name_prefix="hub-worker-db")
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    def _wanted(self, now: float) -> dict[str, int]:
        """Jobs to claim per connector: free capacity plus the prefetch, when closed;
        one probe when the breaker lets one through and nothing is in flight or ready."""
        want = {}
        for name, circuit in self.circuits.items():
            busy = self._in_flight[name] + len(self._ready[name])
            if circuit.state == "closed":
                n = self.settings.concurrency + self.settings.prefetch - busy
            else:
                n = min(1, circuit.allowed_slots(1, now)) if busy == 0 else 0
            if n > 0:
                want[name] = n
        return want

    async def _round_trip(self, *, claim: bool = True) -> int:
        """One call to the store: outcomes written, unsent jobs handed back, new jobs
        claimed and started. Returns how many jobs it wrote or claimed."""
        self._wake.clear()  # what happens from here on wakes the next _idle (see there)
        self._claimed_in_full = False
        want = self._wanted(time.monotonic()) if claim else {}
        done, self._done = self._done, []
        release, self._release = self._release, []
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        if not (done or release or want):
            return 0
        limit = min(self.settings.batch_size, sum(want.values()))
        try:
            settled, (current, unreadable) = await self._in_db(
                self._exchange, done, release, limit, list(want)
            )
        except Exception as exc:
            if not done:
                self._release[:0] = release
                raise
            # Perhaps one outcome cannot be written (its data): write them one by one.
            log.warning("settle_failed_one_by_one", worker=self.worker_id, error=describe(exc))
            return await self._settle_one_by_one(done, release)
        except BaseException:
            # Nothing of it was written: keep the outcomes for the next try (the leases
            # expire if this worker never manages to write them).
            self._done[:0] = done
            self._release[:0] = release
            raise
        self._round_trips += 1
        self._claimed_in_full = limit > 0 and len(settled.claimed) >= limit
        for outcome, kept in zip(done, settled.kept, strict=True):
            self._count(outcome, kept)
        for outcome in settled.dead:
            self._count(outcome, True)
        for job in settled.claimed:
            event = settled.events.get(job.event_id)
            if job.use_current_state and job.ma_ho_so in unreadable:
                self._done.append(unreadable_outcome(job, unreadable[job.ma_ho_so], utcnow()))
                self._wake.set()
                continue
            if event is not None and job.use_current_state and job.ma_ho_so in current:
                # The operator asked to send the dossier as it is now, not as it was.
                event = event.model_copy(update={"snapshot": current[job.ma_ho_so]})
            self._ready[job.connector].append((job, event))
        self._start_ready()
        return len(done) + len(release) + len(settled.claimed) + len(settled.dead)

    async def _settle_one_by_one(self, done: list[JobOutcome], release: list[ClaimedJob]) -> int:
        """Write each outcome in its own transaction; one that cannot be written is
        written again as dead, with why, and without its excerpts. When even that
        fails, the store itself is failing: the rest is kept for later and it raises."""
        for n, outcome in enumerate(done):
            try:
                kept = await self._in_db(self._settle_only, outcome)
            except Exception as exc:
                if _store_unavailable(exc):
                    self._done[:0] = done[n:]
                    self._release[:0] = release
                    raise
                outcome = self._unrecordable(outcome, exc)
                try:
                    kept = await self._in_db(self._settle_only, outcome)
                except BaseException:
                    self._done[:0] = done[n:]
                    self._release[:0] = release
                    raise
            self._count(outcome, kept)
        if release:
            await self._in_db(self.store.release, self.worker_id, release)
        self._round_trips += 1
        return len(done) + len(release)

    def _settle_only(self, outcome: JobOutcome) -> bool:
        return self.store.settle(self.worker_id, [outcome]).kept[0]

    def _unrecordable(self, o: JobOutcome, exc: Exception) -> JobOutcome:
        reason = UNRECORDABLE(detail=describe(exc))
        return dead_outcome(
            o.job,
            reason,
            "unrecordable_outcome",
            o.now or utcnow(),
            started_at=o.attempt["started_at"],
            duration_ms=o.attempt["duration_ms"],
        )

    def _exchange(
        self, done: list[JobOutcome], release: list[ClaimedJob], limit: int, names: list[str]
    ) -> tuple[Settled, tuple[dict[str, Any], dict[str, str]]]:
        """The round trip's store calls (in the loop or the worker's thread, see above):
        settle, and the current state of dossiers an operator asked to re-send as is."""
        settled = self.store.settle(
            self.worker_id,
            done,
            release=release,
            claim=limit,
            lease_seconds=self.settings.lease_seconds,
            connectors=names,
        )
        rerun = (j.ma_ho_so for j in settled.claimed if j.use_current_state)
        return settled, self.store.current_snapshots(rerun)

    def _start_ready(self) -> None:
        """Hand claimed jobs to idle senders while their connector has capacity and its
        breaker allows."""
        if self._draining:
            return
        for name, ready in self._ready.items():
            circuit = self.circuits[name]
            if circuit.state == "open" and ready:
                # Opened while these waited: hand them back untouched.
                self._release.extend(job for job, _ in ready)
                ready.clear()
                self._wake.set()
                continue
            cap = self.settings.concurrency if circuit.state == "closed" else 1
            idle = self._idle_senders[name]
            while ready and idle and self._in_flight[name] < cap:
                self._in_flight[name] += 1
                self._quiet.clear()
                idle.popleft().set_result(ready.popleft())

    # --- the senders -----------------------------------------------------------

    def _start_senders(self) -> None:
        """``worker.concurrency`` sender tasks per connector, in the running loop: a
        claimed job is handed to an idle one (no task made per job)."""
        self._stop_senders()
        self._quiet = asyncio.Event()  # of this run's loop
        self._quiet.set()
        for name in self.connectors:
            for _ in range(self.settings.concurrency):
                task = asyncio.create_task(self._sender(name), name=f"hub-sender-{name}")
                self._senders.append(task)

    def _stop_senders(self) -> None:
        """End the senders; called when none has a call in flight (they are all idle)."""
        for task in self._senders:
            task.cancel()
        self._senders.clear()
        for idle in self._idle_senders.values():
            idle.clear()

    async def _sender(self, name: str) -> None:
        """One in-flight slot of ``name``: wait for a job, run it, record its outcome,
        over and over until the run ends."""
        loop = asyncio.get_running_loop()
        idle = self._idle_senders[name]
        finished = False
        while True:
            slot: asyncio.Future[tuple[ClaimedJob, Any]] = loop.create_future()
            idle.append(slot)
            self._start_ready()  # a claimed job may be waiting for a free slot
            if finished:
                self._outcome_waiting(name)
            job, event = await slot  # at once when _start_ready handed it one
            await self._run_job(job, event)
            finished = True

    async def _run_job(self, job: ClaimedJob, event: Any) -> None:
        try:
            outcome = await self._attempt(job, event)
            # Appended after the await: the list is swapped at each round trip.
            self._done.append(outcome)
        except Exception as exc:  # never let one job take the loop down
            log.exception("job_crashed", job_id=job.id, connector=job.connector)
            self._done.append(dead_outcome(job, HUB_BUG(detail=describe(exc)), "hub_bug", utcnow()))
        finally:
            self._in_flight[job.connector] -= 1
            if not any(self._in_flight.values()):
                self._quiet.set()

    def _outcome_waiting(self, connector: str) -> None:
        """Group commit: wake the loop for a round trip when half the connector's calls
        have finished or its claimed jobs ran out, else within ``worker.linger_seconds``
        of the first outcome waiting."""
        if len(self._done) * 2 >= self.settings.concurrency or not self._ready[connector]:
            self._wake.set()
        elif self._linger is None:
            loop = asyncio.get_running_loop()
            self._linger = loop.call_later(self.settings.linger_seconds, self._wake.set)

    async def _attempt(self, job: ClaimedJob, event: Any) -> JobOutcome:
        connector = self.connectors[job.connector]
        outcome, error = await attempt(connector, job, event, self.settings, self.policy)
        self._trip(job, error)
        return outcome

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

    def _count(self, o: JobOutcome, kept: bool) -> None:
        count(self.stats, self.metrics, o, kept)


def _store_unavailable(exc: Exception) -> bool:
    """The database is gone or busy (not one row's data): the outcome is kept for later."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError | TimeoutError)
