"""OAuth2 client credentials for a connector's HTTP client (RFC 6749 §4.4).

``POST <token_url>`` with ``Authorization: Basic base64(client_id:client_secret)`` and
``grant_type=client_credentials`` answers ``{access_token, token_type, expires_in}``.
Every call then carries ``Authorization: Bearer <token>``. The token is cached until
``refresh_margin_seconds`` before it expires (at most half its life), and fetched once
more when the ministry answers 401 anyway (revoked, clocks apart)::

    self._pool = ConnectorHttp(settings, system=SYSTEM)
    self._auth = ClientCredentials(
        self._pool, settings.base_url + "/oauth2/token",
        client_id=settings.client_id, client_secret=settings.client_secret,
        system=SYSTEM, refused=messages.KEY_REFUSED(system=SYSTEM),
    )
    ...
    with ministry_errors(SYSTEM):
        response = await self._auth.request("POST", "GuiHoSo", json=body)
        response.raise_for_status()

A token endpoint answering 400 or 401 refused the credentials: a
:class:`~hub.errors.RejectedError` carrying ``refused`` (the connector's own words,
naming its settings section). Transport and HTTP failures of the token call are mapped
by :func:`~hub.errors.ministry_errors`, like any other call. Concurrent callers in one
event loop share one token fetch.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from hub.errors import ContractError, RejectedError, ministry_errors
from hub.messages import message

if TYPE_CHECKING:
    from hub.http import ConnectorHttp
    from hub.messages import Message

__all__ = ["ClientCredentials"]

#: ``check_answer(answer)``: raise the ministry's own error for a token answer in its
#: own envelope (a "busy" status ...); return to let the standard fields be read.
AnswerCheck = Callable[[Any], None]


class ClientCredentials:
    """The access token of one set of client credentials, and calls that carry it."""

    def __init__(
        self,
        pool: ConnectorHttp,
        token_url: str,
        *,
        client_id: str,
        client_secret: SecretStr | str,
        system: str,
        refused: Message,
        refresh_margin_seconds: float = 60.0,
        scope: str | None = None,
        check_answer: AnswerCheck | None = None,
    ) -> None:
        self._pool = pool
        self._token_url = token_url
        self._client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        self._system = system
        self._refused = refused
        self._margin = refresh_margin_seconds
        self._scope = scope
        self._check_answer = check_answer
        self._token: str | None = None
        self._expires_at = 0.0  # time.monotonic() after which the token is refreshed
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        #: Tokens fetched: the first, each refresh before expiry, each after a 401.
        self.tokens_fetched = 0
        #: Calls answered 401 that were sent again with a fresh token.
        self.renewed_after_401 = 0

    def invalidate(self) -> None:
        """Forget the token: the next call fetches a fresh one."""
        self._token = None

    async def token(self) -> str:
        """A valid access token, fetched when there is none or it is about to expire.

        :raises RejectedError: the token endpoint refused the credentials (400, 401).
        :raises TransientError: transport failure, 429/5xx, a body that is not JSON.
        :raises ContractError: an answer without ``access_token`` or ``expires_in``.
        """
        if self._fresh():
            return self._token  # type: ignore[return-value]  # _fresh() says it is set
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            if not self._fresh():  # another caller of this loop may have fetched it
                await self._fetch()
            assert self._token is not None
            return self._token

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """``method url`` on the pool's client with the bearer token; a 401 answer gets
        one fresh token and one more try. The answer is returned as it is (the caller
        runs ``raise_for_status`` inside :func:`~hub.errors.ministry_errors`)."""
        headers = dict(kwargs.pop("headers", None) or {})
        for attempt in range(2):
            sent = await self.token()
            headers["Authorization"] = f"Bearer {sent}"
            response = await self._pool.client().request(method, url, headers=headers, **kwargs)
            if response.status_code != 401 or attempt:
                break
            await response.aclose()
            if self._token == sent:  # not already replaced by a concurrent caller
                self._token = None
        if attempt:
            self.renewed_after_401 += 1
        return response

    def _fresh(self) -> bool:
        return self._token is not None and time.monotonic() < self._expires_at

    async def _fetch(self) -> None:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        secret = self._secret.get_secret_value()
        with ministry_errors(self._system):
            response = await self._pool.client().post(
                self._token_url, data=form, auth=httpx.BasicAuth(self._client_id, secret)
            )
            if response.status_code in (400, 401):
                raise RejectedError(
                    self._refused, system=self._system, remote_code=str(response.status_code)
                )
            response.raise_for_status()
            answer = response.json()
        if self._check_answer is not None:
            self._check_answer(answer)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        expires_in = answer.get("expires_in") if isinstance(answer, dict) else None
        if not token or not isinstance(expires_in, int | float) or expires_in <= 0:
            operation = httpx.URL(self._token_url).path or self._token_url
            words = message(
                "contract.missing", operation=operation, field="access_token/expires_in"
            )
            raise ContractError(words, system=self._system)
        margin = min(self._margin, expires_in / 2)
        self._token = str(token)
        self._expires_at = time.monotonic() + expires_in - margin
        self.tokens_fetched += 1
