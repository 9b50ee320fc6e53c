"""Peer rows: the same delivery built the way a provincial IT team otherwise would.

Two task queues, each set up as small as its documentation suggests, each sending the
same N MOLISA ``DongBoDVC`` bodies (with AcceptKey and an Idempotency-Key, as raw
httpx does) to the same mock, with the hub's in-flight limit
(``WorkerSettings().concurrency``), one worker process:

``Celery + Redis``
    Celery 5 with the machine's Redis as broker (``TTHC_HUB_BENCH_REDIS_URL``, default
    redis://127.0.0.1:6379/0, a queue of its own per row), results ignored, the
    ``threads`` pool (Celery's pool for I/O-bound tasks) with that many threads, each
    posting with a keep-alive ``httpx.Client`` of its own. Other settings: Celery's
    defaults (prefetch multiplier 4, acknowledgement before the task runs), except the
    Redis transport's ``polling_interval`` (0.05 s, see ``celery_app``).
``procrastinate + PostgreSQL``
    procrastinate 3 (psycopg 3) on a fresh schema, an ``async`` task posting with one
    shared ``httpx.AsyncClient``, ``run_worker_async(concurrency=...)``; procrastinate
    wakes on LISTEN/NOTIFY and polls as it does by default.

Fairness: the tasks are queued before the clock starts (the hub's events are ingested
before it too), carrying the body already mapped (the hub maps inside its worker:
that CPU is the hub's); the worker is started and warm before "go" (Celery: it then
starts consuming the row's queue, ``add_consumer``; procrastinate: the worker starts
in the already-open app). Clock: "go" to the mock counting the N-th write. CPU: the
worker process's, from /proc, over the same window.

What the peers do not keep (the hub does): the order of a dossier's events (they run
tasks concurrently, in any order), an attempt log with masked excerpts, a lease that
gives a task back when its worker dies (Celery acknowledges before running), and a
per-dossier chain that stops behind a dead job.

Child roles (``_bench_child.py peer-celery|peer-procrastinate '<spec>'``): they queue
the tasks, start the worker, print ``BENCH {"ready": true}``, start consuming at
``go``, and stop when stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import uuid
from typing import Any

from _bench_util import MOCK_KEY, make_events

REDIS_URL = os.environ.get("TTHC_HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _say(message: dict[str, Any]) -> None:
    print("BENCH " + json.dumps(message), flush=True)


def _bodies(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    from connectors.molisa import mapping

    events = make_events("molisa", spec["n"], spec["tag"])
    return [
        (f"peer:{e.id}", {"AcceptKey": MOCK_KEY, **mapping.to_dong_bo_dvc(e.snapshot)})
        for e in events
    ]


def _check(answer: Any) -> None:
    if str(answer.get("error_code")) != "0":
        raise RuntimeError(f"MOLISA refused a peer's call: {json.dumps(answer)[:300]}")


def _on_line(word: str, then: Any) -> None:
    """In a thread: call ``then()`` when ``word`` arrives on stdin (or it closes)."""

    def watch() -> None:
        for line in sys.stdin:
            if line.strip() == word:
                break
        then()

    threading.Thread(target=watch, daemon=True).start()


# --- Celery ----------------------------------------------------------------------------


def celery_app(url: str, clients: int) -> Any:
    """The peer's Celery app; ``clients`` keep-alive httpx clients made up front
    (each costs an SSL context: made per thread on first use, they slowed the start)."""
    import queue

    import httpx
    from celery import Celery

    app = Celery("tthc_bench_peer", broker=REDIS_URL)
    app.conf.update(
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,  # the bench protocol is on stdout
        broker_connection_retry_on_startup=True,
        # Redis BRPOP wakes every 1 s by default; the queue added at "go" is then read
        # only up to 1 s later. 0.05 s (a documented transport option) keeps that out
        # of the clock: it makes an idle Celery worker poll more, not send slower.
        broker_transport_options={"polling_interval": 0.05},
    )
    pool: queue.SimpleQueue[httpx.Client] = queue.SimpleQueue()
    for _ in range(clients):
        pool.put(httpx.Client(base_url=url + "/apiBTXH/", trust_env=False, timeout=60))

    @app.task(name="bench.deliver")
    def deliver(key: str, body: dict[str, Any]) -> None:
        client = pool.get()
        try:
            r = client.post("DongBoDVC", json=body, headers={"Idempotency-Key": key})
        finally:
            pool.put(client)
        r.raise_for_status()
        _check(r.json())

    return app


def role_celery(spec: dict[str, Any]) -> None:
    from celery.signals import worker_ready

    app = celery_app(spec["url"], spec["concurrency"])
    run = uuid.uuid4().hex[:8]
    queue, idle, host = f"tthc-bench-{run}", f"tthc-bench-idle-{run}", f"bench-{run}@localhost"
    for key, body in _bodies(spec):
        app.send_task("bench.deliver", args=[key, body], queue=queue)

    def consume_then_stop() -> None:
        """At ``go`` consume the row's queue; when stdin closes, a warm shutdown."""
        for line in sys.stdin:
            if line.strip() == "go":
                app.control.add_consumer(queue, destination=[host])
            elif line.strip() == "stop":
                break
        os.kill(os.getpid(), signal.SIGTERM)

    def ready(**_: Any) -> None:
        _say({"ready": True})
        threading.Thread(target=consume_then_stop, daemon=True).start()

    worker_ready.connect(ready, weak=False)
    worker = app.Worker(
        hostname=host,
        pool_cls="threads",
        concurrency=spec["concurrency"],
        queues=[idle],
        loglevel="WARNING",
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
    )
    try:
        worker.start()
    finally:
        import redis

        redis.Redis.from_url(REDIS_URL).delete(queue, idle)


# --- procrastinate ---------------------------------------------------------------------


def role_procrastinate(spec: dict[str, Any]) -> None:
    import httpx
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=spec["pg_url"]))
    limits = httpx.Limits(
        max_connections=spec["concurrency"], max_keepalive_connections=spec["concurrency"]
    )
    holder: dict[str, httpx.AsyncClient] = {}

    @app.task(name="bench.deliver", queue="bench")
    async def deliver(key: str, body: dict[str, Any]) -> None:
        r = await holder["client"].post("DongBoDVC", json=body, headers={"Idempotency-Key": key})
        r.raise_for_status()
        _check(r.json())

    async def main() -> None:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            await deliver.batch_defer_async(
                *({"key": key, "body": body} for key, body in _bodies(spec))
            )
            holder["client"] = httpx.AsyncClient(
                base_url=spec["url"] + "/apiBTXH/", trust_env=False, timeout=60, limits=limits
            )
            loop = asyncio.get_running_loop()
            go, stop = asyncio.Event(), asyncio.Event()
            _say({"ready": True})
            _on_line("go", lambda: loop.call_soon_threadsafe(go.set))
            await go.wait()
            _on_line("stop", lambda: loop.call_soon_threadsafe(stop.set))
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=["bench"],
                    concurrency=spec["concurrency"],
                    wait=True,
                    install_signal_handlers=False,
                )
            )
            await stop.wait()
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            await holder["client"].aclose()

    asyncio.run(main())


ROLES = {"peer-celery": role_celery, "peer-procrastinate": role_procrastinate}
