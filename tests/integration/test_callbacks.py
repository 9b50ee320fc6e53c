"""Ministry callbacks: a good signature is accepted once and reaches the province; a
tampered body, a wrong secret, a stale timestamp or a replayed nonce is refused."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from hub.callbacks import Callback, sign_hmac, verify_hmac
from hub.connector import Capability

from .recording import RecordingConnector

SECRET = "bi-mat-chung"


class Post(RecordingConnector):
    """A delivery service that calls back when a parcel (a result) is delivered."""

    capabilities = frozenset({Capability.PUSH})

    async def handle_callback(self, headers: Mapping[str, str], body: bytes) -> Callback:
        nonce, when = verify_hmac(SECRET, headers, body)
        data = json.loads(body)
        update = (data["OrderNumber"], "delivered", {"status": data["StatusCode"]})
        return Callback(nonce=nonce, timestamp=when, updates=[update], reply={"Status": "OK"})


@pytest.fixture
def api(build_hub, db_url, hub_api):  # type: ignore[no-untyped-def]
    hub = build_hub(db_url, connectors={"bcci": Post("bcci")})
    return hub, str(hub_api(hub).base_url).rstrip("/")


def send(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str = SECRET,
    ts: float | None = None,
    nonce: str | None = None,
    tamper: bool = False,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    timestamp = str(int(ts if ts is not None else time.time()))
    nonce = nonce or uuid.uuid4().hex
    headers = {
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": sign_hmac(secret, timestamp, nonce, body),
    }
    if tamper:
        body = body.replace(b"5", b"6")
    return httpx.post(f"{url}/api/v1/callbacks/bcci", content=body, headers=headers, timeout=10)


DELIVERED = {"OrderNumber": "000.00.22.H34-251125-0005", "StatusCode": "5"}


def test_signed_callback_accepted_once(api) -> None:  # type: ignore[no-untyped-def]
    hub, url = api
    first = send(url, DELIVERED, nonce="n-1")
    assert first.status_code == 200 and first.json() == {"Status": "OK"}
    [update] = hub.store.list_province_updates()
    assert (update["ma_ho_so"], update["kind"]) == (DELIVERED["OrderNumber"], "delivered")
    replay = send(url, DELIVERED, nonce="n-1")
    assert replay.status_code == 409
    assert len(hub.store.list_province_updates()) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tamper": True},  # the body changed after signing
        {"secret": "not-the-secret"},  # signed by someone else
        {"ts": time.time() - 3600},  # an hour old: outside the freshness window
        {"ts": time.time() + 3600},  # from the future
    ],
    ids=["tampered", "wrong-secret", "stale", "future"],
)
def test_bad_callbacks_refused(api, kwargs: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    hub, url = api
    response = send(url, DELIVERED, **kwargs)
    assert response.status_code == 401
    assert "OrderNumber" not in response.text and hub.store.list_province_updates() == []


def test_unsigned_and_unknown(api) -> None:  # type: ignore[no-untyped-def]
    _hub, url = api
    assert httpx.post(f"{url}/api/v1/callbacks/bcci", json=DELIVERED).status_code == 401
    assert httpx.post(f"{url}/api/v1/callbacks/nowhere", json=DELIVERED).status_code == 404
