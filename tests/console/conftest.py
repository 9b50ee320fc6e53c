"""Fixtures of the console tests: a hub with a recording connector, four API keys (one
per role a console user holds), and a signed-in HTTP client per key."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from hub.auth import hash_key
from hub.service import Hub
from hub.settings import ApiKeySetting, RetrySettings, RouteRule, WorkerSettings
from hub.testing.samples import sample_lifecycle
from tests.integration.recording import RecordingConnector, permanent

KEYS = {
    "viewer": "thub_viewer-key-for-tests",
    "operator": "thub_operator-key-for-tests",
    "payload-viewer": "thub_payload-key-for-tests",
    "admin": "thub_admin-key-for-tests",
}


def key_settings() -> list[ApiKeySetting]:
    return [
        ApiKeySetting(name=f"{role}-person", sha256=hash_key(key), roles=[role])  # type: ignore[list-item]
        for role, key in KEYS.items()
    ]


@pytest.fixture
def console_hub(build_hub: Callable[..., Hub]) -> Hub:
    """A hub with the four keys and a recording connector ``rec`` that every event goes to."""
    return build_hub(
        worker=WorkerSettings(
            poll_seconds=0.01, retry=RetrySettings(initial_seconds=0.01, max_attempts=1)
        ),
        routes=[RouteRule(connector="rec")],
        connectors={"rec": RecordingConnector()},
        api_keys=key_settings(),
    )


def make_dead_jobs(hub: Hub, seeds: list[str]) -> list[str]:
    """One dead job per seed (the first event of each dossier, refused permanently); the
    dossiers' later events wait behind it. Returns the mã hồ sơ."""
    rec: RecordingConnector = hub.connectors["rec"]  # type: ignore[assignment]
    codes = []
    for seed in seeds:
        first, *_rest = sample_lifecycle(seed)
        rec.script[first.id] = [permanent()]
        hub.store.ingest([first], hub.router.targets)
        codes.append(first.ma_ho_so)
    asyncio.run(hub.worker.run_until_idle(timeout=60))
    return codes


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: httpx.Client, key: str, **headers: str) -> httpx.Response:
    form = client.get("/console/signin", headers=headers)
    return client.post(
        "/console/signin",
        data={"csrf": csrf_of(form.text), "key": key, "next": "/console/overview"},
        headers=headers,
    )


@pytest.fixture
def signed_in(
    console_hub: Hub, hub_api: Callable[..., httpx.Client]
) -> Iterator[Callable[[str], Any]]:
    """``signed_in(role)``: an HTTP client on the console's server, signed in with that key."""
    base = hub_api(console_hub)
    made: list[httpx.Client] = []

    def _client(role: str) -> httpx.Client:
        client = httpx.Client(base_url=base.base_url, timeout=10)
        made.append(client)
        response = sign_in(client, KEYS[role])
        assert response.status_code == 303, response.text
        return client

    yield _client
    for client in made:
        client.close()
