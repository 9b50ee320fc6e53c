"""Operations: dead-letter a thousand syncs, heal the ministry, re-run them by filter;
the rules for single re-runs, skips and cancels; roles; retention; status."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.api import create_app
from hub.auth import hash_key
from hub.connector import idempotency_key
from hub.ops import ActionRefused, JobFilter, Operations
from hub.service import Hub
from hub.settings import (
    ApiKeySetting,
    CircuitSettings,
    HubSettings,
    RetrySettings,
    RouteRule,
    WorkerSettings,
)
from hub.store.store import utcnow
from hub.testing.samples import sample_batch, sample_lifecycle
from mocks.molisa.app import create_app as create_mock

from .recording import RecordingConnector, permanent


def molisa_settings(db_url: str, mock_url: str, **extra: Any) -> HubSettings:
    return HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            poll_seconds=0.01,
            concurrency=8,
            retry=RetrySettings(initial_seconds=0.01, max_attempts=1),
            # Every call fails on purpose: keep the circuit breaker out of the way.
            circuit=CircuitSettings(failure_threshold=100_000),
        ),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={"molisa": {"base_url": mock_url, "accept_key": "test-key"}},
        **extra,
    )


def test_a_thousand_dead_jobs_rerun_by_filter_succeed_once(db_url, serve_app) -> None:  # type: ignore[no-untyped-def]
    mock = serve_app(create_mock())
    admin = httpx.Client(base_url=mock.url, timeout=30)
    hub = Hub(molisa_settings(db_url, mock.url))
    # 1,000 dossiers received at the province; the ministry answers 503 to every one.
    received = [sample_lifecycle(f"k{i}", seq=i + 1)[0] for i in range(1000)]
    hub.store.ingest(received, hub.router.targets)
    admin.post("/_mock/faults", json={"faults": [{"kind": "http_503", "rate": 1.0}]})
    ops = Operations(hub.store)

    async def scenario() -> Any:
        stats = await hub.worker.run_until_idle(timeout=300)
        assert stats.dead == 1000
        dead_filter = JobFilter(
            state="dead",
            connector="molisa",
            error_class="http_503",
            since=utcnow() - timedelta(hours=1),
        )
        assert ops.preview("retry", dead_filter)["count"] == 1000

        admin.delete("/_mock/faults")  # the ministry is back
        op_id = ops.create_task(
            "retry", dead_filter, actor="ops-ha", reason="Bộ đã khắc phục sự cố"
        )
        assert ops.claim_task("test-runner") == op_id
        task = ops.run_task(op_id, "test-runner", chunk=128)
        assert (task["state"], task["applied"], task["refused"]) == ("done", 1000, 0)
        result = await hub.worker.run_until_idle(timeout=300)
        await hub.aclose()
        return result

    assert asyncio.run(scenario()).succeeded == 1000
    applied = Counter(w["idempotency_key"] for w in admin.get("/_mock/received").json())
    assert set(applied) == {f"molisa:{e.id}" for e in received}
    assert set(applied.values()) == {1}
    audit = ops.audit(actor="ops-ha")
    assert [(a["action"], a["count"]) for a in audit] == [
        ("retry", 1000),
        ("retry_requested", 1000),
    ]
    assert audit[0]["reason"] == "Bộ đã khắc phục sự cố"
    admin.close()
    hub.engine.dispose()


@pytest.fixture
def rec_hub(build_hub):  # type: ignore[no-untyped-def]
    return build_hub(
        worker=WorkerSettings(
            poll_seconds=0.01, retry=RetrySettings(initial_seconds=0.01, max_attempts=2)
        ),
        routes=[RouteRule(connector="rec")],
        connectors={"rec": RecordingConnector()},
    )


def drain(hub: Hub) -> Any:
    return asyncio.run(hub.worker.run_until_idle(timeout=60))


def test_rerun_refused_while_an_earlier_job_is_dead(rec_hub: Hub) -> None:
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    lifecycle = sample_lifecycle("chain")
    rec.script[lifecycle[0].id] = [permanent()]
    rec_hub.store.ingest(lifecycle, rec_hub.router.targets)
    drain(rec_hub)
    ops = Operations(rec_hub.store)
    jobs, _ = ops.list_jobs(JobFilter(), sort="id")
    assert [j["state"] for j in jobs] == ["dead", "pending", "pending", "pending"]
    first, second = jobs[0]["id"], jobs[1]["id"]
    # The second event may not go before the first: the refusal says why and what to do.
    with pytest.raises(
        ActionRefused,
        match=f"job {first} of the same dossier and connector is "
        "still dead; re-run or skip it first",
    ):
        ops.act("retry", second, actor="a")
    # A skip needs a reason.
    with pytest.raises(ActionRefused, match="skip needs a reason"):
        ops.act("skip", first, actor="a", reason="  ")
    ops.act("skip", first, actor="a", reason="Bộ đã có hồ sơ, không gửi lại")
    drain(rec_hub)
    jobs, _ = ops.list_jobs(JobFilter(), sort="id")
    assert [j["state"] for j in jobs] == ["skipped", "succeeded", "succeeded", "succeeded"]
    assert [seq for _eid, seq in rec.sent] == [2, 3, 4]
    audit = ops.audit()
    assert [(a["action"], a["count"], a["reason"]) for a in audit] == [
        ("skip", 1, "Bộ đã có hồ sơ, không gửi lại"),
        ("retry", 0, None),  # the refused re-run is audited too
    ]


def test_rerun_resets_the_same_row_and_keeps_its_key(rec_hub: Hub) -> None:
    """A re-run is the same delivery again: no new job row, the same id and idempotency
    key (the ministry applies it once), the earlier attempts kept under that id."""
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    (event,) = sample_lifecycle("same-row")[:1]
    rec.script[event.id] = [permanent()]
    rec_hub.store.ingest([event], rec_hub.router.targets)
    drain(rec_hub)
    ops = Operations(rec_hub.store)
    (dead,), _ = ops.list_jobs(JobFilter())
    assert dead["state"] == "dead" and dead["idempotency_key"] == idempotency_key("rec", event)
    ops.act("retry", dead["id"], actor="a", reason="fixed")
    drain(rec_hub)
    (job,), total = ops.list_jobs(JobFilter())
    assert total == 1
    assert (job["id"], job["idempotency_key"], job["state"]) == (
        dead["id"],
        dead["idempotency_key"],
        "succeeded",
    )
    shown = ops.show_job(job["id"])
    assert [a["outcome"] for a in shown["attempts"]] == ["permanent", "ok"]


def test_bulk_rerun_keeps_each_dossiers_order(rec_hub: Hub) -> None:
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    batch = sample_batch(3, seed="bulk")
    for lifecycle in batch:
        rec.script[lifecycle[0].id] = [permanent()]
        rec_hub.store.ingest(lifecycle, rec_hub.router.targets)
    drain(rec_hub)
    ops = Operations(rec_hub.store)
    assert ops.preview("retry", JobFilter(state="dead"))["count"] == 3
    op_id = ops.create_task("retry", JobFilter(state="dead"), actor="a", reason="fixed")
    ops.claim_task("r")
    assert ops.run_task(op_id, "r", chunk=2)["applied"] == 3
    drain(rec_hub)
    for lifecycle in batch:
        sent = [seq for eid, seq in rec.sent if eid.startswith(f"evt-{lifecycle[0].ma_ho_so}")]
        assert sent == [1, 2, 3, 4]


def test_rerun_with_current_state_sends_the_mirror(rec_hub: Hub) -> None:
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    lifecycle = sample_lifecycle("current")
    rec.script[lifecycle[0].id] = [permanent()]
    rec_hub.store.ingest(lifecycle[:1], rec_hub.router.targets)
    drain(rec_hub)
    # Meanwhile the province corrected the dossier (same status, a new event).
    fixed = lifecycle[0].snapshot.model_copy(update={"trich_yeu": "đã sửa"})
    correction = lifecycle[0].model_copy(update={"id": "fix-1", "snapshot": fixed})
    rec_hub.store.ingest([correction], rec_hub.router.targets)
    ops = Operations(rec_hub.store)
    dead = ops.list_jobs(JobFilter(state="dead"))[0][0]["id"]
    seen: list[str | None] = []
    original_push = rec.push

    async def recording_push(event, dossier):  # type: ignore[no-untyped-def]
        seen.append(dossier.trich_yeu)
        return await original_push(event, dossier)

    rec.push = recording_push  # type: ignore[method-assign]
    ops.act("retry", dead, actor="a", use_current_state=True)
    drain(rec_hub)
    assert seen == ["đã sửa", "đã sửa"]


def test_task_pause_and_resume(rec_hub: Hub) -> None:
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    events = [lc[0] for lc in sample_batch(5, seed="pause")]
    for e in events:
        rec.script[e.id] = [permanent()]
    rec_hub.store.ingest(events, rec_hub.router.targets)
    drain(rec_hub)
    ops = Operations(rec_hub.store)
    op_id = ops.create_task("skip", JobFilter(state="dead"), actor="a", reason="trùng")
    ops.set_task_state(op_id, "paused", actor="a")
    assert ops.claim_task("r") is None
    ops.set_task_state(op_id, "queued", actor="a")
    assert ops.claim_task("r") == op_id
    assert ops.run_task(op_id, "r")["applied"] == 5
    with pytest.raises(ActionRefused):
        ops.set_task_state(op_id, "paused", actor="a")


def test_retention_never_culls_failed_or_dead(rec_hub: Hub) -> None:
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    ok, bad = (lc[0] for lc in sample_batch(2, seed="cull"))
    rec.script[bad.id] = [permanent()]
    rec_hub.store.ingest([ok, bad], rec_hub.router.targets)
    drain(rec_hub)
    ops = Operations(rec_hub.store)
    future = utcnow() + timedelta(days=1)
    counts = ops.cull(finished_before=future, excerpts_before=future)
    assert counts["jobs"] == 1 and counts["events"] == 1
    [(left)], total = ops.list_jobs(JobFilter())
    assert total == 1 and left["state"] == "dead"


def test_status_reports_each_connector(rec_hub: Hub) -> None:
    rec_hub.store.ingest(sample_lifecycle("st")[:2], rec_hub.router.targets)
    drain(rec_hub)
    [row] = Operations(rec_hub.store).status()
    assert row["connector"] == "rec" and row["queue"] == {"succeeded": 2}
    assert row["last_success_at"] is not None and row["error_rate"] == 0


def test_api_roles(rec_hub: Hub, serve_app) -> None:  # type: ignore[no-untyped-def]
    keys = {
        "viewer": "k-view",
        "operator": "k-op",
        "payload-viewer": "k-pay",
        "province-ingest": "k-in",
    }
    settings = rec_hub.settings.model_copy(
        update={
            "api_keys": [
                ApiKeySetting(name=f"{role}-key", sha256=hash_key(key), roles=[role])
                for role, key in keys.items()
            ]
        }
    )
    hub = Hub(settings, connectors=rec_hub.connectors)
    api = serve_app(create_app(hub))

    def call(method: str, path: str, key: str | None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.request(method, api.url + path, headers=headers, timeout=10, **kw)

    event = sample_lifecycle("roles")[0]
    body = event.model_dump(mode="json", exclude={"sequence"})
    assert call("POST", "/api/v1/events", None, json=body).status_code == 401
    assert call("POST", "/api/v1/events", "wrong", json=body).status_code == 401
    assert call("POST", "/api/v1/events", keys["viewer"], json=body).status_code == 403
    assert call("POST", "/api/v1/events", keys["province-ingest"], json=body).status_code == 202
    assert call("GET", "/api/v1/health", None).status_code == 200
    jobs = call("GET", "/api/v1/jobs", keys["viewer"]).json()
    assert jobs["total"] == 1
    job_id = jobs["items"][0]["id"]
    assert call("GET", "/api/v1/jobs", keys["province-ingest"]).status_code == 403
    assert call("GET", f"/api/v1/jobs/{job_id}?payloads=true", keys["viewer"]).status_code == 403
    assert (
        call("GET", f"/api/v1/jobs/{job_id}?payloads=true", keys["payload-viewer"]).status_code
        == 200
    )
    assert call("POST", f"/api/v1/jobs/{job_id}/skip", keys["viewer"], json={}).status_code == 403
    refused = call("POST", f"/api/v1/jobs/{job_id}/skip", keys["operator"], json={})
    assert refused.status_code == 422 and "needs a reason" in refused.text
    done = call(
        "POST",
        f"/api/v1/jobs/{job_id}/cancel",
        keys["operator"],
        json={"reason": "công dân rút hồ sơ"},
    )
    assert done.status_code == 200
    audit = call("GET", "/api/v1/audit", keys["viewer"]).json()["items"]
    assert audit[0]["actor"] == "operator-key" and audit[0]["action"] == "cancel"
    dry = call(
        "POST",
        "/api/v1/operations",
        keys["operator"],
        json={"kind": "retry", "state": "dead", "dry_run": True},
    )
    assert dry.status_code == 200 and dry.json()["count"] == 0


def test_cli_retry_by_filter(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    settings = HubSettings(
        database_url=f"sqlite:///{db}",
        routes=[RouteRule(connector="rec")],
        worker=WorkerSettings(retry=RetrySettings(max_attempts=1)),
    )
    rec = RecordingConnector()
    hub = Hub(settings, connectors={"rec": rec})
    events = [lc[0] for lc in sample_batch(4, seed="cli")]
    for e in events:
        rec.script[e.id] = [permanent()]
    hub.store.ingest(events, hub.router.targets)
    asyncio.run(hub.worker.run_until_idle(timeout=60))
    hub.engine.dispose()
    tthc_hub = str(Path(sys.executable).with_name("tthc-hub"))
    env = {
        "TTHC_HUB_DATABASE_URL": f"sqlite:///{db}",
        "TTHC_HUB_OPERATOR": "chi.tt",
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tthc_hub, "--lang", "en", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    dry = run("jobs", "retry", "--state", "dead", "--dry-run")
    assert dry.returncode == 0 and "4 job(s) match state=dead" in dry.stdout
    skip = run("jobs", "skip", "--state", "dead", "--yes")
    assert skip.returncode == 2 and "needs a reason" in skip.stderr
    done = run("jobs", "skip", "--state", "dead", "--yes", "--reason", "gửi tay")
    assert done.returncode == 0, done.stderr
    assert "applied 4, refused 0" in done.stdout
    audit = run("audit")
    assert "chi.tt" in audit.stdout and "gửi tay" in audit.stdout
    status = run("status")
    assert status.returncode == 0 and "Skipped" in status.stdout


def test_metrics_endpoint(rec_hub: Hub, serve_app) -> None:  # type: ignore[no-untyped-def]
    rec: RecordingConnector = rec_hub.connectors["rec"]  # type: ignore[assignment]
    ok, bad = (lc[0] for lc in sample_batch(2, seed="metrics"))
    rec.script[bad.id] = [permanent()]
    api = serve_app(create_app(rec_hub, close_hub=False))
    body = [e.model_dump(mode="json", exclude={"sequence"}) for e in (ok, bad)]
    assert httpx.post(f"{api.url}/api/v1/events", json=body, timeout=10).status_code == 202
    drain(rec_hub)
    text = httpx.get(f"{api.url}/metrics", timeout=10).text
    assert "tthc_hub_events_ingested_total 2.0" in text
    assert 'tthc_hub_attempts_total{connector="rec",outcome="ok"} 1.0' in text
    assert 'tthc_hub_attempts_total{connector="rec",outcome="permanent"} 1.0' in text
    assert 'tthc_hub_jobs{connector="rec",state="dead"} 1.0' in text
    assert 'tthc_hub_circuit_state{connector="rec"} 0.0' in text
