"""The ingest API over real HTTP: bad input gets field-level 4xx, nothing personal echoed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hub.settings import ApiSettings, RouteRule
from hub.testing.samples import sample_lifecycle

from .recording import RecordingConnector


@pytest.fixture
def api(build_hub, hub_api):  # type: ignore[no-untyped-def]
    hub = build_hub(
        api=ApiSettings(max_body_bytes=64 * 1024, max_batch_events=50),
        routes=[RouteRule(connector="rec", ma_tthc=["1.001776", "1.001731"])],
        connectors={"rec": RecordingConnector()},
    )
    return hub, hub_api(hub)


def payload(event: Any) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude={"sequence"})


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    assert set(body) == {"errors"}
    for e in body["errors"]:
        assert {"loc", "type", "message_vi", "message_en"} <= set(e)
    return body["errors"]


def test_single_event_batch_and_list_are_accepted(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    a, b, c = sample_lifecycle(1)[:3]
    r1 = client.post("/api/v1/events", json=payload(a))
    r2 = client.post("/api/v1/events", json={"events": [payload(b)]})
    r3 = client.post("/api/v1/events", json=[payload(c)])
    assert [r.status_code for r in (r1, r2, r3)] == [202, 202, 202]
    assert r3.json()["accepted"][0] == {
        "id": c.id,
        "ma_ho_so": c.ma_ho_so,
        "sequence": 3,
        "connectors": ["rec"],
    }


def test_replayed_event_is_reported_as_duplicate(api) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    event = sample_lifecycle(2)[0]
    client.post("/api/v1/events", json=payload(event))
    again = client.post("/api/v1/events", json=payload(event))
    assert again.status_code == 202
    assert again.json() == {"accepted": [], "duplicates": [event.id]}
    assert len(hub.store.list_jobs()) == 1


def test_malformed_json_is_400(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    r = client.post(
        "/api/v1/events", content=b'{"id": "x",', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert errors_of(r)[0]["type"] == "json_invalid"


def test_invalid_cccd_names_the_field_in_both_languages_without_echo(api) -> None:  # type: ignore[no-untyped-def]
    hub, client = api
    good, bad = sample_lifecycle(3)[:1], sample_lifecycle(4)[0]
    client.post("/api/v1/events", json=payload(good[0]))
    body = payload(bad)
    body["snapshot"]["chu_ho_so"]["so_giay_to"] = "07920100123"  # 11 digits
    r = client.post("/api/v1/events", json={"events": [payload(sample_lifecycle(5)[0]), body]})
    assert r.status_code == 422
    [error] = errors_of(r)
    assert error["loc"] == "events[1].snapshot.chu_ho_so.so_giay_to"
    assert "CCCD" in error["message_en"] and "CCCD 12 chữ số" in error["message_vi"]
    assert "07920100123" not in r.text
    # Nothing of the refused batch was stored; the earlier event is intact.
    assert [j["event_id"] for j in hub.store.list_jobs()] == [good[0].id]


def test_missing_required_field(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    body = payload(sample_lifecycle(6)[0])
    del body["snapshot"]["ngay_nop"]
    r = client.post("/api/v1/events", json=body)
    assert r.status_code == 422
    assert errors_of(r)[0]["loc"] == "snapshot.ngay_nop"
    assert errors_of(r)[0]["message_vi"] == "thiếu trường bắt buộc"


def test_unknown_ma_tthc_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    body = payload(sample_lifecycle(7)[0])
    body["snapshot"]["ma_tthc"] = "9.999999"
    r = client.post("/api/v1/events", json=body)
    assert r.status_code == 422
    assert errors_of(r)[0] == {
        "loc": "events[0].snapshot.ma_tthc",
        "type": "ma_tthc_unknown",
        "message_vi": "mã TTHC không có trong danh mục thủ tục",
        "message_en": "mã TTHC is not in the procedure catalog",
    }


def test_bad_ma_ho_so_format(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    body = payload(sample_lifecycle(8)[0])
    body["ma_ho_so"] = body["snapshot"]["ma_ho_so"] = "H34-2025-1"
    r = client.post("/api/v1/events", json=body)
    locs = {e["loc"] for e in errors_of(r)}
    assert r.status_code == 422 and {"ma_ho_so", "snapshot.ma_ho_so"} <= locs


def test_oversized_body_is_413(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    r = client.post(
        "/api/v1/events",
        content=b"[" + b" " * (70 * 1024) + b"]",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert errors_of(r)[0]["type"] == "body_too_large"


def test_oversized_batch_is_413(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    events = [payload(e) for i in range(13) for e in sample_lifecycle(f"big{i}")]
    r = client.post(
        "/api/v1/events",
        content=json.dumps({"events": events[:51]}).encode(),
        headers={"content-type": "application/json"},
    )
    # 51 events exceed max_batch_events=50 (or the body limit first; both are 413)
    assert r.status_code == 413


def test_forbidden_transition_is_409(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    lifecycle = sample_lifecycle(9)
    client.post("/api/v1/events", json=[payload(e) for e in lifecycle])
    late = payload(lifecycle[1])
    late["id"] = "late"
    r = client.post("/api/v1/events", json=late)
    assert r.status_code == 409
    [error] = errors_of(r)
    assert error["type"] == "invalid_transition" and error["loc"] == "events[0].snapshot.trang_thai"


def test_health_and_jobs(api) -> None:  # type: ignore[no-untyped-def]
    _hub, client = api
    assert client.get("/api/v1/health").json()["status"] == "ok"
    client.post("/api/v1/events", json=payload(sample_lifecycle(10)[0]))
    items = client.get("/api/v1/jobs", params={"state": "pending"}).json()["items"]
    assert len(items) == 1 and items[0]["connector"] == "rec"
