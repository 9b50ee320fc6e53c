"""Hostile and random input at the ingest and operations API: never a 5xx.

hypothesis sends arbitrary JSON, valid events with fields replaced by arbitrary
values, and arbitrary query strings; every answer must be a 2xx or a 4xx with the
error shape, and the hub must go on accepting good events."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.api import create_app
from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.testing.mock.server import start_server
from hub.testing.samples import sample_lifecycle

from ..integration.recording import RecordingConnector

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=30,
)
TEMPLATE = sample_lifecycle("fuzz")[2].model_dump(mode="json", exclude={"sequence"})


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


PATHS = list(_paths(TEMPLATE))


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        settings_ = HubSettings(
            database_url=f"sqlite:///{Path(tmp) / 'fuzz.db'}", routes=[RouteRule(connector="rec")]
        )
        hub = Hub(settings_, connectors={"rec": RecordingConnector()})
        server = start_server(create_app(hub))
        yield server.url
        server.stop()


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        body = response.json()
        assert "errors" in body or "detail" in body


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON)
def test_arbitrary_json_bodies(api: str, body: Any) -> None:
    _check(
        httpx.post(
            f"{api}/api/v1/events",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            timeout=10,
        )
    )


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), value=JSON, n=st.integers(0, 10_000))
def test_valid_event_with_one_field_replaced(
    api: str, path: tuple[Any, ...], value: Any, n: int
) -> None:
    body = json.loads(json.dumps(TEMPLATE))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    body["id"] = f"fuzz-{n}"
    _check(httpx.post(f"{api}/api/v1/events", json=body, timeout=10))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "state",
                "connector",
                "ma_ho_so",
                "ma_tthc",
                "error_class",
                "since",
                "until",
                "sort",
                "limit",
                "offset",
            ]
        ),
        st.text(max_size=30) | st.integers(-10, 10**12).map(str),
        max_size=6,
    )
)
def test_arbitrary_job_queries(api: str, params: dict[str, str]) -> None:
    _check(httpx.get(f"{api}/api/v1/jobs", params=params, timeout=10))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/?#%"),
        max_size=10,
    ),
    job=st.integers(-5, 10**15),
    body=JSON,
)
def test_arbitrary_operator_actions(api: str, kind: str, job: int, body: Any) -> None:
    _check(
        httpx.post(
            f"{api}/api/v1/jobs/{job}/{kind or 'x'}",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            timeout=10,
        )
    )
    _check(
        httpx.post(
            f"{api}/api/v1/operations",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            timeout=10,
        )
    )


def test_still_accepts_good_events_after_the_fuzzing(api: str) -> None:
    event = sample_lifecycle("after-fuzz")[0].model_dump(mode="json", exclude={"sequence"})
    assert httpx.post(f"{api}/api/v1/events", json=event, timeout=10).status_code == 202
