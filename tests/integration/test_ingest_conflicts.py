"""Ingest over real HTTP (issue #23): a body nested too deeply to parse is a clear 400; a
repeated event id with a different body is a 409 naming the id, the same body an
idempotent 202, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
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
    settings = HubSettings(
        database_url=db_url, routes=[RouteRule(connector="rec", ma_tthc=[])]
    )
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
