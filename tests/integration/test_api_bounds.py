"""Every API input bounded and typed (issue #23): ids, cursors and offsets beyond the
database's integers, dates at the year-1 and year-9999 edges, control characters in
paths and filters, LIKE wildcards, unknown states and connectors, strict bodies, and
callbacks whose nonce or handler fails, each a 4xx in the one error body, on SQLite
and PostgreSQL; and the OpenAPI declares every status the API answers."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from hub.callbacks import Callback, sign_hmac, verify_hmac
from hub.connector import Capability
from hub.ops import JobFilter, Operations
from hub.settings import RouteRule
from hub.testing.samples import sample_lifecycle

from .recording import RecordingConnector

HUGE = "99999999999999999999"  # beyond 64 bits
BIG = str(2**63)  # one past BIGINT
SECRET = "bi-mat"


class Ministry(RecordingConnector):
    """Calls back; its handler's nonce and failures are set by the test."""

    capabilities = frozenset({Capability.PUSH})
    nonce: str | None = None
    fail = False

    async def handle_callback(self, headers: Mapping[str, str], body: bytes) -> Callback:
        nonce, when = verify_hmac(SECRET, headers, body)
        if self.fail:
            raise RuntimeError("the connector's own bug")
        update = ("000.00.22.H34-231125-0001", "delivered", {"ok": True})
        return Callback(nonce=self.nonce or nonce, timestamp=when, updates=[update])


@pytest.fixture
def api(build_hub, db_url, hub_api):  # type: ignore[no-untyped-def]
    hub = build_hub(
        db_url,
        connectors={"rec": RecordingConnector(), "post": Ministry("post")},
        routes=[RouteRule(connector="rec")],
    )
    events = sample_lifecycle("bounds")[:2]
    hub.store.ingest(events, hub.router.targets)
    return hub, hub_api(hub)


