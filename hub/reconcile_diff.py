"""The spill of a reconciliation: both sides in temporary SQLite files, diffed by one join.

The ministry's listing goes into ``remote.db`` (table ``r``) as it arrives; the mirror's
routed rows go into ``province.db`` (table ``p``) from a thread at the same time, read
in keyset pages of short read-only transactions (:meth:`Store.province_side`), and
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
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["EPOCH", "Spill", "from_us", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_COLUMNS = "ma TEXT PRIMARY KEY, ma_tthc TEXT, status INTEGER, us INTEGER, so TEXT, sha TEXT"


def to_us(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:  # as ``astimezone`` reads a naive time: local
        value = value.astimezone(UTC)
    return (value - EPOCH) // _US


def from_us(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + value * _US


def _open(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
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

    def close(self) -> None:
        self.remote.close()
        self.province.close()

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

    def province_counts(self) -> tuple[int, int, int]:
        """Mirror rows, those in flight, and pairs (on both sides) not in flight."""
        self.province.commit()
        self.remote.commit()
        self.province.execute("ATTACH DATABASE ? AS rem", (self.remote_path,))
        (total,) = self.province.execute("SELECT count(*) FROM p").fetchone()
        (in_flight,) = self.province.execute(
            "SELECT count(*) FROM p JOIN f ON f.ma = p.ma WHERE f.flags = 2"
        ).fetchone()
        (pairs,) = self.province.execute(
            "SELECT count(*) FROM p JOIN rem.r AS r ON r.ma = p.ma"
            " WHERE NOT EXISTS (SELECT 1 FROM f WHERE f.ma = p.ma AND f.flags = 2)"
        ).fetchone()
        return int(total), int(in_flight), int(pairs)

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
