"""Named queries over the store: ingest, claim, finish, inbox. SQLAlchemy Core only.

Every method is one transaction. On PostgreSQL, claims use ``FOR UPDATE SKIP
LOCKED`` so several worker processes share the queue; on SQLite the single
writer lock does the same job, and the threads of one process queue for it on a
mutex (:meth:`Store.begin`) rather than in SQLite's busy handler, which sleeps
1, 2, 5, 10 ... ms between tries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from hub.errors import IngestError
from hub.masking import mask_excerpt
from hub.models import Dossier, DossierEvent, EventType, Origin, Status, transition_allowed
from hub.store.tables import (
    CLAIMABLE_STATES,
    DONE_STATES,
    JobState,
    Utc,
    attempts,
    callback_nonces,
    dossiers,
    events,
    inbox,
    jobs,
    periodic_runs,
    province_updates,
    pull_cursors,
    remote_refs,
)

if TYPE_CHECKING:
    from hub.deadlines import MirrorDeadline

__all__ = ["ClaimedJob", "IngestOutcome", "JobOutcome", "Settled", "Store", "utcnow"]

#: ``deadline_for(dossier, at)``: the mirror's deadline columns for a snapshot received at ``at``.
DeadlineFor = Callable[[Dossier, datetime], "MirrorDeadline"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    event_id: str
    ma_ho_so: str
    sequence: int
    duplicate: bool
    connectors: tuple[str, ...]


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


@dataclass(slots=True)
class Settled:
    kept: list[bool] = field(default_factory=list)  #: per outcome: False = lease lost
    claimed: list[ClaimedJob] = field(default_factory=list)
    events: dict[str, DossierEvent] = field(default_factory=dict)  #: of the claimed jobs


class Store:
    """The hub's database. One instance per process; thread-safe as the engine is."""

    #: Fills the mirror's deadline columns at ingest and pull (the Hub sets a
    #: :class:`hub.deadlines.DeadlineComputer`); None: only what the snapshot says.
    deadline_for: DeadlineFor | None = None

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self._sql = _Statements(self.dialect)
        self._expired_looked_at = float("-inf")

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction. On SQLite, this process's writers take turns on a mutex
        first: waiting there costs nothing, where SQLite's own busy wait sleeps."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction: on SQLite it takes no write lock (see engine.py)."""
        with self.engine.connect() as conn:
            yield conn.execution_options(hub_read=True)

    # --- ingest ---------------------------------------------------------------

    def ingest(
        self,
        batch: Sequence[DossierEvent],
        route: Any,
        *,
        now: datetime | None = None,
        deadline_for: DeadlineFor | None = None,
    ) -> list[IngestOutcome]:
        """Accept events in ONE transaction: mirror, events, and a job per routed connector.

        ``route(event) -> list[str]`` names the connectors. An event id seen before is
        a duplicate: reported, not applied again. A status change the one-stop-shop
        rules do not allow raises :class:`IngestError` and nothing of the batch is kept.
        ``deadline_for`` (default: :attr:`deadline_for`) fills the mirror's deadline columns.

        The batch is applied in a few statements each executed for many rows (reading
        the dossiers it touches once, then writing them, the events and the jobs), so a
        batch of 100 costs little more than one event.
        """
        now = now or utcnow()
        deadline_for = deadline_for or self.deadline_for
        for _ in range(3):
            try:
                with self.begin() as conn:
                    return self._ingest(conn, batch, route, now, deadline_for)
            except _MirrorRace:
                # Another ingester created one of these dossiers after we looked (only on
                # PostgreSQL); it has committed by now: apply the batch again on top of it.
                continue
        raise IngestError(
            "other requests kept creating the dossiers of this batch at the same moment; "
            "nothing of it was kept: send it again",
            code="concurrent_ingest",
            status=503,
        )

    def _ingest(
        self,
        conn: Connection,
        batch: Sequence[DossierEvent],
        route: Any,
        now: datetime,
        deadline_for: DeadlineFor | None,
    ) -> list[IngestOutcome]:
        seen = self._existing_events(conn, [e.id for e in batch])
        fresh: dict[str, tuple[int, DossierEvent]] = {}
        for index, event in enumerate(batch):
            if event.id not in seen and event.id not in fresh:
                fresh[event.id] = (index, event)
        mirror = self._mirror_rows(conn, {e.ma_ho_so for _, e in fresh.values()})
        created: dict[str, dict[str, Any]] = {}  # new dossiers: their row as it ends up
        changed: dict[str, dict[str, Any]] = {}  # known dossiers: the columns to set
        event_rows: list[dict[str, Any]] = []
        job_rows: list[dict[str, Any]] = []
        taken: list[DossierEvent] = []
        sequences: dict[str, tuple[int, tuple[str, ...]]] = {}
        for index, event in fresh.values():
            dossier, code = event.snapshot, event.ma_ho_so
            snapshot = dossier.model_dump(mode="json")
            values = {
                "ma_tthc": dossier.ma_tthc,
                "trang_thai": int(dossier.trang_thai),
                "snapshot": snapshot,
                "updated_at": now,
                **self._mirror_deadline(dossier, event.occurred_at, deadline_for),
            }
            row = mirror.get(code)
            if row is None:
                seq = 1
                created[code] = values | {
                    "ma_ho_so": code,
                    "origin": dossier.origin.value,
                    "origin_system": dossier.origin_system,
                    "last_sequence": 1,
                    "created_at": now,
                }
            else:
                old = Status(row["trang_thai"])
                if not transition_allowed(old, dossier.trang_thai):
                    raise IngestError(
                        f"trạng thái cannot go from {int(old)} ({old.label_vi}) to "
                        f"{int(dossier.trang_thai)} ({dossier.trang_thai.label_vi}) "
                        f"for dossier {code}",
                        code="invalid_transition",
                        status=409,
                        loc=f"events[{index}].snapshot.trang_thai",
                    )
                seq = row["last_sequence"] + 1
                values |= _deadline_moved_later(row, values["ngay_hen_tra"])
                values["last_sequence"] = seq
                if code in created:  # a later event of a dossier this batch creates
                    created[code] |= values
                else:
                    changed[code] = changed.get(code, {}) | values
            mirror[code] = {
                "trang_thai": int(dossier.trang_thai),
                "last_sequence": seq,
                "ngay_hen_tra": values["ngay_hen_tra"],
                "ngay_hen_tra_moi": row["ngay_hen_tra_moi"] if row else None,
            }
            event_rows.append(
                {
                    "id": event.id,
                    "ma_ho_so": code,
                    "sequence": seq,
                    "type": event.type.value,
                    "occurred_at": event.occurred_at,
                    "received_at": now,
                    "snapshot": snapshot,
                }
            )
            targets = tuple(route(event))
            job_rows.extend(
                {
                    "connector": name,
                    "ma_ho_so": code,
                    "event_id": event.id,
                    "sequence": seq,
                    "state": JobState.PENDING.value,
                    "attempts": 0,
                    "next_run_at": now,
                    "idempotency_key": f"{name}:{event.id}",
                    "ma_tthc": dossier.ma_tthc,
                    "created_at": now,
                    "updated_at": now,
                }
                for name in targets
            )
            if dossier.origin is Origin.MINISTRY and dossier.trang_thai != Status.MOI_DANG_KY:
                taken.append(event)
            sequences[event.id] = (seq, targets)
        self._write_mirror(conn, created, changed)
        if event_rows:
            conn.execute(insert(events), event_rows)
        if job_rows:
            conn.execute(insert(jobs), job_rows)
        for event in taken:
            self._take_from_inbox(conn, event, now)
        out = []
        for index, event in enumerate(batch):
            if event.id in seen:
                out.append(IngestOutcome(event.id, event.ma_ho_so, seen[event.id], True, ()))
            elif fresh[event.id][0] == index:
                seq, targets = sequences[event.id]
                out.append(IngestOutcome(event.id, event.ma_ho_so, seq, False, targets))
            else:  # the same id twice in one batch: the first one counts
                seq = sequences[event.id][0]
                out.append(IngestOutcome(event.id, event.ma_ho_so, seq, True, ()))
        return out

    def _existing_events(self, conn: Connection, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        rows = conn.execute(self._sql.existing, {"b_ids": ids})
        return {r.id: r.sequence for r in rows}

    def _mirror_rows(self, conn: Connection, codes: set[str]) -> dict[str, dict[str, Any]]:
        """The mirror rows of these dossiers (locked on PostgreSQL, see _Statements)."""
        if not codes:
            return {}
        rows = conn.execute(self._sql.mirror, {"b_codes": sorted(codes)})
        return {r.ma_ho_so: dict(r._mapping) for r in rows}

    def _write_mirror(
        self,
        conn: Connection,
        created: dict[str, dict[str, Any]],
        changed: dict[str, dict[str, Any]],
    ) -> None:
        if created:
            inserted = conn.execute(self._sql.new_dossier, list(created.values())).scalars()
            if len(set(inserted)) != len(created):
                raise _MirrorRace
        # Rows with the same columns to set go in one statement executed for each.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for code, values in changed.items():
            groups.setdefault(tuple(sorted(values)), []).append(values | {"b_ma_ho_so": code})
        for keys, rows in groups.items():
            stmt = (
                update(dossiers)
                .where(dossiers.c.ma_ho_so == bindparam("b_ma_ho_so"))
                .values({k: bindparam(k, type_=dossiers.c[k].type) for k in keys})
            )
            conn.execute(stmt, rows)

    def _take_from_inbox(self, conn: Connection, event: DossierEvent, now: datetime) -> None:
        """The province received (or refused) a ministry-filed dossier: it leaves the inbox."""
        dossier = event.snapshot
        if dossier.origin is not Origin.MINISTRY or dossier.trang_thai == Status.MOI_DANG_KY:
            return
        conn.execute(
            update(inbox)
            .where(inbox.c.ma_ho_so == event.ma_ho_so, inbox.c.state == "new")
            .values(state="taken", taken_at=now, taken_by_event=event.id)
        )

    def _insert_ignore(self, table: Any) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()

    # --- deadlines on the mirror (hub/deadlines.py) ------------------------------

    def _mirror_deadline(
        self, dossier: Dossier, at: datetime, deadline_for: DeadlineFor | None
    ) -> dict[str, Any]:
        """ngay_hen_tra, buoc_hien_tai, han_buoc_hien_tai for the mirror row."""
        from hub.deadlines import snapshot_deadline

        found = deadline_for(dossier, at) if deadline_for else snapshot_deadline(dossier)
        return found.columns()

    # --- the worker -------------------------------------------------------------

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
        q = self._sql
        names = list(connectors) if connectors is not None else None
        params: dict[str, Any] = {"b_now": now, "b_limit": limit}
        if names is not None:
            params["b_connectors"] = names
        expired = q.expired if names is None else q.expired_of
        due = q.due if names is None else q.due_of
        # Expired leases first (they are older), then the due jobs: each query walks its
        # own partial index and stops at ``limit``, however long the backlog.
        found = list(conn.execute(expired, params)) if expired_too else []
        if len(found) < limit:
            found += conn.execute(due, params | {"b_limit": limit - len(found)}).all()
        if not found:
            return []
        claimed_from = {r.id: r.state for r in found}
        rows = conn.execute(
            q.take,
            {
                "b_ids": list(claimed_from),
                "b_worker": worker,
                "b_lease_until": now + timedelta(seconds=lease_seconds),
                "b_now": now,
            },
        ).all()
        claimed = [
            ClaimedJob(
                id=r.id,
                connector=r.connector,
                ma_ho_so=r.ma_ho_so,
                event_id=r.event_id,
                sequence=r.sequence,
                attempts=r.attempts,
                created_at=as_utc(r.created_at) or now,
                idempotency_key=r.idempotency_key,
                retry_base=r.retry_base,
                rerun_at=as_utc(r.rerun_at),
                use_current_state=bool(r.use_current_state),
                claimed_from=claimed_from[r.id],
            )
            for r in rows
        ]
        claimed.sort(key=lambda c: c.id)
        return claimed

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
            loaded = self._load_events(conn, [j.event_id for j in claimed])
        if expired_too and claim > 0:
            self._expired_looked_at = tick
        return Settled(kept, claimed, loaded)

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
        """The stored events (with their snapshots) of claimed jobs, by id."""
        with self.read() as conn:
            return self._load_events(conn, event_ids)

    def _load_events(self, conn: Connection, event_ids: Iterable[str]) -> dict[str, DossierEvent]:
        ids = list(set(event_ids))
        if not ids:
            return {}
        rows = conn.execute(self._sql.events, {"b_ids": ids}).all()
        # Validated when they were accepted: the snapshot is parsed from its JSON text by
        # pydantic (in Rust), the event's own columns are taken as the store typed them.
        return {
            r.id: DossierEvent.model_construct(
                id=r.id,
                type=EventType(r.type),
                occurred_at=as_utc(r.occurred_at),
                ma_ho_so=r.ma_ho_so,
                sequence=r.sequence,
                snapshot=Dossier.model_validate_json(r.snapshot),
            )
            for r in rows
        }

    def current_snapshots(self, ma_ho_so: Iterable[str]) -> dict[str, Dossier]:
        """The mirror's current state of these dossiers (for re-runs with current state)."""
        codes = list(set(ma_ho_so))
        if not codes:
            return {}
        with self.read() as conn:
            rows = conn.execute(
                select(dossiers.c.ma_ho_so, dossiers.c.snapshot).where(
                    dossiers.c.ma_ho_so.in_(codes)
                )
            )
            return {r.ma_ho_so: Dossier.model_validate(r.snapshot) for r in rows}

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
        q = self._sql
        held = set(
            conn.execute(
                q.held, {"b_ids": [o.job.id for o in outcomes], "b_worker": worker}
            ).scalars()
        )
        kept = [o.job.id in held for o in outcomes]
        mine = [o for o, k in zip(outcomes, kept, strict=True) if k]
        if not mine:
            return kept
        rows, tries, refs, failed = [], [], [], []
        for o in mine:
            job, at = o.job, o.now or now
            final = o.state in (JobState.SUCCEEDED, JobState.DEAD)
            rows.append(
                {
                    "b_id": job.id,
                    "b_state": o.state.value,
                    "b_now": at,
                    "b_error": o.error,
                    "b_error_class": o.error_class,
                    "b_next": o.next_run_at,
                    "b_finished": at if final else None,
                    "b_remote_id": o.remote_id,
                }
            )
            attempt, names = o.attempt, o.attempt.get("names", ())
            tries.append(
                {
                    "job_id": job.id,
                    "attempt": job.attempts,
                    "worker": worker,
                    "started_at": attempt["started_at"],
                    "duration_ms": attempt["duration_ms"],
                    "outcome": attempt["outcome"],
                    "error_class": o.error_class,
                    "http_status": attempt.get("http_status"),
                    "error": o.error,
                    "request_excerpt": _excerpt(attempt.get("request"), names),
                    "response_excerpt": _excerpt(attempt.get("response"), names),
                }
            )
            status = int(o.status) if o.status is not None else None
            if o.state is JobState.SUCCEEDED:
                refs.append(
                    {
                        "connector": job.connector,
                        "ma_ho_so": job.ma_ho_so,
                        "remote_id": o.remote_id,
                        "last_event_id": job.event_id,
                        "last_status": status,
                        "updated_at": at,
                    }
                )
            elif o.state is JobState.DEAD:
                # The province hears at once that this sync needs a person, and why (the
                # reason names the field to fix; it is masked and carries no values).
                failed.append(
                    {
                        "connector": job.connector,
                        "ma_ho_so": job.ma_ho_so,
                        "kind": "sync_failed",
                        "trang_thai": status,
                        "payload": {
                            "job_id": job.id,
                            "event_id": job.event_id,
                            "error_class": o.error_class,
                            "reason": o.error,
                        },
                        "created_at": at,
                    }
                )
        conn.execute(q.finish, rows)
        conn.execute(insert(attempts), tries)
        if refs:
            conn.execute(q.remote_ref, refs)
        if failed:
            conn.execute(insert(province_updates), failed)
        return kept

    # --- pulls and the inbox ------------------------------------------------------

    def get_cursor(self, connector: str) -> str | None:
        with self.read() as conn:
            return conn.execute(
                select(pull_cursors.c.cursor).where(pull_cursors.c.connector == connector)
            ).scalar()

    def store_pulled(
        self,
        connector: str,
        items: Sequence[Any],
        cursor: str | None,
        *,
        now: datetime | None = None,
        deadline_for: DeadlineFor | None = None,
    ) -> int:
        """Keep pulled dossiers in the inbox and the mirror, and move the cursor, atomically.

        Returns how many were new; repeats (same connector and remote id) are ignored.
        """
        now = now or utcnow()
        deadline_for = deadline_for or self.deadline_for
        new = 0
        with self.begin() as conn:
            for item in items:
                dossier: Dossier = item.dossier
                snapshot = dossier.model_dump(mode="json")
                result = conn.execute(
                    self._insert_ignore(inbox)
                    .values(
                        connector=connector,
                        remote_id=item.remote_id,
                        ma_ho_so=dossier.ma_ho_so,
                        ma_tthc=dossier.ma_tthc,
                        state="new",
                        snapshot=snapshot,
                        raw_excerpt=_excerpt(item.raw_excerpt, party_names(dossier)),
                        pulled_at=now,
                    )
                    .returning(inbox.c.id)
                ).first()
                if result is not None:
                    new += 1
                    conn.execute(
                        self._insert_ignore(dossiers).values(
                            ma_ho_so=dossier.ma_ho_so,
                            ma_tthc=dossier.ma_tthc,
                            trang_thai=int(dossier.trang_thai),
                            origin=dossier.origin.value,
                            origin_system=dossier.origin_system or connector,
                            last_sequence=0,
                            snapshot=snapshot,
                            created_at=now,
                            updated_at=now,
                            **self._mirror_deadline(dossier, now, deadline_for),
                        )
                    )
            self._save_cursor(conn, connector, cursor, now, error=None)
        return new

    def mark_acked(self, connector: str, remote_ids: Sequence[str]) -> None:
        if not remote_ids:
            return
        with self.begin() as conn:
            conn.execute(
                update(inbox)
                .where(inbox.c.connector == connector, inbox.c.remote_id.in_(list(remote_ids)))
                .values(acked_at=utcnow())
            )

    def unacked(self, connector: str, limit: int = 500) -> list[str]:
        """Pulled items whose acknowledgement did not reach the ministry yet."""
        with self.read() as conn:
            return list(
                conn.execute(
                    select(inbox.c.remote_id)
                    .where(inbox.c.connector == connector, inbox.c.acked_at.is_(None))
                    .order_by(inbox.c.id)
                    .limit(limit)
                ).scalars()
            )

    def record_pull_error(self, connector: str, error: str) -> None:
        with self.begin() as conn:
            self._save_cursor(conn, connector, None, utcnow(), error=error, keep_cursor=True)

    def _save_cursor(
        self,
        conn: Connection,
        connector: str,
        cursor: str | None,
        now: datetime,
        *,
        error: str | None,
        keep_cursor: bool = False,
    ) -> None:
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        values: dict[str, Any] = {"connector": connector, "updated_at": now}
        if error is None:
            values |= {"cursor": cursor, "last_success_at": now}
        else:
            values |= {"last_error": error, "last_error_at": now}
        stmt = dialect_insert(pull_cursors).values(**values)
        update_values = {k: stmt.excluded[k] for k in values if k != "connector"}
        if keep_cursor:
            update_values.pop("cursor", None)
        conn.execute(stmt.on_conflict_do_update(index_elements=["connector"], set_=update_values))

    def list_inbox(
        self,
        *,
        state: str | None = "new",
        connector: str | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        query = select(inbox).where(inbox.c.id > after_id).order_by(inbox.c.id).limit(limit)
        if state:
            query = query.where(inbox.c.state == state)
        if connector:
            query = query.where(inbox.c.connector == connector)
        with self.read() as conn:
            return [_row(r) for r in conn.execute(query)]

    # --- tracking what the ministries do with what we sent ----------------------

    def due_for_tracking(
        self, connector: str, *, final: Iterable[int], limit: int = 100
    ) -> list[dict[str, Any]]:
        """Dossiers pushed to ``connector`` whose ministry status is not final yet,
        least recently checked first."""
        query = (
            select(remote_refs)
            .where(
                remote_refs.c.connector == connector,
                or_(
                    remote_refs.c.remote_status.is_(None),
                    remote_refs.c.remote_status.not_in(list(final)),
                ),
            )
            .order_by(remote_refs.c.remote_checked_at.is_not(None), remote_refs.c.remote_checked_at)
            .limit(limit)
        )
        with self.read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def record_remote_status(
        self,
        connector: str,
        ma_ho_so: str,
        *,
        status: Status | None,
        raw_status: str | None,
        change: dict[str, Any] | None,
        kind: str | None,
        now: datetime | None = None,
    ) -> int | None:
        """Store what the ministry said; when it changed, queue an update for the province
        in the same transaction. Returns the update's id, or None when nothing changed."""
        now = now or utcnow()
        with self.begin() as conn:
            conn.execute(
                update(remote_refs)
                .where(remote_refs.c.connector == connector, remote_refs.c.ma_ho_so == ma_ho_so)
                .values(
                    remote_status=int(status) if status is not None else None,
                    remote_raw_status=raw_status,
                    remote_checked_at=now,
                )
            )
            if change is None or kind is None:
                return None
            return int(
                conn.execute(
                    insert(province_updates)
                    .values(
                        connector=connector,
                        ma_ho_so=ma_ho_so,
                        kind=kind,
                        trang_thai=int(status) if status is not None else None,
                        payload=change,
                        created_at=now,
                    )
                    .returning(province_updates.c.id)
                ).scalar_one()
            )

    def add_province_update(
        self,
        ma_ho_so: str,
        kind: str,
        payload: dict[str, Any],
        *,
        connector: str | None = None,
        status: Status | None = None,
    ) -> int:
        """Queue something the province must hear about (a deadline at risk, ...)."""
        with self.begin() as conn:
            return int(
                conn.execute(
                    insert(province_updates)
                    .values(
                        connector=connector,
                        ma_ho_so=ma_ho_so,
                        kind=kind,
                        trang_thai=int(status) if status is not None else None,
                        payload=payload,
                        created_at=utcnow(),
                    )
                    .returning(province_updates.c.id)
                ).scalar_one()
            )

    def list_province_updates(
        self, *, after_id: int = 0, limit: int = 100, ma_ho_so: str | None = None
    ) -> list[dict[str, Any]]:
        query = (
            select(province_updates)
            .where(province_updates.c.id > after_id)
            .order_by(province_updates.c.id)
            .limit(limit)
        )
        if ma_ho_so:
            query = query.where(province_updates.c.ma_ho_so == ma_ho_so)
        with self.read() as conn:
            return [_row(r) for r in conn.execute(query)]

    # --- reading ------------------------------------------------------------------

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
            return [_row(r) for r in conn.execute(query)]

    def job_counts(self) -> dict[tuple[str, str], int]:
        """Jobs by (connector, state)."""
        with self.read() as conn:
            rows = conn.execute(
                select(jobs.c.connector, jobs.c.state, func.count()).group_by(
                    jobs.c.connector, jobs.c.state
                )
            )
            return {(r[0], r[1]): r[2] for r in rows}

    def claim_periodic(self, job: str, slot: int, owner: str, *, keep_days: float = 7) -> bool:
        """True for the one instance that gets to run ``job`` in time ``slot``."""
        now = utcnow()
        with self.begin() as conn:
            conn.execute(
                periodic_runs.delete().where(
                    periodic_runs.c.started_at < now - timedelta(days=keep_days)
                )
            )
            won = conn.execute(
                self._insert_ignore(periodic_runs)
                .values(job=job, slot=slot, owner=owner, started_at=now)
                .returning(periodic_runs.c.job)
            ).first()
        return won is not None

    def accept_callback(
        self,
        connector: str,
        nonce: str,
        updates: Sequence[tuple[str, str, dict[str, Any]]],
        *,
        forget_before: datetime,
    ) -> bool:
        """Record a callback's nonce and its province updates in one transaction.

        False (and nothing written) when the nonce was seen before: a replay.
        """
        now = utcnow()
        with self.begin() as conn:
            conn.execute(
                callback_nonces.delete().where(callback_nonces.c.received_at < forget_before)
            )
            new = conn.execute(
                self._insert_ignore(callback_nonces)
                .values(connector=connector, nonce=nonce, received_at=now)
                .returning(callback_nonces.c.nonce)
            ).first()
            if new is None:
                return False
            for ma_ho_so, kind, payload in updates:
                conn.execute(
                    insert(province_updates).values(
                        connector=connector,
                        ma_ho_so=ma_ho_so,
                        kind=kind,
                        payload=payload,
                        created_at=now,
                    )
                )
        return True

    def oldest_waiting(self) -> dict[str, datetime]:
        """Per connector, when the oldest job still waiting to be sent was created."""
        with self.read() as conn:
            rows = conn.execute(
                select(jobs.c.connector, func.min(jobs.c.created_at))
                .where(jobs.c.state.in_(CLAIMABLE_STATES))
                .group_by(jobs.c.connector)
            )
            return {r[0]: as_utc(r[1]) for r in rows if r[1] is not None}

    def get_dossier(self, ma_ho_so: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(dossiers).where(dossiers.c.ma_ho_so == ma_ho_so)).first()
            return _row(row) if row else None

    def has_unfinished_jobs(self) -> bool:
        """True while some job can still make progress (not dead, not held back by one)."""
        j = jobs.alias("j")
        blocked_by_dead = _earlier_sibling(j, lambda p: p.c.state == JobState.DEAD.value)
        query = (
            select(func.count())
            .select_from(j)
            .where(j.c.state.in_(("pending", "failed", "running")), ~blocked_by_dead)
        )
        with self.read() as conn:
            return bool(conn.execute(query).scalar())


class _Statements:
    """The worker's and ingest's statements, built once (building the claim's aliased
    sub-queries cost more than running them), with bound parameters (``b_...``).

    Each candidate query names its partial index's predicate literally so SQLite and
    PostgreSQL can walk that index (``ix_jobs_due`` by next_run_at, id;
    ``ix_jobs_running_lease``) and stop after ``b_limit`` rows, instead of reading
    every pending job and sorting them (the OR of both conditions did that).
    """

    def __init__(self, dialect: str) -> None:
        j = jobs.alias("j")
        unfinished_before = ~_earlier_sibling(j, lambda p: p.c.state.not_in(DONE_STATES))
        now, limit = bindparam("b_now"), bindparam("b_limit")
        due = (
            select(j.c.id, j.c.state)
            .where(text("j.state IN ('pending', 'failed')"), j.c.next_run_at <= now)
            .where(unfinished_before)
            .order_by(j.c.next_run_at, j.c.id)
            .limit(limit)
        )
        expired = (
            select(j.c.id, j.c.state)
            .where(text("j.state = 'running'"), j.c.lease_until < now)
            .where(unfinished_before)
            .order_by(j.c.lease_until, j.c.id)
            .limit(limit)
        )
        only = j.c.connector.in_(bindparam("b_connectors", expanding=True))
        if dialect == "postgresql":
            lock = {"skip_locked": True, "of": j}
            self.due, self.due_of = (
                due.with_for_update(**lock),
                due.where(only).with_for_update(**lock),
            )
            self.expired = expired.with_for_update(**lock)
            self.expired_of = expired.where(only).with_for_update(**lock)
        else:
            # SQLite's planner, without statistics, prefers ix_jobs_state_connector and
            # sorts every pending job; SQLAlchemy renders no index hint for SQLite.
            self.due, self.due_of = _sqlite_walk("ix_jobs_due", "next_run_at")
            self.expired, self.expired_of = _sqlite_walk("ix_jobs_running_lease", "lease_until")
        held = select(jobs.c.id).where(
            jobs.c.id.in_(bindparam("b_ids", expanding=True)),
            jobs.c.state == JobState.RUNNING.value,
            jobs.c.lease_owner == bindparam("b_worker"),
        )
        self.held = held.with_for_update() if dialect == "postgresql" else held
        keep = func.coalesce
        self.finish = (
            update(jobs)
            .where(jobs.c.id == bindparam("b_id"))
            .values(
                state=bindparam("b_state"),
                updated_at=bindparam("b_now", type_=Utc),
                lease_owner=None,
                lease_until=None,
                last_error=bindparam("b_error", type_=Text),
                error_class=bindparam("b_error_class", type_=String),
                next_run_at=keep(bindparam("b_next", type_=Utc), jobs.c.next_run_at),
                finished_at=keep(bindparam("b_finished", type_=Utc), jobs.c.finished_at),
                remote_id=keep(bindparam("b_remote_id", type_=String), jobs.c.remote_id),
            )
        )
        upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(remote_refs)
        self.remote_ref = upsert.on_conflict_do_update(
            index_elements=["connector", "ma_ho_so"],
            set_={
                "last_event_id": upsert.excluded.last_event_id,
                "last_status": upsert.excluded.last_status,
                "updated_at": upsert.excluded.updated_at,
                "remote_id": func.coalesce(upsert.excluded.remote_id, remote_refs.c.remote_id),
            },
        )
        # Ingest's statements.
        self.existing = select(events.c.id, events.c.sequence).where(
            events.c.id.in_(bindparam("b_ids", expanding=True))
        )
        mirror = (
            select(
                dossiers.c.ma_ho_so,
                dossiers.c.trang_thai,
                dossiers.c.last_sequence,
                dossiers.c.ngay_hen_tra,
                dossiers.c.ngay_hen_tra_moi,
            )
            .where(dossiers.c.ma_ho_so.in_(bindparam("b_codes", expanding=True)))
            .order_by(dossiers.c.ma_ho_so)
        )
        # On PostgreSQL the rows stay locked: a dossier's events are serialised across
        # ingesters, taken in one order so that two batches cannot deadlock.
        self.mirror = mirror.with_for_update() if dialect == "postgresql" else mirror
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.new_dossier = (
            dialect_insert(dossiers).on_conflict_do_nothing().returning(dossiers.c.ma_ho_so)
        )
        self.events = select(
            events.c.id,
            events.c.type,
            events.c.occurred_at,
            events.c.ma_ho_so,
            events.c.sequence,
            cast(events.c.snapshot, Text).label("snapshot"),
        ).where(events.c.id.in_(bindparam("b_ids", expanding=True)))
        self.take = (
            update(jobs)
            .where(jobs.c.id.in_(bindparam("b_ids", expanding=True)))
            .values(
                state=JobState.RUNNING.value,
                lease_owner=bindparam("b_worker"),
                lease_until=bindparam("b_lease_until"),
                attempts=jobs.c.attempts + 1,
                updated_at=bindparam("b_now"),
            )
            .returning(
                jobs.c.id,
                jobs.c.connector,
                jobs.c.ma_ho_so,
                jobs.c.event_id,
                jobs.c.sequence,
                jobs.c.attempts,
                jobs.c.created_at,
                jobs.c.idempotency_key,
                jobs.c.retry_base,
                jobs.c.rerun_at,
                jobs.c.use_current_state,
            )
        )


def _sqlite_walk(index: str, when: str) -> tuple[Any, Any]:
    """The SQLite candidate query walking ``index`` in order: all connectors, and some."""
    predicate = {"ix_jobs_due": "j.state IN ('pending', 'failed') AND j.next_run_at <= :b_now"}.get(
        index, "j.state = 'running' AND j.lease_until < :b_now"
    )
    done = ", ".join(f"'{state}'" for state in DONE_STATES)
    queries = []
    for only in ("", " AND j.connector IN :b_connectors"):
        sql = (
            f"SELECT j.id, j.state FROM jobs AS j INDEXED BY {index} WHERE {predicate}{only}"
            " AND NOT EXISTS (SELECT 1 FROM jobs AS p WHERE p.connector = j.connector"
            " AND p.ma_ho_so = j.ma_ho_so AND p.id < j.id"
            f" AND p.state NOT IN ({done})) ORDER BY j.{when}, j.id LIMIT :b_limit"
        )
        binds = [bindparam("b_now", type_=Utc), bindparam("b_limit")]
        if only:
            binds.append(bindparam("b_connectors", expanding=True))
        queries.append(text(sql).bindparams(*binds).columns(id=Integer, state=String))
    return queries[0], queries[1]


def _earlier_sibling(j: Any, condition: Any) -> Any:
    """EXISTS an earlier job of the same (connector, dossier) as ``j`` matching ``condition``.

    ``OFFSET 0`` keeps PostgreSQL from turning this into an anti-join: with the
    statistics of a table that just grew (a large ingest), it then joined every
    job of the connector against every other (a 1,000-job claim took 120 ms). As a
    sub-plan it probes ``ix_jobs_chain`` on (connector, ma_ho_so, id) per candidate.
    """
    p = jobs.alias("p")
    return (
        select(literal(1))
        .where(
            p.c.connector == j.c.connector,
            p.c.ma_ho_so == j.c.ma_ho_so,
            p.c.id < j.c.id,
            condition(p),
        )
        .offset(0)
        .exists()
    )


class _MirrorRace(Exception):
    """A dossier this batch creates was created by another ingester meanwhile."""


def _deadline_moved_later(row: dict[str, Any], new: datetime | None) -> dict[str, Any]:
    """A later ngày hẹn trả (a paused clock, the province's new date) restarts the watch,
    unless an apology already set the date the watch follows."""
    old = as_utc(row["ngay_hen_tra"])
    if row["ngay_hen_tra_moi"] is None and old is not None and new is not None and new > old:
        return {"deadline_state": "ok"}
    return {}


def _row(row: Any) -> dict[str, Any]:
    """A row as a dict, its times as aware UTC datetimes on every database."""
    return {k: as_utc(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def _excerpt(payload: Any, names: Iterable[str] = ()) -> str | None:
    return None if payload is None else mask_excerpt(payload, names=names)


def party_names(dossier: Dossier) -> list[str]:
    """The names in a dossier, to be masked wherever they appear in an excerpt."""
    return [p.ho_ten for p in (dossier.chu_ho_so, dossier.nguoi_nop) if p is not None]
