"""Ingest: a batch of province events into the mirror, the events and the outbox."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    insert,
    select,
    update,
)

from hub import reasons_api as A
from hub.connector import idempotency_key
from hub.errors import EventConflict, IngestError
from hub.models import Dossier, DossierEvent, EventType, Origin, Status, transition_allowed
from hub.store.base import DeadlineFor, StoreBase, as_utc, utcnow
from hub.store.bulk import JsonText, insert_many, update_many
from hub.store.notify import notify_jobs
from hub.store.tables import (
    JobState,
    dossiers,
    events,
    inbox,
    jobs,
)

__all__ = ["IngestOutcome", "IngestQueries", "MirrorRace", "body_hash"]


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    event_id: str
    ma_ho_so: str
    sequence: int
    duplicate: bool
    connectors: tuple[str, ...]


class IngestQueries(StoreBase):
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
                    outcomes = self._ingest(conn, batch, route, now, deadline_for)
                accepted = [o for o in outcomes if not o.duplicate]
                # An event and its jobs inserted; its dossier's mirror row counted as
                # rewritten (most events follow a known dossier: its old row stays dead).
                self._wrote_hot_rows(
                    inserted=sum(1 + len(o.connectors) for o in accepted),
                    rewritten=len(accepted),
                )
                return outcomes
            except MirrorRace:
                # Another ingester created one of these dossiers after we looked (only on
                # PostgreSQL); it has committed by now: apply the batch again on top of it.
                continue
        raise IngestError(
            A.CONCURRENT_INGEST(),
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
        seen, hashes = self._existing_events(conn, [e.id for e in batch])
        fresh: dict[str, tuple[int, DossierEvent]] = {}
        # Each snapshot is serialised once: that text is hashed and stored (events, mirror).
        texts = [canonical_json(e.snapshot.model_dump(mode="json")) for e in batch]
        bodies = [body_hash(e, t) for e, t in zip(batch, texts, strict=True)]
        conflicts = []
        for index, event in enumerate(batch):
            known = hashes.get(event.id) or (
                bodies[fresh[event.id][0]] if event.id in fresh else None
            )
            if known is not None and known != bodies[index]:
                conflicts.append((index, event.id))
            elif event.id not in seen and event.id not in fresh:
                fresh[event.id] = (index, event)
        if conflicts:
            raise EventConflict(conflicts)
        mirror = self._mirror_rows(conn, {e.ma_ho_so for _, e in fresh.values()})
        created: dict[str, dict[str, Any]] = {}  # new dossiers: their row as it ends up
        changed: dict[str, dict[str, Any]] = {}  # known dossiers: the columns to set
        event_rows: list[dict[str, Any]] = []
        job_rows: list[dict[str, Any]] = []
        taken: list[DossierEvent] = []
        sequences: dict[str, tuple[int, tuple[str, ...]]] = {}
        # PostgreSQL: the last event of each dossier takes its snapshot from the mirror
        # row written just before (the same text, parsed to JSONB once, not twice).
        last = {e.ma_ho_so: i for i, e in fresh.values()} if self.dialect == "postgresql" else {}
        for index, event in fresh.values():
            dossier, code = event.snapshot, event.ma_ho_so
            snapshot = texts[index]
            seq = self._mirror_step(
                index, event, snapshot, mirror, created, changed, now, deadline_for
            )
            event_rows.append(
                {
                    "id": event.id,
                    "ma_ho_so": code,
                    "sequence": seq,
                    "type": event.type.value,
                    "occurred_at": event.occurred_at,
                    "received_at": now,
                    **(
                        {"snapshot_of": code}
                        if last.get(code) == index
                        else {"snapshot_json": snapshot}
                    ),
                    "body_hash": bodies[index],
                }
            )
            targets = tuple(route(event))
            job_rows.extend(new_jobs(targets, event.id, code, seq, dossier.ma_tthc, now))
            if dossier.origin is Origin.MINISTRY and dossier.trang_thai != Status.MOI_DANG_KY:
                taken.append(event)
            sequences[event.id] = (seq, targets)
        self._write_mirror(conn, created, changed)
        insert_many(conn, events, event_rows)
        if job_rows:
            insert_many(conn, jobs, job_rows)
            notify_jobs(conn)  # PostgreSQL: a worker in another process wakes at commit
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

    def _mirror_step(
        self,
        index: int,
        event: DossierEvent,
        snapshot: str,
        mirror: dict[str, dict[str, Any]],
        created: dict[str, dict[str, Any]],
        changed: dict[str, dict[str, Any]],
        now: datetime,
        deadline_for: DeadlineFor | None,
    ) -> int:
        """One event on the mirror as the batch has left it so far: checks the status
        change, fills ``created`` or ``changed``; returns its sequence. ``snapshot``: the
        event's snapshot as JSON text (:func:`canonical_json`)."""
        dossier, code = event.snapshot, event.ma_ho_so
        values = {
            "ma_tthc": dossier.ma_tthc,
            "trang_thai": int(dossier.trang_thai),
            "snapshot_json": snapshot,
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
                    A.INVALID_TRANSITION(
                        old=int(old),
                        old_vi=old.label_vi,
                        new=int(dossier.trang_thai),
                        new_vi=dossier.trang_thai.label_vi,
                        code=code,
                    ),
                    code="invalid_transition",
                    status=409,
                    loc=f"events[{index}].snapshot.trang_thai",
                )
            seq = row["last_sequence"] + 1
            values |= deadline_moved_later(row, values["ngay_hen_tra"])
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
        return seq

    def enqueue(
        self,
        conn: Connection,
        *,
        event_id: str,
        event_type: EventType,
        dossier: Dossier,
        connectors: Sequence[str],
        reason: str | None = None,
        now: datetime | None = None,
    ) -> tuple[str, bool]:
        """Add one hub-made event (a repair) to a known dossier's events, next in its
        sequence, with a job per connector, inside the caller's transaction; an event id
        already stored is left as it is. Returns the first job's idempotency key, and
        whether anything was written (the caller reports it after its commit:
        :meth:`_wrote_hot_rows`)."""
        now = now or utcnow()
        key = idempotency_key(connectors[0], event_id)
        if conn.execute(select(events.c.id).where(events.c.id == event_id)).first() is not None:
            return key, False
        seq = int(
            conn.execute(
                update(dossiers)
                .where(dossiers.c.ma_ho_so == dossier.ma_ho_so)
                .values(last_sequence=dossiers.c.last_sequence + 1)
                .returning(dossiers.c.last_sequence)
            ).scalar_one()
        )
        conn.execute(
            insert(events).values(
                id=event_id,
                ma_ho_so=dossier.ma_ho_so,
                sequence=seq,
                type=event_type.value,
                occurred_at=now,
                received_at=now,
                snapshot=dossier.model_dump(mode="json"),
            )
        )
        rows = new_jobs(connectors, event_id, dossier.ma_ho_so, seq, dossier.ma_tthc, now, reason)
        conn.execute(insert(jobs), rows)
        return key, True

    def _existing_events(
        self, conn: Connection, ids: list[str]
    ) -> tuple[dict[str, int], dict[str, str]]:
        """Of these ids, those stored: their sequence, and their body's hash if known."""
        if not ids:
            return {}, {}
        # Text and integers: the driver's rows as they are, no SQLAlchemy statement to
        # compile for this many ids. PostgreSQL: the ids as one array, so psycopg keeps
        # one statement (it re-parses, uncached, any statement of 50 parameters or more).
        params: tuple[Any, ...]
        if self.dialect == "postgresql":
            sql, params = _EXISTING_PG, (ids,)
        else:
            marks = ", ".join(["?"] * len(ids))
            sql = f"SELECT id, sequence, body_hash FROM events WHERE id IN ({marks})"
            params = tuple(ids)
        rows = conn.exec_driver_sql(sql, params).all()
        return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows if r[2]}

    def _mirror_rows(self, conn: Connection, codes: set[str]) -> dict[str, dict[str, Any]]:
        """The mirror rows of these dossiers (locked on PostgreSQL, see Statements)."""
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
        sql = _statements(self.dialect)
        if created and insert_many(conn, dossiers, created.values(), ignore=True) != len(created):
            raise MirrorRace  # a row already there: another ingester made it meanwhile
        if self.dialect == "postgresql":  # one statement per set of columns
            update_many(
                conn, dossiers, "ma_ho_so", [{"ma_ho_so": c} | v for c, v in changed.items()]
            )
            return
        # Rows with the same columns to set go in one statement executed for each.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for code, values in changed.items():
            groups.setdefault(tuple(sorted(values)), []).append(values | {"b_ma_ho_so": code})
        for keys, rows in groups.items():
            conn.execute(sql.mirror_update(keys), rows)

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


