"""What the delivery benchmark's orchestrator and its child processes share.

* the payloads: N received-dossier events per connector, deterministic, so the raw
  clients and the hub send exactly the same dossiers;
* the hub's settings for a run (one connector, one database, default worker settings);
* the processes: mock servers, the hub's API, measured children speaking a line
  protocol (``BENCH ready`` / ``go`` / ``BENCH {json}``), and their CPU and peak
  memory read from ``/proc``;
* the databases: a fresh PostgreSQL schema (:func:`pg_schema`, dropped afterwards);
  job counts and ack times read with the plain drivers (no SQLAlchemy engine, whose
  SQLite ``BEGIN IMMEDIATE`` would take the worker's write lock).

Not part of the hub: nothing under ``hub/`` imports this.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # this tree's hub, connectors and mocks, before any other
    sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
CHILD = Path(__file__).resolve().with_name("_bench_child.py")
PG_URL = (
    os.environ.get("TTHC_HUB_BENCH_PG_URL")
    or os.environ.get("TTHC_HUB_TEST_PG_URL")  # the test suite's, if set
    or "postgresql://postgres@127.0.0.1:5432/test"
)
#: The key both mocks are started with, and the connectors configured with.
MOCK_KEY = "bench-key"
#: The province's unit code MONRE is told (no connector defaults to one; the samples' agency).
MA_DON_VI = "000.00.22.H34"
#: Final job states (the drain is over when every job is in one of these).
FINAL_STATES = ("succeeded", "dead", "skipped", "cancelled")
TICK = os.sysconf("SC_CLK_TCK")

# --- payloads -------------------------------------------------------------------

#: Per connector: a procedure the route names (national code) and the catalog knows.
CONNECTORS: dict[str, dict[str, Any]] = {
    "molisa": {"route": ["1.001776", "1.001731"], "ma_tthc": None},
    "monre": {
        "route": ["1.011516"],
        "ma_tthc": "1.011516.H34",
        "ten_tthc": "Đăng ký khai thác sử dụng nước mặt, nước biển",
        "ten_linh_vuc": "Tài nguyên nước",
    },
}
MAX_EVENTS = 9999  # the NNNN of a mã hồ sơ: distinct dossiers per set


def make_events(connector: str, n: int, tag: str = "bench") -> list[Any]:
    """``n`` "received" events (TiepNhan, status 2), one per distinct dossier.

    The same (connector, n, tag) gives the same events in every process. MOLISA gets
    the social-assistance samples; MONRE the same dossiers as a water-use procedure
    (as tests/connectors/test_monre_conformance.py builds them).
    """
    from hub.models import EventType, Status
    from hub.testing.samples import sample_dossier, sample_event

    if n > MAX_EVENTS:
        raise SystemExit(f"at most {MAX_EVENTS} events per set (the NNNN of a mã hồ sơ)")
    spec = CONNECTORS[connector]
    out = []
    for i in range(n):
        dossier = sample_dossier(
            random.Random(f"{tag}:{connector}:{i}"), status=Status.DUOC_TIEP_NHAN, seq=i + 1
        )
        if spec["ma_tthc"]:
            dossier = dossier.model_copy(
                update={k: spec[k] for k in ("ma_tthc", "ten_tthc", "ten_linh_vuc")}
            )
        out.append(sample_event(dossier, EventType.RECEIVED, seq=1))
    return out


def settings_json(database_url: str, connector: str, mock_url: str) -> str:
    """The hub's settings for one row: default worker settings, one routed connector."""
    from hub.settings import HubSettings, RouteRule

    section: dict[str, Any] = {"base_url": mock_url}
    section["accept_key" if connector == "molisa" else "access_key"] = MOCK_KEY
    if connector == "monre":
        section["ma_don_vi"] = MA_DON_VI
    return HubSettings(
        database_url=database_url,
        log_format="json",
        log_level="ERROR",
        routes=[RouteRule(connector=connector, ma_tthc=CONNECTORS[connector]["route"])],
        connectors={connector: section},
    ).model_dump_json()


def worker_concurrency() -> int:
    from hub.settings import WorkerSettings

    return WorkerSettings().concurrency


# --- measuring a process ----------------------------------------------------------


