"""Bulk INSERT of many rows in one go, as each column's SQLAlchemy type would bind them:
the ingest's writes (hub.store.ingest) without SQLAlchemy's per-row handling."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String, Table, Text, TypeDecorator, cast
from sqlalchemy.dialects.postgresql import JSONB

from hub.store.statements import sqlite_time
from hub.store.tables import UtcDateTime

__all__ = ["JsonText", "insert_many", "update_many"]


class JsonbText(TypeDecorator[str]):
    """JSON text already serialised, written to a JSONB column (PostgreSQL)."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return cast(bindvalue, JSONB)


#: A bound snapshot that is JSON text already (:func:`hub.store.ingest.canonical_json`):
#: SQLite's JSON columns hold the text as is; PostgreSQL casts it to JSONB.
JsonText = Text().with_variant(JsonbText(), "postgresql")


def insert_many(
    conn: Connection, table: Table, rows: Iterable[dict[str, Any]], *, ignore: bool = False
) -> int:
    """INSERT ``rows`` (dicts of column values; ``snapshot_json``: the snapshot as JSON
    text; ``snapshot_of``: see :data:`_SNAPSHOT_KEYS`), each value bound as the column's
    SQLAlchemy type writes it (:func:`_driver_insert`), without SQLAlchemy's per-row
    handling. ``ignore``: ON CONFLICT DO NOTHING. Returns the rows inserted.

    Rows with the same keys go together: on SQLite (in-process) in one driver
    ``executemany``; on PostgreSQL in ONE statement (:func:`_pg_insert`) that takes
    each column as an array (binary: no quoting) and the snapshots as one JSON array:
    one round trip, and a short statement psycopg converts and the server plans once
    (psycopg's pipelined ``executemany`` ran a statement per row; a multi-row
    ``VALUES`` of 1,200 placeholders cost psycopg ~4 ms to convert each time). Rows
    keep their order, so a serial id grows with it (jobs: a dossier's events' order).
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    pg = conn.dialect.name == "postgresql"
    count = 0
    for keys, group in groups.items():
        sql, converters = _driver_insert(conn.dialect, table, keys, ignore)
        if not pg:
            count += conn.exec_driver_sql(sql, _sqlite_params(keys, converters, group)).rowcount
            continue
        columns = _pg_params(keys, converters, group)
        count += conn.exec_driver_sql(
            _pg_insert(conn.dialect, table, keys, ignore), tuple(columns)
        ).rowcount
    return count


def update_many(conn: Connection, table: Table, key: str, rows: list[dict[str, Any]]) -> int:
    """PostgreSQL: UPDATE the rows of ``table`` whose ``key`` column is each row's
    ``key``, setting its other keys (as :func:`insert_many` binds them), in one
    statement per set of keys. Each key value at most once. Returns the rows updated."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(k for k in row if k != key), []).append(row)
    count = 0
    for keys, group in groups.items():
        _sql, converters = _driver_insert(conn.dialect, table, (key, *keys), False)
        params = _pg_params((key, *keys), converters, group)
        sql = _pg_update(conn.dialect, table, key, keys)
        count += conn.exec_driver_sql(sql, tuple(params)).rowcount
    return count


def _pg_params(
    keys: tuple[str, ...], converters: tuple[Any, ...], group: list[dict[str, Any]]
) -> list[Any]:
    """The parameters of :func:`_pg_insert`'s or :func:`_pg_update`'s statement: per key
    an array of the rows' values, then (``snapshot_json``) one JSON array of snapshots."""
    columns: list[Any] = []
    snapshots = None
    for key, convert in zip(keys, converters, strict=True):
        values = [row[key] for row in group]
        if key == "snapshot_json":  # JSON texts: one JSON array, parsed once
            snapshots = "[" + ",".join(values) + "]"
            continue
        if convert is _utc:  # a list dumps as ONE type: a naive time is UTC already
            values = [None if v is None else _aware_utc(v) for v in values]
        elif convert is not None:
            values = [None if v is None else convert(v) for v in values]
        columns.append(values)
    if snapshots is not None:
        columns.append(snapshots)
    return columns


def _sqlite_params(
    keys: tuple[str, ...], converters: tuple[Any, ...], group: list[dict[str, Any]]
) -> list[Any]:
    """SQLite: each row's values in ``keys`` order, converted as the columns bind them.
    A batch's rows share their times (the ingest's ``now``): each distinct time is
    converted once (equal times give the same UTC text)."""
    get = operator.itemgetter(*keys)
    if len(keys) == 1:
        return [(get(row),) for row in group]
    converted = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    if not converted:
        return [get(row) for row in group]
    times: dict[Any, str] = {}
    params = []
    for row in group:
        values = list(get(row))
        for i, convert in converted:
            value = values[i]
            if value is None:
                continue
            if convert is sqlite_time:
                text = times.get(value)
                if text is None:
                    text = times[value] = sqlite_time(value)
                values[i] = text
            else:
                values[i] = convert(value)
        params.append(tuple(values))
    return params


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


