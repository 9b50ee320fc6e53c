"""Ingest over real HTTP (issue #23): a body nested too deeply to parse is a clear 400; a
repeated event id with a different body is a 409 naming the id, the same body an
idempotent 202, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hub.api import create_app
from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.testing.samples import sample_lifecycle

from .recording import RecordingConnector


@pytest.fixture
def client(db_url, serve_app):  # type: ignore[no-untyped-def]
    settings = HubSettings(database_url=db_url, routes=[RouteRule(connector="rec", ma_tthc=[])])
    hub = Hub(settings, connectors={"rec": RecordingConnector()})
    server = serve_app(create_app(hub))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
    hub.engine.dispose()


def body(seed: str, n: int = 0) -> dict[str, Any]:
    return sample_lifecycle(seed)[n].model_dump(mode="json", exclude={"sequence"})


def post(client: httpx.Client, data: Any) -> httpx.Response:
    return client.post("/api/v1/events", content=json.dumps(data, ensure_ascii=False).encode())


@pytest.mark.parametrize("depth", [5_000, 50_000])
def test_body_nested_too_deeply_is_a_400_naming_the_body(client, depth: int) -> None:  # type: ignore[no-untyped-def]
    for raw in ("[" * depth + "]" * depth, '{"events": ' + '{"a": ' * depth + "1" + "}" * depth):
        answer = client.post("/api/v1/events", content=raw.encode())
        assert answer.status_code == 400, answer.text
        (error,) = answer.json()["errors"]
        assert (error["loc"], error["type"]) == ("body", "body_too_deep")
        assert "nested too deeply" in error["message_en"] and error["message_vi"]


def test_same_id_same_body_is_an_idempotent_202(client) -> None:  # type: ignore[no-untyped-def]
    event = body("same")
    first = post(client, event)
    assert first.status_code == 202 and first.json()["duplicates"] == []
    # The same event again, keys in another order and its time in another offset.
    again = dict(reversed(list(event.items())))
    again["occurred_at"] = datetime.fromisoformat(event["occurred_at"]).astimezone(UTC).isoformat()
    repeated = post(client, again)
    assert repeated.status_code == 202, repeated.text
    assert repeated.json() == {"accepted": [], "duplicates": [event["id"]]}
    # And twice in one batch: the second counts as a duplicate of the first.
    other = body("same-batch")
    both = post(client, {"events": [other, other]})
    assert both.status_code == 202 and both.json()["duplicates"] == [other["id"]]


def test_same_id_with_another_body_is_a_409_naming_the_id(client) -> None:  # type: ignore[no-untyped-def]
    event = body("conflict")
    assert post(client, event).status_code == 202
    changed = json.loads(json.dumps(event))
    changed["ma_ho_so"] = changed["snapshot"]["ma_ho_so"] = body("elsewhere")["ma_ho_so"]
    answer = post(client, changed)
    assert answer.status_code == 409, answer.text
    (error,) = answer.json()["errors"]
    assert error["type"] == "event_id_conflict" and error["loc"] == "events[0].id"
    assert event["id"] in error["message_en"] and error["message_vi"]
    # Nothing of the second body was kept: that dossier does not exist.
    assert client.get(f"/api/v1/dossiers/{changed['ma_ho_so']}").status_code == 404


def test_a_conflict_refuses_the_whole_batch_listing_each_id(client) -> None:  # type: ignore[no-untyped-def]
    kept = [body("b1"), body("b2")]
    assert post(client, {"events": kept}).status_code == 202
    fresh = body("b3")
    changed = [json.loads(json.dumps(e)) for e in kept]
    for e in changed:
        e["snapshot"]["trich_yeu"] = "changed"
    twice = body("b4")
    twice_changed = json.loads(json.dumps(twice))
    twice_changed["snapshot"]["trich_yeu"] = "changed"
    batch = [fresh, changed[0], kept[1], changed[1], twice, twice_changed]
    answer = post(client, {"events": batch})
    assert answer.status_code == 409, answer.text
    errors = answer.json()["errors"]
    assert [(e["loc"], e["type"]) for e in errors] == [
        ("events[1].id", "event_id_conflict"),
        ("events[3].id", "event_id_conflict"),
        ("events[5].id", "event_id_conflict"),
    ]
    assert [kept[0]["id"], kept[1]["id"], twice["id"]] == [
        next(i for i in (kept[0]["id"], kept[1]["id"], twice["id"]) if i in e["message_en"])
        for e in errors
    ]
    # The whole batch was refused: the fresh events were not kept either.
    for e in (fresh, twice):
        assert client.get(f"/api/v1/dossiers/{e['ma_ho_so']}").status_code == 404


def test_insert_many_counts_the_rows_a_conflict_left_out(db_url) -> None:  # type: ignore[no-untyped-def]
    """ingest tells a dossier another ingester created meanwhile (retrying the batch on
    top of it) by the rows its ON CONFLICT DO NOTHING insert counted: one executemany,
    on both drivers the sum over the rows."""
    from hub.store.ingest import insert_many
    from hub.store.tables import dossiers

    hub = Hub(HubSettings(database_url=db_url), connectors={})
    now = datetime.now(UTC)

    def row(code: str) -> dict[str, Any]:
        return {"ma_ho_so": code, "ma_tthc": "1.001776", "trang_thai": 2, "origin": "province",
                "last_sequence": 1, "snapshot_json": '{"a":1}', "created_at": now,
                "updated_at": now}  # fmt: skip

    try:
        with hub.store.begin() as conn:
            assert insert_many(conn, dossiers, [row("A-1")], ignore=True) == 1
        with hub.store.begin() as conn:
            rows = [row("A-0"), row("A-1"), row("A-2")]
            assert insert_many(conn, dossiers, rows, ignore=True) == 2
        found = hub.store.get_dossier("A-1")
        assert found is not None and found["snapshot"] == {"a": 1}
    finally:
        hub.engine.dispose()