def proc_cpu(pid: int) -> float:
    """utime + stime of a live process, in seconds (every thread)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def self_usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of this process so far.

    The peak is the kernel's high-water mark of this process's own memory (``VmHWM``),
    not ``ru_maxrss``: Linux carries ``ru_maxrss`` across ``execve``, and a child that
    ``subprocess`` starts (vfork, then exec) begins with its parent's peak. A worker
    started by this bench after it built 100,000 events reported the bench's 149 MB
    as its own (its own peak was 116 MB)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    peak = proc_peak_rss_mb(os.getpid()) if sys.platform == "linux" else r.ru_maxrss / 1024
    return r.ru_utime + r.ru_stime, peak


@dataclass
class CpuWindow:
    """CPU seconds a set of processes used between start() and stop()."""

    pids: list[int]
    _start: dict[int, float] = field(default_factory=dict)
    used: float = 0.0

    def start(self) -> CpuWindow:
        self._start = {p: proc_cpu(p) for p in self.pids}
        return self

    def stop(self) -> float:
        self.used = sum(proc_cpu(p) - self._start[p] for p in self.pids)
        return self.used


@dataclass
class MachineWindow:
    """How busy the whole machine was between start() and stop(), in % of all its cores:
    the mock, the hub, PostgreSQL and anything else running (another job on the box)."""

    _start: tuple[int, int] = (0, 0)
    busy_pct: float = 0.0

    @staticmethod
    def _sample() -> tuple[int, int]:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = ticks[3] + ticks[4]  # idle + iowait
        total = sum(ticks[:8])  # user nice system idle iowait irq softirq steal
        return total - idle, total

    def start(self) -> MachineWindow:
        self._start = self._sample()
        return self

    def stop(self) -> float:
        busy, total = self._sample()
        elapsed = total - self._start[1]
        self.busy_pct = 100 * (busy - self._start[0]) / elapsed if elapsed else 0.0
        return self.busy_pct


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and max of durations given in seconds, in milliseconds."""
    if not seconds:
        return {}
    ms = sorted(s * 1000 for s in seconds)
    p99 = statistics.quantiles(ms, n=100, method="inclusive")[98] if len(ms) > 1 else ms[0]
    return {"p50_ms": statistics.median(ms), "p99_ms": p99, "max_ms": ms[-1]}


# --- processes ------------------------------------------------------------------------


def child_env(workdir: Path) -> dict[str, str]:
    """The environment of every child: no TTHC_HUB_* from the caller, this tree first on
    the path, and an empty config file so a ``tthc-hub.toml`` lying around is not read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    empty = workdir / "empty.toml"
    empty.touch()
    env["TTHC_HUB_CONFIG"] = str(empty)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Child:
    """A child process speaking the bench's line protocol on stdin/stdout.

    The child prints ``BENCH <json>`` lines (anything else on stdout is ignored);
    the parent writes command lines (``go``, ``stop``).
    """

    def __init__(self, argv: list[str], workdir: Path, name: str) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(workdir),
            cwd=workdir,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read(self) -> Any:
        """The next ``BENCH`` message; raises if the child exits first."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("BENCH "):
                return json.loads(line[6:])
        code = self.proc.wait()
        raise RuntimeError(f"{self.name} (pid {self.pid}) exited with {code} before answering")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self, timeout: float = 10.0) -> None:
        """Ask it to end (stdin closed), then kill it if it lingers."""
        if self.proc.poll() is None:
            with suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def measured_child(role: str, spec: dict[str, Any], workdir: Path, name: str) -> Child:
    return Child([sys.executable, str(CHILD), role, json.dumps(spec)], workdir, name)


class Server(Child):
    """A server child (mock or hub API): it answers ``BENCH {"url": ...}`` once listening
    (``url`` waits for that, so several servers can start at once)."""

    def __init__(self, role: str, spec: dict[str, Any], workdir: Path, name: str) -> None:
        super().__init__([sys.executable, str(CHILD), role, json.dumps(spec)], workdir, name)

    @cached_property
    def url(self) -> str:
        return str(self.read()["url"])

    def peak_rss_mb(self) -> float:
        return proc_peak_rss_mb(self.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Mock(Server):
    """A bundled ministry mock (hook ``register_mocks``) in its own process."""

    def __init__(self, connector: str, workdir: Path) -> None:
        super().__init__("mock", {"name": connector, "key": MOCK_KEY}, workdir, f"{connector} mock")
        self.connector = connector

    @cached_property
    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, trust_env=False)

    def reset(self, *, delay_seconds: float = 0.0) -> None:
        """Empty state and counters; with a delay, every call is answered that much later."""
        self.admin.post("/_mock/reset").raise_for_status()
        if delay_seconds:
            fault = {"kind": "slow", "rate": 1.0, "delay_seconds": delay_seconds, "count": None}
            self.admin.post("/_mock/faults", json={"faults": [fault]}).raise_for_status()

    def stats(self) -> dict[str, Any]:
        r = self.admin.get("/_mock/stats")
        r.raise_for_status()
        return dict(r.json())

    def check(self, n: int) -> list[str]:
        """What is wrong with the mock's view after n distinct dossiers were each sent once."""
        s = self.stats()
        problems = []
        if s["accepted"] != n:
            problems.append(f"the {self.connector} mock applied {s['accepted']} writes, not {n}")
        if s["records"] != n:
            problems.append(f"the {self.connector} mock holds {s['records']} dossiers, not {n}")
        if s["duplicates"]:
            problems.append(f"the {self.connector} mock saw {s['duplicates']} duplicate sends")
        if s["contract_violations"]:
            first = s["contract_violations"][0]
            problems.append(
                f"the {self.connector} mock saw {len(s['contract_violations'])} contract "
                f"violations, first: {first}"
            )
        return problems

    def stop(self) -> None:
        if "admin" in self.__dict__:
            self.admin.close()
        super().stop()


# --- databases ---------------------------------------------------------------------------


