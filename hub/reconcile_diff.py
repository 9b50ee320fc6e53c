"""The spill of a reconciliation: both sides in temporary SQLite files, diffed by one join.

The ministry's listing goes into ``remote.db`` (table ``r``) as it arrives; the mirror's
routed rows go into ``province.db`` (table ``p``) from a thread at the same time, in
keyset pages of short read-only transactions: on SQLite the hub's file is attached
read-only and each page is one ``INSERT … SELECT`` (no row passes through Python); on
PostgreSQL the pages' DBAPI tuples are inserted as they come (:func:`spill_province`), and
beside them (table ``f``) the dossiers whose job is in flight or dead
(:meth:`Store.job_flags`, through the jobs' state index). Both
tables are ``WITHOUT ROWID`` and keyed by mã hồ sơ. Then one query over the two files
(``p LEFT JOIN r`` plus ``r`` without ``p``, in byte order of mã hồ sơ) returns only the
rows that differ, so Python sees the differences, not the million rows that match; what
it returns is classified by :func:`hub.reconcile.classify` as before. Memory stays flat
(SQLite's page cache and its sorter, which spills to disk), and nothing is held open in
the hub's own database.

Times are integer microseconds since the epoch (exact both ways, compared in SQL).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Engine, Select, column, create_engine, insert, table
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from hub.store.store import Store

__all__ = ["EPOCH", "Spill", "from_us", "spill_province", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: Seconds the mirror's copy rests between its pages on SQLite, holding no read of the
#: hub's file, so that ingest's writers and WAL checkpoints get a turn (bench/reconcile_bench.py
#: ``--mirror-pause`` measures it against 0).
MIRROR_PAUSE = 0.002
_COLUMNS = "ma TEXT PRIMARY KEY, ma_tthc TEXT, status INTEGER, us INTEGER, so TEXT, sha TEXT"
#: The province side's tables as targets of ``INSERT … SELECT`` (see :meth:`Spill.copy`).
_TARGETS = {
    "p": table(
        "p", *(column(c) for c in ("ma", "ma_tthc", "status", "us", "so", "sha")), schema="main"
    ),
    "f": table("f", column("ma"), column("flags"), schema="main"),
}


def to_us(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:  # as ``astimezone`` reads a naive time: local
        value = value.astimezone(UTC)
    return (value - EPOCH) // _US


def from_us(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + value * _US


def _open(path: str) -> sqlite3.Connection:
    # URI filenames allowed: the hub's file is attached read-only by one (Spill.attach).
    conn = sqlite3.connect(path, check_same_thread=False, uri=True)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    return conn


class Spill:
    """``remote.db`` and ``province.db`` in ``directory``; each filled by one writer."""

    def __init__(self, directory: str) -> None:
        self.remote_path = os.path.join(directory, "remote.db")
        self.remote = _open(self.remote_path)
        self.remote.execute(f"CREATE TABLE r ({_COLUMNS}) WITHOUT ROWID")
        self.province = _open(os.path.join(directory, "province.db"))
        self.province.execute(f"CREATE TABLE p ({_COLUMNS}) WITHOUT ROWID")
        # The mirror's dossiers with a job in flight (2) or dead (1).
        self.province.execute("CREATE TABLE f (ma TEXT PRIMARY KEY, flags INTEGER) WITHOUT ROWID")
        self._hub: Engine | None = None

    def close(self) -> None:
        self.remote.close()
        self.province.close()

    def attach(self, database: str) -> None:
        """The hub's SQLite file, attached read-only to ``province.db`` as ``hub``: the
        mirror's rows are then copied by SQLite itself (:meth:`copy`), none of them
        through Python. The hub's queries run here as they are (SQLAlchemy Core over
        this connection, the hub's tables read from ``hub``)."""
        uri = Path(database).resolve().as_uri() + "?mode=ro"
        self.province.execute("PRAGMA busy_timeout=30000")
        self.province.execute("ATTACH DATABASE ? AS hub", (uri,))
        conn = self.province
        self._hub = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)

    def detach(self) -> None:
        if self._hub is not None:
            self.province.commit()
            self.province.execute("DETACH DATABASE hub")
            self._hub = None

    def copy(
        self,
        target: str,
        query: Select[Any],
        key: ColumnElement[Any],
        *,
        page: int,
        stop: threading.Event,
        pause: float = 0.0,
    ) -> Iterator[int]:
        """``INSERT INTO target SELECT …`` from the attached hub database, a keyset page
        of ``query`` (ordered by ``key``) per statement and transaction: a read of the
        hub's file as short as a page (it never takes its write lock), and memory flat.
        ``target`` is ``"p"`` (the mirror's rows, :meth:`add_province`'s columns) or
        ``"f"`` (:meth:`add_flags`'s); yields the rows copied per page. ``pause``: seconds
        between pages with no transaction open on the hub's file (writers' room)."""
        if self._hub is None:
            raise RuntimeError("Spill.copy before Spill.attach")
        into = _TARGETS[target]
        after: str | None = None
        options = {"schema_translate_map": {None: "hub"}}
        with self._hub.connect().execution_options(**options) as conn:
            while not stop.is_set():
                paged = query if after is None else query.where(key > after)
                statement = insert(into).from_select(
                    list(into.c.keys()), paged.order_by(key).limit(page)
                )
                with conn.begin():
                    copied = conn.execute(statement).rowcount
                    # The pages come in key order: the last one copied is the largest.
                    last = conn.exec_driver_sql(f"SELECT max(ma) FROM main.{target}").scalar()
                yield copied
                if copied < page:
                    return
                after = last
                if pause:
                    stop.wait(pause)

    def add_remote(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """(ma, ma_tthc, status, us, so, sha); a repeat (a record moving between pages
        while listed) replaces the earlier one."""
        self.remote.executemany("INSERT OR REPLACE INTO r VALUES (?, ?, ?, ?, ?, ?)", rows)

    def add_province(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """(ma, ma_tthc, status, us, so, sha)."""
        self.province.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?, ?)", rows)

    def add_flags(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """(ma, flags): 2 in flight, 1 a dead job."""
        self.province.executemany("INSERT OR REPLACE INTO f VALUES (?, ?)", rows)

    def remote_count(self) -> int:
        self.remote.commit()
        return int(self.remote.execute("SELECT count(*) FROM r").fetchone()[0])

    def province_counts(self) -> tuple[int, int]:
        """Mirror rows, and those in flight. The pairs (on both sides, not in flight) are
        these less in-flight ones less the mirror rows the ministry lacks, which
        :meth:`differences` returns (``r.ma`` NULL): no third join of the million rows."""
        self.province.commit()
        self.remote.commit()
        self.province.execute("ATTACH DATABASE ? AS rem", (self.remote_path,))
        (total,) = self.province.execute("SELECT count(*) FROM p").fetchone()
        (in_flight,) = self.province.execute(
            "SELECT count(*) FROM p JOIN f ON f.ma = p.ma WHERE f.flags = 2"
        ).fetchone()
        return int(total), int(in_flight)

    def differences(self, stale_after: timedelta, chunk: int) -> Iterator[tuple[Any, ...]]:
        """Rows ``(ma, p..., flags, r...)`` in byte order of mã hồ sơ: a mirror row not in flight
        that the ministry lacks or holds otherwise (the predicate of ``classify``), and a
        ministry row with no mirror row (its p columns NULL). Call after province_counts."""
        cursor = self.province.execute(
            """
            SELECT p.ma AS k, p.ma, p.ma_tthc, p.status, p.us, p.so, p.sha,
                   coalesce(f.flags, 0), r.ma, r.ma_tthc, r.status, r.us, r.so, r.sha
            FROM p LEFT JOIN f ON f.ma = p.ma LEFT JOIN rem.r AS r ON r.ma = p.ma
            WHERE coalesce(f.flags, 0) != 2 AND (
                r.ma IS NULL
                OR p.status IS NOT r.status
                OR nullif(p.so, '') IS NOT nullif(r.so, '')
                OR nullif(p.sha, '') IS NOT nullif(r.sha, '')
                OR p.us - r.us > :stale)
            UNION ALL
            SELECT r.ma AS k, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   r.ma, r.ma_tthc, r.status, r.us, r.so, r.sha
            FROM rem.r AS r WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.ma = r.ma)
            ORDER BY k
            """,
            {"stale": stale_after // _US},
        )
        while True:
            rows = cursor.fetchmany(chunk)
            if not rows:
                return
            yield from rows


def spill_province(
    store: Store,
    connector: str,
    bounds: tuple[datetime, datetime] | None,
    spill: Spill,
    stop: threading.Event,
    progress: Callable[[int], None] | None,
    *,
    page: int,
) -> None:
    """The mirror rows routed to ``connector`` (updated within ``bounds``) into the
    spill, then the flags of the dossiers with a job in flight or dead (read after the
    rows: a job made meanwhile counts as in flight). ``progress(rows so far)``.

    On a SQLite file the hub's file is attached to the spill and the store's queries
    copy the rows there page by page (:meth:`Spill.copy`), none of them through Python.
    Elsewhere (PostgreSQL) each page's DBAPI tuples go into the spill as they are (the
    time comes in microseconds from the database): no Python work per dossier."""
    done = 0
    database = store.sqlite_file()
    if database is not None:
        spill.attach(database)
        try:
            query, key = store.province_select(connector, bounds)
            copies = spill.copy("p", query, key, page=page, stop=stop, pause=MIRROR_PAUSE)
            for copied in copies:
                done += copied
                if progress:
                    progress(done)
            query, key = store.job_flags_select(connector)
            for _ in spill.copy("f", query, key, page=page, stop=stop):
                pass
        finally:
            spill.detach()
        return
    for rows in store.province_side(connector, bounds, page=page):
        if stop.is_set():
            return
        spill.add_province(rows)
        done += len(rows)
        if progress:
            progress(done)
    flags: list[tuple[Any, ...]] = []
    for row in store.job_flags(connector, page=page):
        flags.append(tuple(row))
        if len(flags) >= page:
            spill.add_flags(flags)
            flags.clear()
    spill.add_flags(flags)