def _aware_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=64)
def _driver_insert(
    dialect: Any, table: Table, keys: tuple[str, ...], ignore: bool
) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of ``keys`` into ``table`` in the driver's own SQL (one row), and per
    key the function that makes a value what the column's type would bind (None: as it
    is)."""
    names, marks, converters = _columns(dialect, table, keys)
    conflict = " ON CONFLICT DO NOTHING" if ignore else ""
    sql = f"INSERT INTO {_quote(dialect, table.name)} ({', '.join(names)}) VALUES ({marks})"
    return sql + conflict, tuple(converters)


@functools.lru_cache(maxsize=64)
def _pg_insert(dialect: Any, table: Table, keys: tuple[str, ...], ignore: bool) -> str:
    """PostgreSQL: the INSERT of any number of rows of ``keys``. Parameters: per key in
    order an array of the rows' values, except ``snapshot_json``: last, one JSON array
    of the snapshots (JSONB, each parsed once; its elements are the rows' snapshots)."""
    names, picks, source = _pg_rows(dialect, table, keys)
    sql = (
        f"INSERT INTO {_quote(dialect, table.name)} ({', '.join(names)})"
        f" SELECT {', '.join(picks)} FROM {source} ORDER BY u.n"
    )
    return sql + (" ON CONFLICT DO NOTHING" if ignore else "")


@functools.lru_cache(maxsize=64)
def _pg_update(dialect: Any, table: Table, key: str, keys: tuple[str, ...]) -> str:
    """PostgreSQL: the UPDATE of any number of rows by ``key``, setting ``keys``.
    Parameters as :func:`_pg_insert`'s for ``(key, *keys)``."""
    names, picks, source = _pg_rows(dialect, table, (key, *keys))
    sets = ", ".join(f"{n} = {p}" for n, p in zip(names[1:], picks[1:], strict=True))
    name = _quote(dialect, table.name)
    return f"UPDATE {name} SET {sets} FROM {source} WHERE {name}.{names[0]} = {picks[0]}"


def _pg_rows(dialect: Any, table: Table, keys: tuple[str, ...]) -> tuple[list[str], list[str], str]:
    """The columns of ``keys``, the expression of each row's value, and the rows' source:
    ``unnest`` of an array per key (``u``, ordinality ``n``), joined with the JSON array
    of snapshots (``s``) when ``snapshot_json`` is one of the keys."""
    names: list[str] = []
    arrays: list[str] = []
    fields: list[str] = []
    picks: list[str] = []
    snapshots = False
    for key in keys:
        column = table.c["snapshot" if key in _SNAPSHOT_KEYS else key]
        names.append(_quote(dialect, column.name))
        if key == "snapshot_json":
            snapshots = True
            picks.append("s.value")
            continue
        field = f"c{len(fields)}"
        fields.append(field)
        if key == "snapshot_of":
            arrays.append("%b::text[]")
            picks.append(f"(SELECT d.snapshot FROM dossiers AS d WHERE d.ma_ho_so = u.{field})")
            continue
        # Strings as text: the assignment to VARCHAR(n) refuses a longer value, where an
        # explicit cast to VARCHAR(n)[] would cut it short.
        kind = "TEXT" if isinstance(column.type, String) else column.type.compile(dialect=dialect)
        arrays.append(f"%b::{kind}[]")
        picks.append(f"u.{field}")
    source = f"unnest({', '.join(arrays)}) WITH ORDINALITY AS u({', '.join(fields)}, n)"
    if snapshots:
        source += (
            " JOIN jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS s(value, n) ON s.n = u.n"
        )
    return names, picks, source


#: Keys that stand for the ``snapshot`` column: ``snapshot_json``, the snapshot as JSON
#: text; ``snapshot_of``, a mã hồ sơ whose mirror row (written earlier in the same
#: transaction) holds the same snapshot already as JSONB.
_SNAPSHOT_KEYS = ("snapshot_json", "snapshot_of")


def _quote(dialect: Any, name: str) -> str:
    return str(dialect.identifier_preparer.quote(name))


def _columns(dialect: Any, table: Table, keys: tuple[str, ...]) -> tuple[list[str], str, list[Any]]:
    """The column names of ``keys``, one row's placeholders, and the converters."""
    pg = dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    names: list[str] = []
    marks: list[str] = []
    converters: list[Any] = []
    for key in keys:
        column = table.c["snapshot" if key in _SNAPSHOT_KEYS else key]
        names.append(_quote(dialect, column.name))
        if key == "snapshot_of":  # PostgreSQL: the mirror's snapshot of this mã hồ sơ
            marks.append(f"(SELECT d.snapshot FROM dossiers AS d WHERE d.ma_ho_so = {mark})")
            converters.append(None)
            continue
        if key == "snapshot_json":  # JSON text already: SQLite keeps it as is
            marks.append(f"CAST({mark} AS JSONB)" if pg else mark)
            converters.append(None)
            continue
        marks.append(mark)
        if isinstance(column.type, UtcDateTime):
            converters.append(_utc if pg else sqlite_time)
        else:
            converters.append(column.type.dialect_impl(dialect).bind_processor(dialect))
    return names, ", ".join(marks), converters