def _refused(response: httpx.Response, status: int | tuple[int, ...]) -> dict[str, Any]:
    wanted = status if isinstance(status, tuple) else (status,)
    assert response.status_code in wanted, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    return body["errors"][0]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/jobs/{HUGE}",
        f"/api/v1/jobs/{BIG}",
        "/api/v1/jobs/0",
        f"/api/v1/operations/{HUGE}",
        f"/api/v1/reconcile/{HUGE}",
        f"/api/v1/reconcile/{BIG}/report.csv",
        f"/api/v1/jobs?offset={HUGE}",
        f"/api/v1/inbox?after_id={BIG}",
        f"/api/v1/updates?after_id={HUGE}",
        "/api/v1/reconcile/1?after_id=-1",
        "/api/v1/lookups/x/y?page_size=100000",
        f"/api/v1/lookups/x/y?page={HUGE}",
    ],
)
def test_integers_beyond_the_database_are_422(api, path: str) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    _refused(client.get(path), 422)


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", f"/api/v1/jobs/{HUGE}/retry"),
        ("post", f"/api/v1/operations/{HUGE}/pause"),
    ],
)
def test_integers_beyond_the_database_in_actions_are_422(api, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    _refused(client.request(method, path, json={"reason": "x"}), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "retry", "job_ids": [2**64]},
        {"kind": "retry", "job_ids": [2**63]},
        {"kind": "retry", "job_ids": [2**53]},
        {"kind": "retry", "job_ids": [9.223372036854776e18]},
        {"kind": "retry", "job_ids": [False]},
        {"kind": "retry", "job_ids": ["5"]},
        {"kind": "retry", "job_ids": [1.5]},
        {"kind": "retry", "until": 0.5},
        {"kind": "retry", "since": "0001-01-01T00:00:00+14:00"},
        {"kind": "retry", "until": "9999-12-31T23:59:59-12:00"},
        {"kind": "retry", "dry_run": "yes"},
        {"kind": "skip"},
        {"kind": "cancel", "reason": "   "},
        {"kind": "retry", "state": "bogus"},
    ],
)
def test_task_bodies_the_schema_forbids_are_refused(api, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    _refused(client.post("/api/v1/operations", json=body), 422)


def test_task_bodies_the_schema_allows_are_accepted(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    ok = client.post(
        "/api/v1/operations", json={"kind": "retry", "job_ids": [1, 2.0], "dry_run": True}
    )
    assert ok.status_code == 200, ok.text
    skip = client.post(
        "/api/v1/operations", json={"kind": "skip", "reason": "đã xử lý tay", "job_ids": [1]}
    )
    assert skip.status_code == 202, skip.text
    # The schema says so: skip and cancel require a reason, retry does not.
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "reason" in schemas["DropTask"]["required"]
    assert "reason" not in schemas["RetryTask"].get("required", [])
    assert "reason" in schemas["ReasonBody"]["required"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs?since=0001-01-01T00:00:00%2B14:00",
        "/api/v1/jobs?until=9999-12-31T23:59:59-12:00",
        "/api/v1/jobs?until=0.5",
        "/api/v1/jobs?since=1700000000",
        "/api/v1/catalog/1.000001/deadline?received=9999-12-31T10:00",
        "/api/v1/catalog/1.000001/deadline?received=0001-01-01T00:00",
    ],
)
def test_dates_out_of_range_or_not_iso_are_422(api, path: str) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    error = _refused(client.get(path), 422)
    assert error["loc"].startswith("query."), error


def test_an_apology_date_at_the_edge_is_422(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    ma = sample_lifecycle("bounds")[0].ma_ho_so
    answer = client.post(
        f"/api/v1/dossiers/{ma}/apology",
        json={"new_date": "9999-12-31T00:00:00-12:00", "reason": "trễ"},
    )
    assert _refused(answer, 422)["type"] == "date_range"


def test_since_after_until_says_why(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    error = _refused(client.get("/api/v1/jobs?since=2026-02-01T00:00&until=2026-01-01T00:00"), 422)
    assert "since is after until" in error["message_en"]
    assert "Mốc `since` sau mốc `until`" in error["message_vi"]


def test_unknown_state_or_connector_lists_the_valid_ones(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    error = _refused(client.get("/api/v1/jobs?state=bogus"), 422)
    assert "dead" in error["message_en"] and "pending" in error["message_en"]
    assert "dùng một trong" in error["message_vi"] and "dead" in error["message_vi"]
    error = _refused(client.get("/api/v1/jobs?connector=nosuch"), 404)
    assert "post, rec" in error["message_en"]
    assert "Không có hệ thống kết nối này" in error["message_vi"]
    assert "post, rec" in error["message_vi"]
    error = _refused(client.get("/api/v1/inbox?connector=nosuch"), 404)
    assert "rec" in error["message_en"]
    assert client.get("/api/v1/jobs?connector=rec").json()["total"] > 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs?ma_ho_so=a%00b",
        "/api/v1/jobs?ma_tthc=%00",
        "/api/v1/dossiers/000.00.22.H34-231125-0001%00",
        "/api/v1/catalog?search=x%1Fy",
        "/api/v1/updates?ma_ho_so=%7F",
        "/api/v1/no-such-route%00",
    ],
)
def test_control_characters_in_paths_and_filters_are_400(api, path: str) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    assert _refused(client.get(path), 400)["type"] == "bad_request"


def test_like_filters_take_percent_and_underscore_literally(api) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    ops = Operations(hub.store, connectors=hub.connectors)
    code = sample_lifecycle("bounds")[0].snapshot.ma_tthc
    assert ops.list_jobs(JobFilter(ma_tthc=code[:3]))[1] > 0
    for wildcard in ("_", "%", code[0] + "_", "%" + code[1:], "\\"):
        assert ops.list_jobs(JobFilter(ma_tthc=wildcard))[1] == 0, wildcard
        assert client.get("/api/v1/jobs", params={"ma_tthc": wildcard}).json()["total"] == 0
    assert hub.deadlines.list_dossiers(overdue_only=False, ma_tthc="_", limit=10) == []


def _callback(client: httpx.Client, nonce: str) -> httpx.Response:
    body = json.dumps({"ok": True}).encode()
    ts = str(int(time.time()))
    headers = {
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Signature": sign_hmac(SECRET, ts, nonce, body),
    }
    return client.post("/api/v1/callbacks/post", content=body, headers=headers)


def test_a_signed_callback_with_a_long_nonce_is_422(api) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    error = _refused(_callback(client, "n" * 201), 422)
    assert error["loc"] == "nonce"
    assert hub.store.list_province_updates(after_id=0, limit=10) == []
    assert _callback(client, "n" * 200).status_code == 200


def test_a_failing_callback_handler_is_a_503_logged_with_the_connector(api) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    hub.connectors["post"].fail = True
    with capture_logs() as logs:
        answer = _callback(client, uuid.uuid4().hex)
    assert _refused(answer, 503)["type"] == "unavailable"
    assert "RuntimeError" not in answer.text and "bug" not in answer.text
    failed = [e for e in logs if e["event"] == "callback_handler_failed"]
    assert failed and failed[0]["log_level"] == "error" and failed[0]["connector"] == "post"
    # Nothing was recorded: the ministry's retry is accepted once the handler works.
    hub.connectors["post"].fail = False
    assert _callback(client, uuid.uuid4().hex).status_code == 200


def test_every_operation_declares_every_error_status(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["errors"]
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    assert len(operations) > 25
    for op in operations:
        declared = set(op["responses"])
        assert {"400", "401", "403", "404", "409", "413", "422", "503"} <= declared, op["summary"]
    assert "requestBody" in spec["paths"]["/api/v1/events"]["post"]
    assert "202" in spec["paths"]["/api/v1/operations"]["post"]["responses"]
    assert "201" in spec["paths"]["/api/v1/reconcile"]["post"]["responses"]


# --- the command line ---------------------------------------------------------------


@pytest.fixture
def cli(build_hub, tmp_path):  # type: ignore[no-untyped-def]
    """The CLI in-process, on SQLite: each command builds a hub it leaves to the process
    exit to close, which a PostgreSQL connection would report as a ResourceWarning here
    (the rules it applies are the API's, checked on both databases above)."""
    from typer.testing import CliRunner

    from hub.cli import app

    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    hub = build_hub(
        db_url, connectors={"rec": RecordingConnector()}, routes=[RouteRule(connector="rec")]
    )
    hub.store.ingest(sample_lifecycle("bounds")[:2], hub.router.targets)

    def run(*args: str) -> Any:
        env = {"TTHC_HUB_DATABASE_URL": db_url, "TTHC_HUB_LANG": "en"}
        return CliRunner().invoke(app, list(args), env=env)

    return run


@pytest.mark.parametrize(
    "args",
    [
        ("jobs", "show", HUGE),
        ("jobs", "retry", HUGE),
        ("jobs", "skip", HUGE, "--reason", "x"),
        ("jobs", "cancel", BIG, "--reason", "x"),
        ("jobs", "pause", HUGE),
        ("jobs", "resume", "0"),
        ("jobs", "list", "--page", HUGE),
        ("jobs", "tasks", "--limit", HUGE),
        ("audit", "--limit", HUGE),
        ("reconcile", "show", HUGE),
    ],
)
def test_cli_integers_out_of_range_are_a_usage_error(cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert "Invalid value for" in result.output


@pytest.mark.parametrize(
    "args,words",
    [
        (("jobs", "list", "--state", "bogus"), ["pending", "dead", "cancelled"]),
        (("jobs", "list", "--connector", "nosuch"), ["use one of rec"]),  # in the outbox
        (("jobs", "list", "--since", "2026-02-01", "--until", "2026-01-01"), ["since is after"]),
        (("jobs", "list", "--since", "0001-01-01"), ["1900 to 2100"]),
        (("jobs", "retry", "--state", "bogus", "--dry-run"), ["pending", "dead"]),
    ],
)
def test_cli_filters_that_match_nothing_by_mistake_say_why(cli, args, words) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output