def pg_unavailable() -> str | None:
    """None when PostgreSQL answers at PG_URL, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:
        reason = " ".join(str(exc).split())
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {reason}"
    return None


@contextmanager
def pg_schema() -> Iterator[str]:
    """A database URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class Db:
    """Queries on the hub's database: SQLite through sqlite3 (read-only), PG through psycopg."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            self._conn: Any = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            self.pg = False
        else:
            import psycopg
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
            options = parsed.query.get("options")
            conninfo = parsed.set(query={}).render_as_string(hide_password=False)
            conninfo = conninfo.replace("postgresql+psycopg://", "postgresql://")
            self._conn = psycopg.connect(conninfo, options=options, autocommit=True)
            self.pg = True

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        cur = self._conn.execute(sql)
        return list(cur.fetchall())

    def execute(self, sql: str) -> None:
        """A statement that returns no rows (autocommitted)."""
        self._conn.execute(sql)

    def scalar(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def job_counts(self) -> dict[str, int]:
        return {s: int(c) for s, c in self.rows("SELECT state, count(*) FROM jobs GROUP BY state")}

    def finished_at(self) -> dict[str, float]:
        """event id -> the wall-clock time (epoch seconds) its job was acknowledged."""
        rows = self.rows("SELECT event_id, finished_at FROM jobs WHERE finished_at IS NOT NULL")
        return {event_id: epoch(at) for event_id, at in rows}

    def call_started(self) -> dict[str, float]:
        """event id -> the seconds from its ingest (the job's ``created_at``, the time of
        the ingest's transaction) to the start of its first call (``attempts.started_at``):
        the API's own rest of the request, the worker's wake-up and its claim."""
        rows = self.rows(
            "SELECT j.event_id, j.created_at, min(a.started_at) FROM jobs j"
            " JOIN attempts a ON a.job_id = j.id GROUP BY j.event_id, j.created_at"
        )
        return {event_id: epoch(started) - epoch(created) for event_id, created, started in rows}

    def last_finished(self) -> float | None:
        at = self.scalar("SELECT max(finished_at) FROM jobs")
        return None if at is None else epoch(at)

    def close(self) -> None:
        self._conn.close()


def epoch(value: Any) -> float:
    """A stored UTC timestamp (a datetime, or SQLite's text) as epoch seconds."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def wait_for_jobs(db: Db, n: int, *, timeout: float, poll: float = 0.05) -> dict[str, int]:
    """Poll until n jobs are in a final state; give up after ``timeout`` seconds without
    progress. Returns the last counts."""
    last_done, last_change = -1, time.monotonic()
    while True:
        counts = db.job_counts()
        done = sum(counts.get(s, 0) for s in FINAL_STATES)
        if done >= n:
            return counts
        if done != last_done:
            last_done, last_change = done, time.monotonic()
        elif time.monotonic() - last_change > timeout:
            raise TimeoutError(f"no job finished for {timeout:.0f} s; job counts {counts}")
        time.sleep(poll)


def check_jobs(db: Db, n: int) -> list[str]:
    """What is wrong after n jobs should each have succeeded with exactly one attempt."""
    problems = []
    counts = db.job_counts()
    if counts != {"succeeded": n}:
        problems.append(f"job states {counts}, expected {{'succeeded': {n}}}")
    attempts = int(db.scalar("SELECT count(*) FROM attempts"))
    if attempts != n:
        problems.append(f"{attempts} attempts recorded for {n} jobs (expected one each)")
    return problems


# --- the record of a run -------------------------------------------------------------------


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=ROOT, check=False
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def machine() -> dict[str, Any]:
    import platform

    model = ""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        **idle_states(),
    }


def idle_states() -> dict[str, Any]:
    """How the cores idle (Linux cpuidle): the driver and its states, and the guest's
    halt-polling window under ``haltpoll``. A core that halts between events wakes
    slower, and its caches are colder, the longer it slept: the latency rows' low-rate
    p50 carries that (docs/performance.md, "One job at a time")."""
    base = Path("/sys/devices/system/cpu")
    found: dict[str, Any] = {}
    with suppress(OSError):
        found["cpuidle_driver"] = (base / "cpuidle" / "current_driver").read_text().strip()
    with suppress(OSError):
        states = sorted((base / "cpu0" / "cpuidle").glob("state*"), key=lambda s: int(s.name[5:]))
        found["cpuidle_states"] = [(s / "name").read_text().strip() for s in states]
    with suppress(OSError):
        poll = Path("/sys/module/haltpoll/parameters/guest_halt_poll_ns").read_text()
        found["guest_halt_poll_ns"] = int(poll)
    return found


def idle_label(m: dict[str, Any]) -> str:
    """``; cores idle: haltpoll (guest polls 0 ns)`` for a results header, or ``""``."""
    if "cpuidle_driver" not in m:
        return ""
    poll = m.get("guest_halt_poll_ns")
    return f"; cores idle: {m['cpuidle_driver']}" + (
        f" (guest polls {poll} ns before halting)" if poll is not None else ""
    )
