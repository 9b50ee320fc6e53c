"""The store's base: transactions (write and read-only), row helpers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import (
    Connection,
    Engine,
    insert,
)
from sqlalchemy.dialects import postgresql, sqlite

from hub.masking import mask_excerpt
from hub.messages import Message
from hub.models import Dossier
from hub.store.statements import DriverSql, Statements
from hub.store.tables import audit_log

if TYPE_CHECKING:
    from hub.deadlines import MirrorDeadline
    from hub.store.maintenance import StatisticsGuard

__all__ = [
    "LIKE_ESCAPE",
    "DeadlineFor",
    "StoreBase",
    "as_utc",
    "excerpt",
    "like_prefix",
    "party_names",
    "row_dict",
    "utcnow",
]

#: ``deadline_for(dossier, at)``: the mirror's deadline columns for a snapshot received at ``at``.
DeadlineFor = Callable[[Dossier, datetime], "MirrorDeadline"]


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


#: The escape character of :func:`like_prefix` patterns (``.like(p, escape=LIKE_ESCAPE)``).
LIKE_ESCAPE = "\\"


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching values that start with ``prefix`` taken literally: its
    ``%``, ``_`` and escape characters are escaped (a filter ``_`` matches ``_`` only)."""
    escaped = (
        prefix.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return escaped + "%"


#: Columns that hold a coded reason (hub.messages): read back as words.
_REASON_COLUMNS = ("last_error", "error", "reason")


def row_dict(row: Any) -> dict[str, Any]:
    """A row as a dict, its times as aware UTC datetimes on every database, and its coded
    reasons (``last_error``, ``error``) in the reader's language, with both languages and
    the code beside (``last_error_vi``, ``last_error_en``, ``last_error_code``)."""
    out = {k: as_utc(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()}
    for key in _REASON_COLUMNS:
        value = out.get(key)
        coded = Message.loads(value) if isinstance(value, str) else None
        if coded is not None:
            out[key] = coded.render()
            out |= {f"{key}_vi": coded.vi, f"{key}_en": coded.en, f"{key}_code": coded.code}
    return out


def excerpt(payload: Any, names: Iterable[str] = ()) -> str | None:
    return None if payload is None else mask_excerpt(payload, names=names)


def party_names(dossier: Dossier) -> list[str]:
    """The names in a dossier, to be masked wherever they appear in an excerpt."""
    return [p.ho_ten for p in (dossier.chu_ho_so, dossier.nguoi_nop) if p is not None]


class StoreBase:
    """What every query module shares: the engine, its dialect and the transactions."""

    #: Fills the mirror's deadline columns at ingest and pull (the Hub sets a
    #: :class:`hub.deadlines.DeadlineComputer`); None: only what the snapshot says.
    deadline_for: DeadlineFor | None = None
    #: PostgreSQL: ANALYZE the hot tables (jobs, events, dossiers) once writes made
    #: their statistics stale; VACUUM them once rewrites left enough dead rows. Set by
    #: MaintenanceQueries; every writer of those tables reports to both through
    #: :meth:`_wrote_hot_rows`.
    statistics_guard: StatisticsGuard | None = None
    vacuum_guard: StatisticsGuard | None = None

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self._sql = Statements(self.dialect)
        self._driver = DriverSql(self.dialect)
        self._expired_looked_at = float("-inf")

    def _wrote_hot_rows(self, *, inserted: int = 0, rewritten: int = 0) -> None:
        """After a commit: the rows it inserted into, and rewrote (updated or deleted) in,
        the hot tables. Every row changed counts toward stale statistics; every row
        rewritten leaves a dead one behind (PostgreSQL keeps the old version)."""
        if self.statistics_guard is not None and inserted + rewritten > 0:
            self.statistics_guard.written(inserted + rewritten)
        if self.vacuum_guard is not None and rewritten > 0:
            self.vacuum_guard.written(rewritten)

    def _audit(
        self,
        conn: Any,
        actor: str,
        action: str,
        target: str,
        reason: str | None,
        count: int,
        detail: dict[str, Any] | None,
    ) -> None:
        conn.execute(
            insert(audit_log).values(
                at=utcnow(),
                actor=actor,
                action=action,
                target=target,
                reason=reason,
                count=count,
                detail=detail,
            )
        )

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
