"""Engines and schema upgrades: SQLite (WAL) by default, PostgreSQL (psycopg 3) by URL.

A database the hub cannot use is a :class:`~hub.errors.ConfigError` with one line that
says why (the CLI prints it and exits 2): an unsupported scheme, a SQLite file whose
folder does not exist (the hub never creates folders), a database it cannot open or
reach (:func:`database_errors`), one it can read but not write (:func:`check_writable`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, inspect, text
from sqlalchemy.engine import URL, make_url

from hub.errors import ConfigError

__all__ = [
    "SUPPORTED_SCHEMES",
    "check_writable",
    "database_errors",
    "make_engine",
    "schema_is_current",
    "sqlite_path",
    "upgrade_schema",
]

MIGRATIONS = Path(__file__).parent / "migrations"

#: URL schemes the hub runs on (``postgres`` and ``postgresql`` both mean psycopg 3).
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")
_SCHEME_ALIASES = {"sqlite+pysqlite": "sqlite"}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; ``postgresql://`` URLs use psycopg 3. Nothing is created:
    the first connection opens (or creates) a SQLite file in a folder that must exist."""
    try:
        parsed = make_url(url)
    except Exception as error:
        raise ConfigError(f"database_url is not a valid database URL: {error}") from error
    scheme = _SCHEME_ALIASES.get(parsed.drivername, parsed.drivername)
    if scheme not in SUPPORTED_SCHEMES:
        raise ConfigError(
            f"database_url: the scheme {parsed.drivername!r} is not supported; "
            "use sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"
        )
    if scheme in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_folder(parsed)
        engine = create_engine(
            parsed, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock at
        # BEGIN instead so a read-then-write transaction cannot deadlock (SQLAlchemy docs).
        # A connection marked ``hub_read`` (Store.read) only reads: a deferred BEGIN,
        # which in WAL mode neither waits for writers nor makes them wait.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (``sqlite:///x.db``, ``sqlite:///file:x.db?mode=ro&uri=true``),
    or None for an in-memory database."""
    database = url.database or ""
    uri = str(url.query.get("uri", "")).lower() in ("true", "1")
    if uri:
        if url.query.get("mode") == "memory":
            return None
        database = database.removeprefix("file:").split("?", 1)[0]
        database = database.removeprefix("//") if database.startswith("///") else database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _check_sqlite_folder(url: URL) -> None:
    path = sqlite_path(url)
    if path is None:
        return
    folder = path.absolute().parent
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise ConfigError(f"database_url: {existing} is a file, not a folder")
    if existing != folder:
        raise ConfigError(
            f"database_url: the folder {folder} does not exist (the hub does not create it)"
        )
    if path.is_dir():
        raise ConfigError(f"database_url: {path} is a folder, not a database file")
    if not path.exists() and not os.access(folder, os.W_OK):
        raise ConfigError(f"database_url: the folder {folder} is not writable")


def _describe(engine: Engine) -> str:
    """Which database, without its password: ``the SQLite file /x.db``, ``PostgreSQL at h:p/db``."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        return f"the SQLite file {path}" if path else "the in-memory SQLite database"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """A database that cannot be opened or reached (no server on that port, a file that
    cannot be opened, a wrong password) becomes a one-line ConfigError naming it."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as error:
        raise ConfigError(
            f"database_url: cannot use {_describe(engine)}: {_first_line(error)}"
        ) from error


def check_writable(engine: Engine) -> None:
    """Write to the database in a transaction that is rolled back, or raise a ConfigError:
    a server must not start answering and then fail every write (a read-only file,
    ``?mode=ro``, a read-only PostgreSQL replica or role). Needs the schema."""
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            transaction.rollback()
    except exc.DBAPIError as error:
        raise ConfigError(
            f"database_url: {_describe(engine)} cannot be written: {_first_line(error)}"
        ) from error


def _first_line(error: exc.DBAPIError) -> str:
    cause = error.orig if error.orig is not None else error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _sqlite_begin(conn: Any) -> None:
    read = conn.get_execution_options().get("hub_read", False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_schema(engine: Engine, revision: str = "heads") -> None:
    """Apply the Alembic migrations up to ``revision`` (default: every branch head, so
    features that add tables independently from the same parent all apply)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(engine))
    if "alembic_version" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return set(current) == set(script.get_heads())
