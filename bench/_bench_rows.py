"""The rows of the delivery benchmark (documented in bench/delivery_bench.py's docstring):
raw clients, the hub's delivery, the peers, ingest, latency and start-up. The scale-out
and long-run rows are in bench/_bench_long.py."""

from __future__ import annotations

import asyncio
import functools
import json
import statistics
import subprocess
import time
from contextlib import ExitStack
from typing import Any

import httpx
from _bench_base import (
    SPLIT_POLL,
    STALL_SECONDS,
    WARMUP,
    open_hub,
    post_steadily,
    wait_for_mock,
    with_worker,
)
from _bench_long import LockWatch, LongRows, claim_figures
from _bench_util import (
    MOCK_KEY,
    CpuWindow,
    Db,
    MachineWindow,
    check_jobs,
    child_env,
    make_events,
    percentiles_ms,
    pg_schema,
    settings_json,
    wait_for_jobs,
)

#: The content type of a body encoded beforehand (httpx's ``json=`` sets it itself).
_JSON = {"content-type": "application/json"}


def _json_body(value: Any) -> bytes:
    """``value`` encoded as httpx's ``json=`` encodes it (httpx._content.encode_json)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class Bench(LongRows):
    """One run with every row."""

    # --- raw ---------------------------------------------------------------------------

    def raw(
        self, role: str, connector: str, *, clients: int = 1, delay: float = 0.0, n: int = 0
    ) -> Any:
        n = n or self.n

        def run() -> dict[str, Any]:
            mock = self.mocks[connector]
            mock.reset(delay_seconds=delay)
            spec = {
                "url": mock.url,
                "n": n,
                "tag": "bench",
                "concurrency": self.concurrency,
                "clients": clients,
            }
            label = f"raw {role} {clients}x{self.concurrency}{' slow' if delay else ''}"
            child = self.child(role, self.profiled(spec, label), f"raw {connector}")
            child.read()  # ready
            samplers = self.samplers([child], [label])
            window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
            t0 = time.perf_counter()
            child.send("go")
            result = child.read()
            mock_wall = time.perf_counter() - t0
            for s in samplers:
                s.stop()
            window.stop()
            box.stop()
            child.close()
            return {
                "n": n,
                "in_flight": self.concurrency * clients,
                "rate": n / result["elapsed"],
                "elapsed_s": result["elapsed"],
                "cpu_s": result["cpu_s"],
                "cpu_pct": 100 * result["cpu_s"] / result["elapsed"],
                "cpu_ms_per_job": 1000 * result["cpu_s"] / n,
                "peak_rss_mb": result["peak_rss_mb"],
                "mock_cpu_pct": 100 * window.used / mock_wall,
                "box_pct": box.busy_pct,
                **{k: result[k] for k in ("p50_ms", "p99_ms", "max_ms")},
                "problems": mock.check(n),
            }

        return run

    # --- delivery ------------------------------------------------------------------------

    def delivery(
        self, connector: str, kind: str, workers: int, delay: float = 0.0, n: int = 0
    ) -> Any:
        """On PostgreSQL, the row also counts the workers' claims and samples lock waits."""
        n = n or self.n
        watch = kind == "pg"

        def run() -> dict[str, Any]:
            mock = self.mocks[connector]
            mock.reset(delay_seconds=delay)
            url = self.database(kind, f"delivery-{connector}-{workers}")
            settings = settings_json(url, connector, mock.url)
            with open_hub(settings) as hub:
                labels = [
                    f"delivery {connector} {kind} {'slow ' if delay else ''}w{i + 1}of{workers}"
                    for i in range(workers)
                ]
                spec = {"settings": settings, "count_claims": watch}
                children = [
                    self.child("worker", self.profiled(spec, label), label) for label in labels
                ]  # they start up while we ingest; none claims before "go"
                events = make_events(connector, n, "bench")
                for i in range(0, len(events), 500):
                    hub.store.ingest(events[i : i + 500], hub.router.targets)
            for c in children:
                c.read()  # ready: hub built, connectors loaded, schema current
            db = Db(url)
            samplers = self.samplers(children, labels)
            locks = LockWatch(url).start() if watch else None
            try:
                window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
                t0, go = time.perf_counter(), time.time()
                for c in children:
                    c.send("go")
                wait_for_jobs(db, n, timeout=STALL_SECONDS)
                for s in samplers:
                    s.stop()
                mock_wall = time.perf_counter() - t0
                window.stop()
                box.stop()
                contention = locks.stop() if locks else {}
                for c in children:
                    c.send("stop")
                results = [c.read() for c in children]
                for c in children:
                    c.close()
                last = db.last_finished()
                elapsed = (last or time.time()) - go
                calls = [r[0] / 1000 for r in db.rows("SELECT duration_ms FROM attempts")]
                problems = check_jobs(db, n) + mock.check(n)
            finally:
                db.close()
                if locks:
                    locks.stop()  # once: a second stop returns at once
            cpu = sum(r["cpu_s"] for r in results)
            rss = [r["peak_rss_mb"] for r in results]
            return {
                "n": n,
                "workers": workers,
                "in_flight": self.concurrency * workers,
                "rate": n / elapsed,
                "elapsed_s": elapsed,
                "cpu_s": cpu,
                "cpu_ms_per_job": 1000 * cpu / n,
                "cpu_pct": 100 * sum(r["cpu_s"] / r["elapsed"] for r in results),
                "peak_rss_mb": max(rss),
                "peak_rss_mb_each": rss,
                "mock_cpu_pct": 100 * window.used / mock_wall,
                "box_pct": box.busy_pct,
                "worker_stats": [r["stats"] for r in results],
                **percentiles_ms(calls),
                **claim_figures(results, elapsed),
                **contention,
                "problems": problems,
            }

        return run

    # --- peers (bench/_bench_peers.py) -----------------------------------------------------

    def peer(self, role: str) -> Any:
        def run() -> dict[str, Any]:
            mock = self.mocks["molisa"]
            mock.reset()
            spec: dict[str, Any] = {
                "url": mock.url,
                "n": self.n,
                "tag": "bench",
                "concurrency": self.concurrency,
            }
            with ExitStack() as stack:
                if role == "peer-procrastinate":
                    spec["pg_url"] = stack.enter_context(pg_schema())
                child = self.child(role, spec, role)
                child.read()  # ready: tasks queued, worker started
                window = CpuWindow([child.pid]).start()
                mock_window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
                t0 = time.perf_counter()
                child.send("go")
                elapsed = wait_for_mock(mock, self.n, t0)
                window.stop()
                mock_window.stop()
                box.stop()
                child.send("stop")
                child.close()
            return {
                "n": self.n,
                "in_flight": self.concurrency,
                "rate": self.n / elapsed,
                "elapsed_s": elapsed,
                "cpu_s": window.used,
                "cpu_ms_per_job": 1000 * window.used / self.n,
                "cpu_pct": 100 * window.used / elapsed,
                "mock_cpu_pct": 100 * mock_window.used / elapsed,
                "box_pct": box.busy_pct,
                "problems": mock.check(self.n),
            }

        return run

    # --- ingest --------------------------------------------------------------------------

    def ingest(self, kind: str, batch: int) -> Any:
        def run() -> dict[str, Any]:
            mock = self.mocks["molisa"]
            # A batch's worth (at least WARMUP events) first, outside the clock, as the
            # other rows warm up: a new API process's first requests pay one-time costs
            # (lazy imports, the first statements compiled), 10 % of a 10-request row.
            warm = max(batch, WARMUP)
            events = make_events("molisa", warm + self.n, "bench")
            dumped = [e.model_dump(mode="json", exclude={"sequence"}) for e in events]
            # Each request's body is encoded before the clock starts, to the bytes httpx's
            # ``json=`` sent: the row measures the API, and the client's JSON encoding was
            # counted as the API's time. One client, one request at a time, as before.
            bodies = [
                _json_body(dumped[i : i + batch] if batch > 1 else dumped[i])
                for i in range(0, len(dumped), batch)
            ]
            warm_bodies, bodies = bodies[: warm // batch], bodies[warm // batch :]
            url = self.database(kind, f"ingest-{batch}")
            settings = settings_json(url, "molisa", mock.url)
            api = self.server("api", {"settings": settings}, "hub API")
            try:
                times: list[float] = []
                accepted = 0
                with httpx.Client(base_url=api.url, timeout=60, trust_env=False) as client:
                    for body in warm_bodies:
                        r = client.post("/api/v1/events", content=body, headers=_JSON)
                        if r.status_code != 202:
                            raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:300]}")
                    window, box = CpuWindow([api.pid]).start(), MachineWindow().start()
                    t0 = time.perf_counter()
                    for body in bodies:
                        s = time.perf_counter()
                        r = client.post("/api/v1/events", content=body, headers=_JSON)
                        times.append(time.perf_counter() - s)
                        if r.status_code != 202:
                            raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:300]}")
                        accepted += len(r.json()["accepted"])
                    elapsed = time.perf_counter() - t0
                window.stop()
                box.stop()
                rss = api.peak_rss_mb()
            finally:
                api.stop()
            db = Db(url)
            try:
                stored = int(db.scalar("SELECT count(*) FROM events"))
                jobs = db.job_counts()
            finally:
                db.close()
            problems = []
            total = warm + self.n
            if accepted != self.n or stored != total or jobs != {"pending": total}:
                problems.append(
                    f"{accepted} accepted in the row, {stored} events stored, jobs {jobs}; "
                    f"expected {self.n} in the row and {total} in all ({warm} to warm up), "
                    "all pending"
                )
            return {
                "n": self.n,
                "batch": batch,
                "rate": self.n / elapsed,
                "elapsed_s": elapsed,
                "cpu_s": window.used,
                "cpu_pct": 100 * window.used / elapsed,
                "peak_rss_mb": rss,
                "box_pct": box.busy_pct,
                **percentiles_ms(times),
                "problems": problems,
            }

        return run

    # --- latency -------------------------------------------------------------------------

    def latency(
        self, connector: str, kind: str = "sqlite", split: bool = False, rate: float = 0
    ) -> Any:
        """``split``: the API alone and a worker process polling every 5 ms (two cores
        for the hub, as ``tthc-hub serve --no-worker`` + ``tthc-hub worker``); else the
        worker in the API's process (``tthc-hub serve``), sharing one core with it."""
        rate, seconds = rate or self.args.rate, self.args.seconds

        def run() -> dict[str, Any]:
            mock = self.mocks[connector]
            mock.reset()
            n = round(rate * seconds)
            events = make_events(connector, WARMUP + n, "latency")
            bodies = [e.model_dump(mode="json", exclude={"sequence"}) for e in events]
            # One file per row: a copied database must not meet an earlier row's WAL.
            label = f"latency-{connector}-{rate:g}{'-split' if split else ''}"
            url = self.database(kind, label)
            settings = settings_json(url, connector, mock.url)
            worker = None
            if split:
                settings = with_worker(settings, poll_seconds=SPLIT_POLL)
                worker = self.child("worker", {"settings": settings}, "worker")
                worker.read()  # ready
                worker.send("go")
            api = self.server("api", {"settings": settings, "run_worker": not split}, "hub API")
            pids = [api.pid] + ([worker.pid] if worker else [])
            db = Db(url)
            try:
                asyncio.run(post_steadily(api.url, bodies[:WARMUP], rate))
                wait_for_jobs(db, WARMUP, timeout=STALL_SECONDS)
                window = CpuWindow(pids).start()
                mock_window = CpuWindow([mock.pid]).start()
                box = MachineWindow().start()
                t0 = time.perf_counter()
                sent, times, resent = asyncio.run(post_steadily(api.url, bodies[WARMUP:], rate))
                wait_for_jobs(db, WARMUP + n, timeout=STALL_SECONDS)
                wall = time.perf_counter() - t0
                window.stop()
                mock_window.stop()
                box.stop()
                acked = db.finished_at()
                started = db.call_started()
                rss = api.peak_rss_mb()
                problems = check_jobs(db, WARMUP + n) + mock.check(WARMUP + n)
            finally:
                db.close()
                api.stop()
                if worker is not None:
                    worker.send("stop")
                    rss = max(rss, worker.read()["peak_rss_mb"])
                    worker.close()
            latencies = [acked[i] - t for i, t in sent.items() if i in acked]
            send_times = sorted(sent.values())
            achieved = (len(send_times) - 1) / (send_times[-1] - send_times[0])
            ack = percentiles_ms(latencies)
            ingest = {f"ingest_{k}": v for k, v in percentiles_ms(times).items()}
            measured = [started[i] for i in sent if i in started]
            ingest |= {f"call_start_{k}": v for k, v in percentiles_ms(measured).items()}
            return {
                "n": n,
                "target_rate": rate,
                "rate": achieved,
                **ack,
                **ingest,
                "client_resent": resent,
                "cpu_s": window.used,
                "cpu_pct": 100 * window.used / wall,
                "peak_rss_mb": rss,
                "mock_cpu_pct": 100 * mock_window.used / wall,
                "box_pct": box.busy_pct,
                "problems": problems,
            }

        return run

    def raw_latency(self, rate: float) -> Any:
        """The machine's own answer to a steady rate, without the hub: the latency
        client posting the MOLISA connector's bodies straight to the mock at ``rate``
        (the same open-loop schedule, client and warm-up as the latency rows). A p50
        that grows as the rate falls here is the idle machine's, not the hub's."""
        from connectors.molisa import mapping

        rate, seconds = rate or self.args.rate, self.args.seconds

        def run() -> dict[str, Any]:
            mock = self.mocks["molisa"]
            mock.reset()
            n = round(rate * seconds)
            events = make_events("molisa", WARMUP + n, f"idle{rate:g}")
            ids = [e.id for e in events]
            bodies = [{"AcceptKey": MOCK_KEY, **mapping.to_dong_bo_dvc(e.snapshot)} for e in events]
            post = functools.partial(
                post_steadily, mock.url, rate=rate, path="/apiBTXH/DongBoDVC", status=200
            )
            asyncio.run(post(bodies[:WARMUP], ids=ids[:WARMUP]))
            window, box = CpuWindow([mock.pid]).start(), MachineWindow().start()
            t0 = time.perf_counter()
            sent, times, resent = asyncio.run(post(bodies[WARMUP:], ids=ids[WARMUP:]))
            wall = time.perf_counter() - t0
            window.stop()
            box.stop()
            send_times = sorted(sent.values())
            return {
                "n": n,
                "target_rate": rate,
                "rate": (len(send_times) - 1) / (send_times[-1] - send_times[0]),
                **percentiles_ms(times),
                "client_resent": resent,
                "mock_cpu_pct": 100 * window.used / wall,
                "box_pct": box.busy_pct,
                "problems": mock.check(WARMUP + n),
            }

        return run

    def cpu_after_sleep(self, gap: float) -> Any:
        """The same CPU work, no I/O and no other process: validating 10 events and a JSON
        round trip of each (~0.5 ms warm), timed after ``gap`` s asleep, 150 times. On a
        machine whose cores cool down while idle the same work takes longer after a
        longer sleep: the part of the latency rows' low-rate p50 no code can remove."""
        from hub.models import DossierEvent

        def run() -> dict[str, Any]:
            raw = [e.model_dump_json().encode() for e in make_events("molisa", 10, "cpu")]

            def work() -> None:
                for body in raw:
                    DossierEvent.model_validate_json(body)
                    json.dumps(json.loads(body))

            for _ in range(50):
                work()
            times = []
            for _ in range(150):
                time.sleep(gap)
                t0 = time.perf_counter()
                work()
                times.append(time.perf_counter() - t0)
            return {
                "n": len(times),
                "target_rate": 1 / gap,
                "gap_ms": 1000 * gap,
                **percentiles_ms(times),
            }

        return run

    # --- start-up ----------------------------------------------------------------------------

    def startup(self, argv: list[str]) -> Any:
        def run() -> dict[str, Any]:
            env = child_env(self.tmp)
            times = []
            for _ in range(self.args.startup_runs):
                t0 = time.perf_counter()
                subprocess.run(argv, capture_output=True, check=True, env=env, cwd=self.tmp)
                times.append(time.perf_counter() - t0)
            return {"median_s": statistics.median(times), "runs_s": times}

        return run
