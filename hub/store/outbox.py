"""The outbox: claiming, settling and releasing jobs; reading the queue."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Text,
    cast,
    func,
    insert,
    select,
    update,
)

from hub.messages import reason_fields
from hub.models import Dossier, DossierEvent, Status
from hub.store.base import StoreBase, as_utc, excerpt, row_dict, utcnow
from hub.store.outcomes import ClaimedJob, JobOutcome, Settled, unreadable_outcome
from hub.store.readback import Unreadable, read_dossier, read_event
from hub.store.statements import earlier_sibling
from hub.store.tables import (
    CLAIMABLE_STATES,
    JobState,
    dossiers,
    jobs,
    province_updates,
)

__all__ = ["ClaimedJob", "JobOutcome", "OutboxQueries", "Settled"]  # the first, second
# and last live in hub.store.outcomes (the values the worker and the store pass)


class OutboxQueries(StoreBase):
    def claim(
        self,
        worker: str,
        limit: int,
        lease_seconds: float,
        connectors: Iterable[str] | None = None,
        *,
        now: datetime | None = None,
    ) -> list[ClaimedJob]:
        """Claim up to ``limit`` due jobs, each the head of its (connector, dossier) chain.

        A job is due when it is pending, or failed with ``next_run_at`` passed, or
        running with an expired lease (its worker died). It is claimable only when no
        earlier job of the same connector and dossier is unfinished, which keeps the
        order in which the province's events were received.
        """
        now = now or utcnow()
        with self.begin() as conn:
            return self._claim(conn, worker, limit, lease_seconds, connectors, now)

    def _claim(
        self,
        conn: Connection,
        worker: str,
        limit: int,
        lease_seconds: float,
        connectors: Iterable[str] | None,
        now: datetime,
        *,
        expired_too: bool = True,
    ) -> list[ClaimedJob]:
        if limit <= 0:
            return []
        q, d = self._sql, self._driver
        names = list(connectors) if connectors is not None else None
        if names == []:
            return []  # no connector: nothing to claim
        # Expired leases first (they are older), then the due jobs: each query walks its
        # own partial index and stops at ``limit``, however long the backlog.
        found: list[Any]
        if d.pg:
            params: dict[str, Any] = {"b_now": now, "b_limit": limit}
            if names is not None:
                params["b_connectors"] = names
            expired = q.expired if names is None else q.expired_of
            due = q.due if names is None else q.due_of
            found = list(conn.execute(expired, params)) if expired_too else []
            if len(found) < limit:
                found += conn.execute(due, params | {"b_limit": limit - len(found)}).all()
        else:
            at, only = d.time(now), tuple(names or ())
            found = []
            if expired_too:
                found = list(
                    conn.exec_driver_sql(d.candidates(True, len(only)), (at, *only, limit))
                )
            if len(found) < limit:
                found += conn.exec_driver_sql(
                    d.candidates(False, len(only)), (at, *only, limit - len(found))
                ).all()
        if not found:
            return []
        claimed_from = {r[0]: r[1] for r in found}
        rows = conn.exec_driver_sql(
            d.take(len(claimed_from)),
            (
                worker,
                d.time(now + timedelta(seconds=lease_seconds)),
                d.time(now),
                *d.ids(list(claimed_from)),
            ),
        ).all()
        read_time = d.read_time
        claimed = [
            ClaimedJob(
                id=r[0],
                connector=r[1],
                ma_ho_so=r[2],
                event_id=r[3],
                sequence=r[4],
                attempts=r[5],
                created_at=read_time(r[6]) or now,
                idempotency_key=r[7],
                retry_base=r[8],
                rerun_at=read_time(r[9]),
                use_current_state=bool(r[10]),
                claimed_from=claimed_from[r[0]],
            )
            for r in rows
        ]
        claimed.sort(key=lambda c: c.id)
        return claimed

    def claim_plan(
        self,
        limit: int = 100,
        connectors: Iterable[str] | None = None,
        *,
        now: datetime | None = None,
    ) -> list[str]:
        """The database's plan for the claim of due jobs, one line each (EXPLAIN on
        PostgreSQL, EXPLAIN QUERY PLAN on SQLite): nothing is run or locked. A healthy
        plan walks ``ix_jobs_due`` in order and stops at ``limit``; one that sorts the
        due jobs reads every one of them per claim (stale statistics, see
        :class:`hub.store.maintenance.StatisticsGuard`)."""
        now = now or utcnow()
        names = list(connectors) if connectors is not None else None
        with self.read() as conn:
            if self._driver.pg:
                params: dict[str, Any] = {"b_now": now, "b_limit": limit}
                if names is not None:
                    params["b_connectors"] = names
                query = self._sql.due if names is None else self._sql.due_of
                state = query.compile(dialect=conn.dialect).construct_expanded_state(params)
                rows = conn.exec_driver_sql("EXPLAIN " + state.statement, state.parameters)
                return [str(r[0]) for r in rows]
            d, only = self._driver, tuple(names or ())
            sql = "EXPLAIN QUERY PLAN " + d.candidates(False, len(only))
            return [str(r[-1]) for r in conn.exec_driver_sql(sql, (d.time(now), *only, limit))]

    def settle(
        self,
        worker: str,
        outcomes: Sequence[JobOutcome] = (),
        *,
        release: Sequence[ClaimedJob] = (),
        claim: int = 0,
        lease_seconds: float = 120.0,
        connectors: Iterable[str] | None = None,
        now: datetime | None = None,
    ) -> Settled:
        """The worker's one round trip: record finished jobs, hand back unsent ones and
        claim up to ``claim`` more, in ONE transaction (one commit for many jobs).

        ``Settled.kept[i]`` is False when this worker had lost the lease of
        ``outcomes[i]``: nothing of it was written, the other worker's outcome stands.
        """
        now = now or utcnow()
        if not outcomes and not release:
            if claim <= 0:
                return Settled()
            if self._write_lock is not None and not self._due(connectors, now):
                return Settled()  # SQLite, an idle poll: no write lock taken
        # A lease expires after minutes: looking for expired ones once a second is enough.
        tick = time.monotonic()
        expired_too = tick - self._expired_looked_at >= 1.0
        with self.begin() as conn:
            kept = self._finish(conn, worker, outcomes, now)
            if release:
                self._release(conn, worker, release, now)
            claimed = self._claim(
                conn, worker, claim, lease_seconds, connectors, now, expired_too=expired_too
            )
            loaded, unreadable = self._load_events(conn, [j.event_id for j in claimed])
            dead = [
                unreadable_outcome(job, unreadable[job.event_id], now)
                for job in claimed
                if job.event_id in unreadable
            ]
            if dead:
                # One row's data: that job ends dead with the reason, the others go on.
                self._finish(conn, worker, dead, now)
                claimed = [job for job in claimed if job.event_id not in unreadable]
        if expired_too and claim > 0:
            self._expired_looked_at = tick
        # Each job written leaves its old row behind, and moves it between states.
        self._wrote_hot_rows(rewritten=len(outcomes) + len(release) + len(claimed) + len(dead))
        return Settled(kept, claimed, loaded, dead)

    def _due(self, connectors: Iterable[str] | None, now: datetime) -> bool:
        """Whether a claim could find anything (a read: the same index walks, limit 1)."""
        q = self._sql
        params: dict[str, Any] = {"b_now": now, "b_limit": 1}
        if connectors is not None:
            params["b_connectors"] = list(connectors)
            queries = (q.expired_of, q.due_of)
        else:
            queries = (q.expired, q.due)
        with self.read() as conn:
            return any(conn.execute(query, params).first() is not None for query in queries)

    def release(self, worker: str, jobs_: Sequence[ClaimedJob]) -> None:
        """Hand back claimed jobs this worker will not send (it is stopping, or the
        connector's circuit opened): their state and attempt count are as before the claim."""
        with self.begin() as conn:
            self._release(conn, worker, jobs_, utcnow())

    def _release(
        self, conn: Connection, worker: str, jobs_: Sequence[ClaimedJob], now: datetime
    ) -> None:
        for job in jobs_:
            back = (
                job.claimed_from
                if job.claimed_from in CLAIMABLE_STATES
                else JobState.FAILED.value
                if job.attempts > 1
                else JobState.PENDING.value
            )
            conn.execute(
                update(jobs)
                .where(
                    jobs.c.id == job.id,
                    jobs.c.state == JobState.RUNNING.value,
                    jobs.c.lease_owner == worker,
                )
                .values(
                    state=back,
                    attempts=jobs.c.attempts - 1,
                    lease_owner=None,
                    lease_until=None,
                    next_run_at=now,
                    updated_at=now,
                )
            )

    def load_events(self, event_ids: Iterable[str]) -> dict[str, DossierEvent]:
        """The stored events (with their snapshots) of claimed jobs, by id; those that
        cannot be read back are left out (the worker records why, see :meth:`settle`)."""
        with self.read() as conn:
            return self._load_events(conn, event_ids)[0]

    def _load_events(
        self, conn: Connection, event_ids: Iterable[str]
    ) -> tuple[dict[str, DossierEvent], dict[str, str]]:
        """The events read back, and for each one that cannot be, the reason (per row:
        one poison row must not stop the others, see hub.store.readback)."""
        ids = list(set(event_ids))
        if not ids:
            return {}, {}
        loaded: dict[str, DossierEvent] = {}
        unreadable: dict[str, str] = {}
        d = self._driver
        for r in conn.exec_driver_sql(d.events(len(ids)), d.ids(ids)):
            try:
                loaded[r.id] = read_event(r)
            except Unreadable as exc:
                unreadable[r.id] = exc.reason
        return loaded, unreadable

    def current_snapshots(
        self, ma_ho_so: Iterable[str]
    ) -> tuple[dict[str, Dossier], dict[str, str]]:
        """The mirror's current state of these dossiers (for re-runs with current state),
        and the reason for each one that cannot be read back."""
        codes = list(set(ma_ho_so))
        found: dict[str, Dossier] = {}
        unreadable: dict[str, str] = {}
        if not codes:
            return found, unreadable
        with self.read() as conn:
            rows = conn.execute(
                select(
                    dossiers.c.ma_ho_so, cast(dossiers.c.snapshot, Text).label("snapshot")
                ).where(dossiers.c.ma_ho_so.in_(codes))
            )
            for r in rows:
                try:
                    found[r.ma_ho_so] = read_dossier(r.snapshot)
                except Unreadable as exc:
                    unreadable[r.ma_ho_so] = exc.reason
        return found, unreadable

    def finish_job(
        self,
        job: ClaimedJob,
        worker: str,
        *,
        state: JobState,
        attempt: dict[str, Any],
        next_run_at: datetime | None = None,
        error: str | None = None,
        error_class: str | None = None,
        remote_id: str | None = None,
        status: Status | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record an attempt and move the job on, if this worker still holds its lease.

        Returns False when the lease was lost (another worker reclaimed the job after
        ours expired): nothing is written, and the other worker's outcome stands.
        """
        outcome = JobOutcome(
            job, state, attempt, next_run_at, error, error_class, remote_id, status, now
        )
        with self.begin() as conn:
            return self._finish(conn, worker, [outcome], now or utcnow())[0]

    def _finish(
        self, conn: Connection, worker: str, outcomes: Sequence[JobOutcome], now: datetime
    ) -> list[bool]:
        """Record outcomes of jobs this worker holds: a handful of statements for the
        whole batch (each executed for many rows), not three per job."""
        if not outcomes:
            return []
        d = self._driver
        ids = [o.job.id for o in outcomes]
        held = {r[0] for r in conn.exec_driver_sql(d.held(len(ids)), (*d.ids(ids), worker))}
        kept = [o.job.id in held for o in outcomes]
        mine = [o for o, k in zip(outcomes, kept, strict=True) if k]
        if not mine:
            return kept
        rows: list[tuple[Any, ...]] = []
        tries: list[tuple[Any, ...]] = []
        refs: list[tuple[Any, ...]] = []
        told: list[dict[str, Any]] = []
        for o in mine:
            job, at = o.job, o.now or now
            final = o.state in (JobState.SUCCEEDED, JobState.DEAD)
            at_ = d.time(at)
            rows.append(
                (
                    o.state.value,
                    at_,
                    o.error,
                    o.error_class,
                    d.time(o.next_run_at),
                    at_ if final else None,
                    o.remote_id,
                    job.id,
                )
            )
            attempt, names = o.attempt, o.attempt.get("names", ())
            tries.append(
                (
                    job.id,
                    job.attempts,
                    worker,
                    d.time(attempt["started_at"]),
                    attempt["duration_ms"],
                    attempt["outcome"],
                    o.error_class,
                    attempt.get("http_status"),
                    o.error,
                    excerpt(attempt.get("request"), names),
                    excerpt(attempt.get("response"), names),
                )
            )
            status = int(o.status) if o.status is not None else None
            if o.state is JobState.SUCCEEDED and o.province_update:
                kind, payload = str(o.province_update["kind"]), o.province_update["payload"]
                row = {"connector": job.connector, "ma_ho_so": job.ma_ho_so, "kind": kind}
                told.append({**row, "trang_thai": status, "created_at": at})
                told[-1]["payload"] = {"event_id": job.event_id, **payload}
            if o.state is JobState.SUCCEEDED:
                refs.append((job.connector, job.ma_ho_so, o.remote_id, job.event_id, status, at_))
            elif o.state is JobState.DEAD:
                # The province hears at once that this sync needs a person, and why (the
                # reason names the field to fix; it is masked and carries no values).
                told.append(
                    {
                        "connector": job.connector,
                        "ma_ho_so": job.ma_ho_so,
                        "kind": "sync_failed",
                        "trang_thai": status,
                        # Both languages and the code (docs/messages.md): the
                        # province shows its own; ``reason`` is the Vietnamese.
                        "payload": {
                            "job_id": job.id,
                            "event_id": job.event_id,
                            "error_class": o.error_class,
                            **reason_fields(o.error),
                        },
                        "created_at": at,
                    }
                )
        conn.exec_driver_sql(d.finish, rows)
        conn.exec_driver_sql(d.attempt, tries)
        if refs:
            conn.exec_driver_sql(d.remote_ref, refs)
        if told:
            conn.execute(insert(province_updates), told)
        return kept

    def list_jobs(
        self,
        *,
        state: str | None = None,
        connector: str | None = None,
        ma_ho_so: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        query = select(jobs).order_by(jobs.c.id.desc()).limit(limit).offset(offset)
        if state:
            query = query.where(jobs.c.state == state)
        if connector:
            query = query.where(jobs.c.connector == connector)
        if ma_ho_so:
            query = query.where(jobs.c.ma_ho_so == ma_ho_so)
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def job_counts(self) -> dict[tuple[str, str], int]:
        """Jobs by (connector, state)."""
        with self.read() as conn:
            rows = conn.execute(
                select(jobs.c.connector, jobs.c.state, func.count()).group_by(
                    jobs.c.connector, jobs.c.state
                )
            )
            return {(r[0], r[1]): r[2] for r in rows}

    def oldest_waiting(self) -> dict[str, datetime]:
        """Per connector, when the oldest job still waiting to be sent was created."""
        with self.read() as conn:
            rows = conn.execute(
                select(jobs.c.connector, func.min(jobs.c.created_at))
                .where(jobs.c.state.in_(CLAIMABLE_STATES))
                .group_by(jobs.c.connector)
            )
            return {r[0]: as_utc(r[1]) for r in rows if r[1] is not None}

    def has_unfinished_jobs(self) -> bool:
        """True while some job can still make progress (not dead, not held back by one)."""
        j = jobs.alias("j")
        blocked_by_dead = earlier_sibling(j, lambda p: p.c.state == JobState.DEAD.value)
        query = (
            select(func.count())
            .select_from(j)
            .where(j.c.state.in_(("pending", "failed", "running")), ~blocked_by_dead)
        )
        with self.read() as conn:
            return bool(conn.execute(query).scalar())
