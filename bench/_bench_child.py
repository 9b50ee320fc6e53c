"""The processes the delivery benchmark measures, one role per process.

    python bench/_bench_child.py <role> '<json spec>'

Roles: ``mock`` and ``api`` (servers: they print ``BENCH {"url": ...}`` and serve until
stdin closes or SIGTERM); ``raw-rest``, ``raw-soap`` and ``worker`` (they set up, print
``BENCH {"ready": true}``, wait for ``go`` on stdin, run, and print
``BENCH {<figures>}``: elapsed seconds, CPU seconds used while running, peak RSS).
A worker runs ``hub.worker.run`` until it reads ``stop`` (or stdin closes).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from typing import Any

from _bench_util import MA_DON_VI, MOCK_KEY, make_events, percentiles_ms, self_usage


def say(message: dict[str, Any]) -> None:
    print("BENCH " + json.dumps(message), flush=True)


def wait_for(word: str) -> None:
    """Block until ``word`` (or end of input) arrives on stdin."""
    for line in sys.stdin:
        if line.strip() == word:
            return


def serve_until_closed(app: Any) -> None:
    from hub.testing.mock.server import start_server

    server = start_server(app)
    say({"url": server.url})
    sys.stdin.read()  # until the parent closes stdin (or kills us)
    server.stop()


def role_mock(spec: dict[str, Any]) -> None:
    from hub.plugins import mock_factories
    from hub.testing.mock.admin import MockConfig

    create_app = mock_factories()[spec["name"]]
    serve_until_closed(create_app(MockConfig(accept_key=spec.get("key", MOCK_KEY))))


def role_api(spec: dict[str, Any]) -> None:
    from hub.api import create_app
    from hub.logging import setup_logging
    from hub.service import Hub
    from hub.settings import HubSettings

    settings = HubSettings.model_validate_json(spec["settings"])
    setup_logging(settings.log_format, settings.log_level)
    hub = Hub(settings)
    serve_until_closed(create_app(hub, run_worker=bool(spec.get("run_worker"))))


async def _drive(calls: list[Any], concurrency: int) -> list[float]:
    """Run the coroutine factories in ``calls`` with ``concurrency`` in flight; durations."""
    durations: list[float] = []
    it = iter(calls)

    async def sender() -> None:
        for call in it:
            t0 = time.perf_counter()
            await call()
            durations.append(time.perf_counter() - t0)

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return durations


def _timed(run: Any, profile: str | None = None) -> dict[str, Any]:
    """Wait for ``go``, run, and measure. ``profile``: a path prefix; the run is then
    profiled with cProfile (``<prefix>.prof`` and a text summary ``<prefix>.txt``), and
    its figures are those of a profiled run (slower: compare profiles with profiles)."""
    say({"ready": True})
    wait_for("go")
    profiler = None
    if profile:
        import cProfile

        # CPU time, not wall time: on a busy machine waiting for a core is not cost.
        profiler = cProfile.Profile(time.process_time)
    cpu0, _ = self_usage()
    t0 = time.perf_counter()
    if profiler is not None:
        durations = profiler.runcall(run)
    else:
        durations = run()
    elapsed = time.perf_counter() - t0
    cpu1, peak = self_usage()
    if profiler is not None and profile:
        write_profile(profiler, profile)
    return {
        "elapsed": elapsed,
        "calls": len(durations),
        "cpu_s": cpu1 - cpu0,
        "peak_rss_mb": peak,
        **percentiles_ms(durations),
    }


def write_profile(profiler: Any, prefix: str) -> None:
    """``<prefix>.prof`` (for snakeviz, pstats) and ``<prefix>.txt``: the 40 functions
    with the most time of their own, then the 40 with the most time under them."""
    import io
    import pstats

    profiler.dump_stats(prefix + ".prof")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write("# by own time (tottime)\n")
    stats.sort_stats("tottime").print_stats(40)
    out.write("\n# by time under (cumulative)\n")
    stats.sort_stats("cumulative").print_stats(40)
    with open(prefix + ".txt", "w", encoding="utf-8") as f:
        f.write(out.getvalue())


def role_raw_rest(spec: dict[str, Any]) -> None:
    """httpx alone posting the MOLISA connector's DongBoDVC bodies (with AcceptKey and the
    Idempotency-Key header, as connectors/molisa/client.py sends them)."""
    import httpx

    from connectors.molisa import mapping

    events = make_events("molisa", spec["n"], spec["tag"])
    bodies = [(e.id, {"AcceptKey": MOCK_KEY, **mapping.to_dong_bo_dvc(e.snapshot)}) for e in events]
    per_client, clients = spec["concurrency"], spec.get("clients", 1)

    async def main() -> list[float]:
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        pool = [
            httpx.AsyncClient(
                base_url=spec["url"] + "/apiBTXH/", limits=limits, trust_env=False, timeout=60
            )
            for _ in range(clients)
        ]

        def call(n: int, event_id: str, body: dict[str, Any]) -> Any:
            async def send() -> None:
                r = await pool[n % clients].post(
                    "DongBoDVC", json=body, headers={"Idempotency-Key": f"raw:{event_id}"}
                )
                r.raise_for_status()
                if str(r.json().get("error_code")) != "0":
                    raise RuntimeError(f"MOLISA refused a raw call: {r.text[:300]}")

            return send

        try:
            calls = [call(n, eid, body) for n, (eid, body) in enumerate(bodies)]
            return await _drive(calls, per_client * clients)
        finally:
            for client in pool:
                await client.aclose()

    say(_timed(lambda: asyncio.run(main()), spec.get("profile")))


def role_raw_soap(spec: dict[str, Any]) -> None:
    """zeep's AsyncClient alone calling TiepNhanHoSo with the MONRE connector's arguments:
    the same parsed WSDL, settings, binding, headers (XacThuc, KhoaYeuCau) and body, over
    its own httpx.AsyncClient; no hub store, no answer mapping."""
    import httpx
    import zeep
    from zeep.proxy import AsyncServiceProxy
    from zeep.transports import AsyncTransport

    from connectors.monre import mapping
    from connectors.monre.client import BINDING, ENDPOINT, load_wsdl
    from connectors.monre.settings import MonreSettings

    events = make_events("monre", spec["n"], spec["tag"])
    bodies = [(e.id, mapping.to_tiep_nhan(e.snapshot)) for e in events]
    ma_don_vi = MonreSettings(
        base_url=spec["url"], access_key=MOCK_KEY, ma_don_vi=MA_DON_VI
    ).ma_don_vi
    document = load_wsdl()  # parsed before the clock starts, as the connector does
    concurrency = spec["concurrency"]

    async def main() -> list[float]:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        http = httpx.AsyncClient(limits=limits, trust_env=False, timeout=60)
        wsdl_http = httpx.Client(trust_env=False)  # zeep wants one; never used (WSDL is local)
        transport = AsyncTransport(client=http, wsdl_client=wsdl_http)
        client = zeep.AsyncClient(wsdl=document, transport=transport, settings=document.settings)
        binding = client.wsdl.bindings[BINDING]
        service = AsyncServiceProxy(client, binding, address=spec["url"] + ENDPOINT)

        def call(event_id: str, body: dict[str, Any]) -> Any:
            headers = {
                "XacThuc": {"MaDonVi": ma_don_vi, "KhoaTruyCap": MOCK_KEY},
                "KhoaYeuCau": f"raw:{event_id}",
            }

            async def send() -> None:
                await service.TiepNhanHoSo(**body, _soapheaders=headers)

            return send

        try:
            return await _drive([call(eid, body) for eid, body in bodies], concurrency)
        finally:
            await http.aclose()
            wsdl_http.close()

    say(_timed(lambda: asyncio.run(main()), spec.get("profile")))


def role_worker(spec: dict[str, Any]) -> None:
    """One hub worker process: ``hub.worker.run`` (claim, map, send, record) until ``stop``."""
    from hub.attempt import warm_up
    from hub.logging import setup_logging
    from hub.service import Hub
    from hub.settings import HubSettings

    settings = HubSettings.model_validate_json(spec["settings"])
    setup_logging(settings.log_format, settings.log_level)
    hub = Hub(settings)
    claims = count_claims(hub.worker.store) if spec.get("count_claims") else None
    # The raw rows map every body before their clock starts, which loads the address
    # tables; the worker's connectors load theirs (their warm_up) before "go" too, as a
    # long-running worker has long since done. Its own warm-up at start then finds them.
    warming = warm_up(hub.connectors.values())
    if warming is not None:
        warming.join()

    async def main() -> dict[str, Any]:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (wait_for("stop"), loop.call_soon_threadsafe(stop.set)), daemon=True
        ).start()
        try:
            await hub.worker.run(stop)
        finally:
            await hub.aclose()
        s = hub.worker.stats
        return {"succeeded": s.succeeded, "retried": s.retried, "dead": s.dead}

    stats: dict[str, Any] = {}

    def run() -> list[float]:
        stats.update(asyncio.run(main()))
        return []

    result = _timed(run, spec.get("profile"))
    say({**result, "stats": stats, **({"claims": claims} if claims is not None else {})})


def count_claims(store: Any) -> dict[str, int]:
    """Count the store calls of this worker that claim jobs (``store.claim``, or
    ``store.settle`` asked to claim: one transaction each) and the jobs they returned,
    by wrapping the store's methods in this process (the hub itself is not changed)."""
    counts = {"calls": 0, "claimed": 0, "empty": 0}

    def wrap(name: str) -> None:
        method = getattr(store, name, None)
        if method is None:
            return

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if name == "claim" or kwargs.get("claim"):
                jobs = result if isinstance(result, list) else getattr(result, "claimed", [])
                counts["calls"] += 1
                counts["claimed"] += len(jobs)
                counts["empty"] += not jobs
            return result

        setattr(store, name, counted)

    wrap("claim")
    wrap("settle")
    return counts


ROLES = {
    "mock": role_mock,
    "api": role_api,
    "raw-rest": role_raw_rest,
    "raw-soap": role_raw_soap,
    "worker": role_worker,
}

if __name__ == "__main__":
    if sys.argv[1].startswith("peer-"):  # the peers' packages only for their rows
        from _bench_peers import ROLES as PEERS

        ROLES.update(PEERS)
    ROLES[sys.argv[1]](json.loads(sys.argv[2]))
