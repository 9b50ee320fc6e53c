"""The delivery benchmark's plumbing: one run's processes, databases and rows
(``Bench`` in bench/_bench_rows.py adds the rows themselves), and the helpers the rows
share. The rows are documented in bench/delivery_bench.py's docstring."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _bench_profile import PROFILES, Sampler, slug
from _bench_util import (
    Child,
    Db,
    Mock,
    Server,
    measured_child,
    pg_schema,
    settings_json,
    worker_concurrency,
)

WARMUP = 20  # latency rows: events sent first, not counted
SPLIT_POLL = 0.005  # the split latency row's worker.poll_seconds (a claim is one index probe)
STALL_SECONDS = 120  # a drain with no job finishing for this long is an error


class BenchBase:
    """One run: its processes, temporary files, rows and problems."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.n: int = args.events
        self.concurrency = worker_concurrency()
        self.rows: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.skipped: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="tthc-bench-")
        self.tmp = Path(self._tmp.name)
        self._children: list[Child] = []
        self.mocks: dict[str, Mock] = {}
        self._stack = ExitStack()  # this run's PostgreSQL schema, dropped by close()
        self._pg_url: str | None = None
        self._sqlite_template: Path | None = None
        self.profiles: Path | None = None
        if args.profile:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            self.profiles = PROFILES / stamp
            self.profiles.mkdir(parents=True, exist_ok=True)

    # --- plumbing --------------------------------------------------------------------

    def child(self, role: str, spec: dict[str, Any], name: str) -> Child:
        c = measured_child(role, spec, self.tmp, name)
        self._children.append(c)
        return c

    def server(self, role: str, spec: dict[str, Any], name: str) -> Server:
        s = Server(role, spec, self.tmp, name)
        self._children.append(s)
        s.url  # noqa: B018 (wait until it listens)
        return s

    def start_mocks(self) -> None:
        for name in ("molisa", "monre"):  # both start at once; .url waits for each
            self.mocks[name] = mock = Mock(name, self.tmp)
            self._children.append(mock)
        for mock in self.mocks.values():
            mock.reset()

    def end_children(self, keep: int = 0) -> None:
        """Stop the children started after the first ``keep`` (all by default)."""
        while len(self._children) > keep:
            c = self._children.pop()
            with suppress(Exception):
                (c.stop if isinstance(c, Server) else c.close)()

    def close(self) -> None:
        self.end_children()
        try:
            self._stack.close()
        finally:
            self._tmp.cleanup()

    def row(
        self, section: str, name: str, run: Callable[[], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Run one row; an exception or a failed check is a problem, not the end of the run.
        A row of a section ``--only`` leaves out is not run (None)."""
        if not self.wants(section):
            return None
        print(f"  {section:9} {name} ...", end="", flush=True)
        started, before = time.perf_counter(), len(self._children)
        try:
            figures = run()
        except Exception as exc:
            traceback.print_exc()
            figures = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            self.end_children(keep=before)  # none lingers into the next row
        row = {"section": section, "name": name, **figures}
        problems = row.get("problems", [])
        if "error" in row:
            problems = [row["error"], *problems]
        self.problems += [f"{section} {name}: {p}" for p in problems]
        self.rows.append(row)
        status = "FAILED" if problems else "ok"
        print(f" {status} ({time.perf_counter() - started:.1f} s)", flush=True)
        return row

    def skip(self, row: str, reason: str | None) -> bool:
        """False (and noted) when there is a reason to skip the row; True to run it."""
        if reason:
            self.skipped.append(f"{row} ({reason})")
        return not reason

    def wants(self, section: str) -> bool:
        """Whether ``--only`` (default: every section) includes ``section``."""
        return not self.args.only or section in self.args.only

    def profiled(self, spec: dict[str, Any], name: str) -> dict[str, Any]:
        """``spec`` with the cProfile prefix of this process, under ``--profile cprofile``."""
        if self.profiles is not None and self.args.profile == "cprofile":
            return {**spec, "profile": str(self.profiles / slug(name))}
        return spec

    def samplers(self, children: list[Child], names: list[str]) -> list[Sampler]:
        """py-spy attached to each child, under ``--profile py-spy``."""
        if self.profiles is None or self.args.profile != "py-spy":
            return []
        return [
            Sampler(c.pid, self.profiles / slug(n)) for c, n in zip(children, names, strict=True)
        ]

    def find(self, section: str, name: str) -> dict[str, Any] | None:
        return next((r for r in self.rows if r["section"] == section and r["name"] == name), None)

    def ratio(self, row: dict[str, Any] | None, section: str, name: str) -> None:
        ref = self.find(section, name)
        if row and ref and ref.get("rate") and row.get("rate"):
            row["ratio"] = row["rate"] / ref["rate"]
            row["ratio_to"] = f"{section} {name}"

    def database(self, kind: str, label: str) -> str:
        """An empty, migrated database for one row (migrations run once per run, not per
        row: a fresh process start is slow enough). SQLite: a copy of a migrated file;
        PostgreSQL: this run's schema, every table emptied."""
        if kind == "sqlite":
            if self._sqlite_template is None:
                self._sqlite_template = self.tmp / "template.db"
                migrate(f"sqlite:///{self._sqlite_template}")
            path = self.tmp / f"{label}.db"
            shutil.copyfile(self._sqlite_template, path)
            return f"sqlite:///{path}"
        if self._pg_url is None:
            self._pg_url = self._stack.enter_context(pg_schema())
            migrate(self._pg_url)
        empty_tables(self._pg_url)
        return self._pg_url


def wait_for_mock(mock: Any, n: int, t0: float, poll: float = 0.02) -> float:
    """Seconds from ``t0`` until the mock has applied ``n`` writes (a stall is an error)."""
    last, last_change = -1, time.perf_counter()
    while True:
        accepted = mock.stats()["accepted"]
        now = time.perf_counter()
        if accepted >= n:
            return now - t0
        if accepted != last:
            last, last_change = accepted, now
        elif now - last_change > STALL_SECONDS:
            raise RuntimeError(f"the mock applied {accepted} of {n} writes, then nothing")
        time.sleep(poll)


def peers_unavailable(role: str, pg_reason: str | None) -> str | None:
    """Why a peer row cannot run here (its package, its broker or database), or None."""
    import importlib.util

    package = {"peer-celery": "celery", "peer-procrastinate": "procrastinate"}[role]
    if importlib.util.find_spec(package) is None:
        return f"{package} is not installed: pip install -e '.[bench]'"
    if role == "peer-procrastinate":
        return pg_reason
    from _bench_peers import REDIS_URL

    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} does not answer: {type(exc).__name__}"
    return None


def with_worker(settings: str, **changes: Any) -> str:
    """``settings`` (JSON) with some worker settings changed."""
    from hub.settings import HubSettings

    hub = HubSettings.model_validate_json(settings)
    worker = hub.worker.model_copy(update=changes)
    return hub.model_copy(update={"worker": worker}).model_dump_json()


def migrate(url: str) -> None:
    with open_hub(settings_json(url, "molisa", "http://127.0.0.1:9")):
        pass


def empty_tables(url: str) -> None:
    """Every table of the hub's schema emptied (ids restarted); the schema version kept."""
    db = Db(url)
    try:
        tables = [
            name
            for (name,) in db.rows(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
            if name != "alembic_version"
        ]
        db.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        db.close()


@contextmanager
def open_hub(settings: str) -> Iterator[Any]:
    """A hub in this process (schema migrated), to put events in the store as the API
    would, outside any clock."""
    from hub.logging import setup_logging
    from hub.service import Hub
    from hub.settings import HubSettings

    parsed = HubSettings.model_validate_json(settings)
    setup_logging(parsed.log_format, parsed.log_level)
    hub = Hub(parsed)
    try:
        yield hub
    finally:
        hub.engine.dispose()


async def post_steadily(
    url: str,
    bodies: list[dict[str, Any]],
    rate: float,
    *,
    path: str = "/api/v1/events",
    status: int = 202,
    ids: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, float], list[float], int]:
    """POST one body every 1/rate s on a fixed schedule, each in its own task (open loop).

    Returns id -> the wall-clock time its request was first sent (``ids``, else each
    body's ``id``), the request times, and how many requests had to be sent again.
    ``path``, ``status``: where to post and the answer expected (the hub's ingest, or a
    mock for the raw baseline); ``headers``: sent with every request, plus an
    ``Idempotency-Key`` of the body's id when posting elsewhere than the ingest.
    """
    sent: dict[str, float] = {}
    times: list[float] = []
    resent: list[str] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    keys = ids or [body["id"] for body in bodies]
    keyed = path != "/api/v1/events"
    async with httpx.AsyncClient(
        base_url=url, timeout=60, trust_env=False, limits=limits, headers=headers
    ) as client:

        async def post(key: str, body: dict[str, Any]) -> None:
            sent[key] = time.time()
            t0 = time.perf_counter()
            extra = {"Idempotency-Key": key} if keyed else None
            for attempt in (1, 2, 3):
                try:
                    r = await client.post(path, json=body, headers=extra)
                    break
                except httpx.TransportError:
                    # A kept-alive connection the server closed as we sent (uvicorn's
                    # keep-alive timeout): re-send; the hub takes an event id once.
                    if attempt == 3:
                        raise
                    resent.append(key)
            times.append(time.perf_counter() - t0)
            if r.status_code != status:
                raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:300]}")

        start = time.perf_counter() + 0.05
        tasks = []
        for i, (key, body) in enumerate(zip(keys, bodies, strict=True)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(key, body)))
        await asyncio.gather(*tasks)
    return sent, times, len(resent)
