"""hub.oauth2.ClientCredentials against an in-process token endpoint (httpx.MockTransport):
one token for many calls, one fetch for concurrent callers, one renewal on a 401, and
refused credentials as a RejectedError in the connector's own words."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hub.errors import ContractError, RejectedError
from hub.messages import message
from hub.oauth2 import ClientCredentials


class Ministry:
    def __init__(self, secret: str = "s3cret") -> None:
        self.secret = secret
        self.issued: list[str] = []
        self.live: set[str] = set()
        self.token_body: dict[str, Any] | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            expected = httpx.BasicAuth("tinh", self.secret)
            if request.headers.get("Authorization") != _basic(expected):
                return httpx.Response(401, json={"error": "invalid_client"})
            assert b"grant_type=client_credentials" in request.content
            token = f"t{len(self.issued) + 1}"
            self.issued.append(token)
            self.live.add(token)
            body = self.token_body or {"access_token": token, "expires_in": 3600}
            return httpx.Response(200, json=body)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.live:
            return httpx.Response(401, json={"error": "invalid_token"})
        return httpx.Response(200, json={"ok": True})


def _basic(auth: httpx.BasicAuth) -> str:
    request = httpx.Request("POST", "http://x")
    return next(auth.auth_flow(request)).headers["Authorization"]


class Pool:
    def __init__(self, ministry: Ministry) -> None:
        self.http = httpx.AsyncClient(
            base_url="http://ministry", transport=httpx.MockTransport(ministry.handle)
        )

    def client(self) -> httpx.AsyncClient:
        return self.http


def credentials(ministry: Ministry, secret: str = "s3cret") -> ClientCredentials:
    return ClientCredentials(
        Pool(ministry),  # type: ignore[arg-type]  # what ClientCredentials uses of a pool
        "/oauth2/token",
        client_id="tinh",
        client_secret=secret,
        system="demo",
        refused=message("text", text="credentials refused"),
    )


def test_one_token_for_many_calls_and_one_fetch_for_concurrent_callers() -> None:
    ministry = Ministry()
    auth = credentials(ministry)

    async def scenario() -> list[int]:
        tokens = await asyncio.gather(*(auth.token() for _ in range(5)))
        assert set(tokens) == {"t1"}
        answers = [await auth.request("GET", "/api/x") for _ in range(3)]
        return [a.status_code for a in answers]

    assert asyncio.run(scenario()) == [200, 200, 200]
    assert ministry.issued == ["t1"] and auth.tokens_fetched == 1


def test_a_401_gets_one_fresh_token_and_one_more_try() -> None:
    ministry = Ministry()
    auth = credentials(ministry)

    async def scenario() -> list[int]:
        first = await auth.request("GET", "/api/x")
        ministry.live.clear()  # revoked at the ministry
        second = await auth.request("GET", "/api/x")
        ministry.secret = "changed"  # and now the credentials too: the 401 stays
        ministry.live.clear()
        with pytest.raises(RejectedError) as refused:
            await auth.request("GET", "/api/x")
        assert str(refused.value.remote_code) == "401"
        return [first.status_code, second.status_code]

    assert asyncio.run(scenario()) == [200, 200]
    assert ministry.issued == ["t1", "t2"] and auth.renewed_after_401 == 1


def test_refused_credentials_and_a_token_answer_without_a_token() -> None:
    with pytest.raises(RejectedError, match="credentials refused"):
        asyncio.run(credentials(Ministry(), secret="wrong").token())
    ministry = Ministry()
    ministry.token_body = {"token_type": "Bearer"}
    with pytest.raises(ContractError, match="access_token"):
        asyncio.run(credentials(ministry).token())