_PENDING = JobState.PENDING.value


def new_jobs(
    connectors: Iterable[str],
    event_id: str,
    ma_ho_so: str,
    sequence: int,
    ma_tthc: str | None,
    now: datetime,
    reason: str | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of one event, a job per connector: the one place jobs are made
    (ingest, reconciliation repair), each with :func:`hub.connector.idempotency_key`."""
    return [
        {
            "connector": name,
            "ma_ho_so": ma_ho_so,
            "event_id": event_id,
            "sequence": sequence,
            "state": _PENDING,
            "attempts": 0,
            "next_run_at": now,
            "idempotency_key": idempotency_key(name, event_id),
            "ma_tthc": ma_tthc,
            "operator_reason": reason,
            "created_at": now,
            "updated_at": now,
        }
        for name in connectors
    ]


#: ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, made
#: once rather than at each call (it keeps no state between calls).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """``value`` as JSON with sorted keys, no spaces, non-ASCII as is: what
    :func:`body_hash` hashes, and what ingest stores as a snapshot."""
    return _CANONICAL.encode(value)


#: Stands for the snapshot in the event's own fields, then replaced by its JSON text:
#: a NUL is always written escaped, and no field of an event may hold one.
_SNAPSHOT = "\x00snapshot"
_SNAPSHOT_PAIR = '"snapshot":' + canonical_json(_SNAPSHOT)


#: The fields of :class:`DossierEvent` that :func:`body_hash` writes by hand (``sequence``
#: is not hashed); another set of fields (a subclass) takes the general way.
_EVENT_FIELDS = {"id", "type", "occurred_at", "ma_ho_so", "sequence", "snapshot"}


def body_hash(event: DossierEvent, snapshot_json: str | None = None) -> str:
    """sha256 of the event's canonical JSON: as validated (key order, spacing, defaults
    and the offset of ``occurred_at`` do not count), without the hub's ``sequence``.

    ``snapshot_json``: ``canonical_json`` of the snapshot, when the caller has it (ingest
    serialises each snapshot once); the hash is the same as without it.
    """
    if snapshot_json is None:
        snapshot_json = canonical_json(event.snapshot.model_dump(mode="json"))
    if type(event).model_fields.keys() == _EVENT_FIELDS:
        # The event's own fields, written as canonical_json writes them, keys in order:
        # the same text without dumping the model (every ingested event is hashed).
        text = "".join(
            (
                '{"id":',
                encode_basestring(event.id),  # what _CANONICAL.encode does with a str
                ',"ma_ho_so":',
                encode_basestring(event.ma_ho_so),
                ',"occurred_at":',
                encode_basestring(event.occurred_at.astimezone(UTC).isoformat()),
                ',"snapshot":',
                snapshot_json,
                ',"type":',
                encode_basestring(event.type.value),
                "}",
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()
    data = event.model_dump(mode="json", exclude={"sequence", "snapshot"})
    data["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat()
    data["snapshot"] = _SNAPSHOT
    head, _, tail = canonical_json(data).partition(_SNAPSHOT_PAIR)
    text = f'{head}"snapshot":{snapshot_json}{tail}'
    return hashlib.sha256(text.encode()).hexdigest()


_EXISTING_PG = "SELECT id, sequence, body_hash FROM events WHERE id = ANY(%s)"


class _Statements:
    """The mirror's updates that take the snapshot as JSON text (``snapshot_json``),
    built once per dialect and set of columns."""

    def __init__(self, dialect: str) -> None:
        self._updates: dict[tuple[str, ...], Any] = {}

    def mirror_update(self, keys: tuple[str, ...]) -> Any:
        """UPDATE dossiers setting ``keys`` (``snapshot_json``: the snapshot) by mã hồ sơ."""
        stmt = self._updates.get(keys)
        if stmt is None:
            stmt = self._updates[keys] = (
                update(dossiers)
                .where(dossiers.c.ma_ho_so == bindparam("b_ma_ho_so"))
                .values(
                    {
                        ("snapshot" if k == "snapshot_json" else k): bindparam(
                            k, type_=JsonText if k == "snapshot_json" else dossiers.c[k].type
                        )
                        for k in keys
                    }
                )
            )
        return stmt


@functools.cache
def _statements(dialect: str) -> _Statements:
    return _Statements(dialect)


class MirrorRace(Exception):
    """A dossier this batch creates was created by another ingester meanwhile."""


def deadline_moved_later(row: dict[str, Any], new: datetime | None) -> dict[str, Any]:
    """A later ngày hẹn trả (a paused clock, the province's new date) restarts the watch,
    unless an apology already set the date the watch follows."""
    old = as_utc(row["ngay_hen_tra"])
    if row["ngay_hen_tra_moi"] is None and old is not None and new is not None and new > old:
        return {"deadline_state": "ok"}
    return {}
