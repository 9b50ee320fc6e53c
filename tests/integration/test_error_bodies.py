"""Every refusal of the API has one body, built in one place (hub.errors.error_body):
``{"errors": [{"loc", "type", "message_vi", "message_en"}]}``, with the status the
error's class carries, whichever router (or FastAPI itself) refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.auth import hash_key
from hub.errors import (
    ActionRefused,
    ConfigError,
    HubError,
    IngestError,
    PermanentError,
    RequestRefused,
    TransientError,
    error_body,
)
from hub.reconcile import ReconcileError
from hub.settings import ApiKeySetting, ApiSettings

from .recording import RecordingConnector

ADMIN, VIEWER = "thub_admin_key_for_tests", "thub_viewer_key_for_tests"
ITEM_KEYS = {"loc", "type", "message_vi", "message_en"}


@pytest.fixture
def client(build_hub: Any, hub_api: Any) -> httpx.Client:
    hub = build_hub(
        api=ApiSettings(max_body_bytes=4096, max_batch_events=2),
        api_keys=[
            ApiKeySetting(name="admin", sha256=hash_key(ADMIN), roles=["admin"]),
            ApiKeySetting(name="viewer", sha256=hash_key(VIEWER), roles=["viewer"]),
        ],
        connectors={"rec": RecordingConnector()},
    )
    c: httpx.Client = hub_api(hub)
    c.headers["Authorization"] = f"Bearer {ADMIN}"
    return c


def _as(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {"Authorization": ""}


#: (method, path, request options, expected status, expected type of the first error)
CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("POST", "/api/v1/events", {"content": b"{not json"}, 400, "json_invalid"),
    ("POST", "/api/v1/events", {"json": {"id": "x"}}, 422, "missing"),
    ("POST", "/api/v1/events", {"json": {"events": []}}, 422, "too_short"),
    ("POST", "/api/v1/events", {"content": b"x" * 5000}, 413, "body_too_large"),
    ("GET", "/api/v1/dossiers/000.00.22.H34-231125-0001", {}, 404, "not_found"),
    ("GET", "/api/v1/lookup/nobody/000.00.22.H34-231125-0001", {}, 404, "not_found"),
    ("POST", "/api/v1/callbacks/nobody", {"content": b"{}"}, 404, "not_found"),
    ("GET", "/api/v1/jobs/999", {}, 404, "not_found"),
    ("GET", "/api/v1/jobs", {"params": {"sort": "sideways"}}, 422, "bad_sort"),
    ("GET", "/api/v1/jobs", {"params": {"limit": 0}}, 422, "greater_than_equal"),
    ("POST", "/api/v1/jobs/999/retry", {"json": {}}, 409, "refused"),
    ("POST", "/api/v1/jobs/999/skip", {"json": {}}, 422, "reason_required"),
    ("GET", "/api/v1/operations/999", {}, 404, "not_found"),
    ("GET", "/api/v1/jobs/1", {"params": {"payloads": True}, "headers": _as(VIEWER)}, 403,
     "forbidden"),
    ("GET", "/api/v1/jobs", {"headers": _as(None)}, 401, "unauthorized"),
    ("POST", "/api/v1/jobs/1/retry", {"json": {}, "headers": _as(VIEWER)}, 403, "forbidden"),
    ("GET", "/api/v1/reconcile/999", {}, 404, "not_found"),
    ("GET", "/api/v1/reconcile/999/report.doc", {}, 422, "invalid"),
    ("POST", "/api/v1/reconcile", {"json": {"connector": "rec"}}, 422, "not_listable"),
    ("GET", "/api/v1/catalog/9.999999", {}, 404, "ma_tthc_unknown"),
    ("POST", "/api/v1/dossiers/000.00.22.H34-231125-0001/apology",
     {"json": {"new_date": "2030-01-02T08:00:00", "reason": "chờ"}}, 404, "not_found"),
    ("GET", "/api/v1/no-such-thing", {}, 404, "not_found"),
    ("DELETE", "/api/v1/jobs", {}, 405, "method_not_allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "options", "status", "kind"), CASES)
def test_every_refusal_has_the_one_body(
    client: httpx.Client, method: str, path: str, options: dict[str, Any], status: int, kind: str
) -> None:
    response = client.request(method, path, **options)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    for item in body["errors"]:
        assert set(item) == ITEM_KEYS, item
        assert all(isinstance(item[k], str) for k in ITEM_KEYS), item
        assert item["message_en"] and item["message_vi"]
    assert body["errors"][0]["type"] == kind


def test_unauthorized_keeps_the_challenge_header(client: httpx.Client) -> None:
    response = client.get("/api/v1/jobs", headers=_as(None))
    assert response.headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (IngestError("bad", code="invalid_transition", status=409, loc="events[0]"), 409),
        (ActionRefused("no such job", code="not_found"), 404),
        (ActionRefused("job 3 is dead"), 409),
        (RequestRefused("no key", code="unauthorized"), 401),
        (ReconcileError("no run 3", code="not_found"), 404),
        (ReconcileError("cannot list", code="not_listable"), 422),
        (TransientError("ministry busy", code="http_503"), 503),
        (PermanentError("ministry refused"), 502),
        (ConfigError("bad settings"), 500),
    ],
)
def test_the_body_and_status_come_from_the_error(error: HubError, status: int) -> None:
    assert error.status == status
    (item,) = error_body(error)["errors"]
    assert set(item) == ITEM_KEYS
    assert (item["type"], item["message_en"]) == (error.code, error.reason)
    assert item["loc"] == (error.loc or "")


def test_personal_data_in_a_reason_is_masked_in_the_body() -> None:
    (item,) = error_body(ActionRefused("CCCD 001099012345 is not on file"))["errors"]
    assert "001099012345" not in item["message_en"] + item["message_vi"]
