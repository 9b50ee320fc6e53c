"""The attempts log keeps the ministry's HTTP status, not the status the hub's API would
answer with for the same error class (a refusal is 502 at our API, 403 at the ministry;
a timeout has no status at all, though our API would answer 503)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI, Response

from hub.errors import RejectedError, ministry_errors
from hub.ops import JobFilter, Operations
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.samples_hotich import sample_ho_tich_batch
from mocks.hotich.app import create_app as create_mock


def _settings(db_url: str, mock_url: str, key: str) -> HubSettings:
    return HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            poll_seconds=0.02,
            max_attempts=2,
            retry=RetrySettings(initial_seconds=0.01, max_seconds=0.05, jitter_seconds=0.0),
        ),
        routes=[RouteRule(connector="hotich", ma_tthc=["1.001193", "1.000656", "1.000894"])],
        connectors={"hotich": {"base_url": mock_url, "api_key": key, "timeout_seconds": 0.5}},
    )


def _attempts(hub: Any) -> list[dict[str, Any]]:
    ops = Operations(hub.store)
    job_ids = [row["id"] for row in ops.list_jobs(JobFilter())[0]]
    return [a for job_id in job_ids for a in ops.show_job(job_id)["attempts"]]


def _drain(hub: Any) -> None:
    async def run() -> None:
        await hub.worker.run_until_idle(timeout=60)
        await hub.aclose()

    asyncio.run(run())


def test_refusal_keeps_the_ministrys_status(serve_app) -> None:  # type: ignore[no-untyped-def]
    app = FastAPI()

    @app.post("/submit")
    def submit() -> Response:
        return Response(status_code=403, content=b'{"message": "forbidden"}')

    server = serve_app(app)

    async def call() -> RejectedError:
        async with httpx.AsyncClient(base_url=server.url) as client:
            try:
                with ministry_errors("bo-x"):
                    (await client.post("/submit")).raise_for_status()
            except RejectedError as exc:
                return exc
        raise AssertionError("a 403 must be a refusal")

    error = asyncio.run(call())
    assert error.remote_http_status == 403  # what the attempts log keeps
    assert error.status == 502  # what the hub's API would answer


def test_timeout_records_no_status(build_hub, db_url, serve_app) -> None:  # type: ignore[no-untyped-def]
    server = serve_app(create_mock())
    with httpx.Client(base_url=server.url) as admin:
        admin.post("/_mock/faults", json={"faults": [{"kind": "timeout", "count": 1}]})
    hub = build_hub(_settings(db_url, server.url, key="test-key"))
    hub.store.ingest(sample_ho_tich_batch(1, seed="late")[:1], hub.router.targets)
    _drain(hub)
    attempts = _attempts(hub)
    transient = [a for a in attempts if a["outcome"] == "transient"]
    assert transient, attempts
    assert all(a["http_status"] is None for a in transient)
