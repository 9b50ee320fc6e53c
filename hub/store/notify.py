"""Waking workers on PostgreSQL: NOTIFY when jobs become due, LISTEN in the worker.

A transaction that makes jobs due (ingest, an operator's re-run, skip or cancel, which
can free a dossier's later jobs) sends ``NOTIFY tthc_hub_jobs`` (:func:`notify_jobs`);
PostgreSQL delivers it when, and only if, the transaction commits. A worker in another
process (``tthc-hub worker`` beside ``tthc-hub serve --no-worker``) keeps one
connection that LISTENs on the channel (:func:`listen_for_jobs`) and wakes at once
instead of at its next poll. Polling stays: it is what finds retries whose time has
come and expired leases, and it covers a listener that lost its connection (it is
opened again with a growing pause, and the worker is woken once it listens again, for
anything committed meanwhile). A notification carries nothing: it only says "claim".
Every schema of a database shares the channel; a wake-up from another hub's schema
costs one claim that finds nothing. SQLite has no such thing: a worker in the API's
process is woken in-process (``Worker.notify``), another polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text

from hub.logging import get_logger

__all__ = ["CHANNEL", "listen_for_jobs", "notify_jobs"]

CHANNEL = "tthc_hub_jobs"
_NOTIFY = text(f"NOTIFY {CHANNEL}")
#: Pauses before the listener connects again after losing its connection.
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 30.0

log = get_logger("hub.worker")


def notify_jobs(conn: Any) -> None:
    """Inside a write transaction that made jobs due: wake listening workers at commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY)


def _conninfo(engine: Engine) -> str:
    """The engine's URL as psycopg takes it (its query, e.g. ``options``, kept)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen_for_jobs(engine: Engine, wake: Callable[[], None], name: str = "") -> None:
    """LISTEN on :data:`CHANNEL` and call ``wake()`` for each notification, until
    cancelled; a lost connection is opened again (logged, growing pause). ``wake()`` is
    also called each time listening (re)starts. The connection's ``application_name``
    is ``tthc-hub listener <name>`` (``pg_stat_activity`` shows who listens)."""
    import psycopg

    pause = RECONNECT_FIRST_SECONDS
    app = f"tthc-hub listener {name}"[:63]
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(
                _conninfo(engine), autocommit=True, application_name=app
            )
            async with conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                log.debug("jobs_listener_listening", channel=CHANNEL)
                pause = RECONNECT_FIRST_SECONDS
                wake()  # whatever was committed while nobody listened
                async for _ in conn.notifies():
                    wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            from hub.masking import mask_text

            log.warning(
                "jobs_listener_lost",
                error=f"{type(exc).__name__}: {mask_text(str(exc))[:300]}",
                retry_in_seconds=pause,
            )
            await asyncio.sleep(pause)
            pause = min(RECONNECT_MAX_SECONDS, pause * 2)
