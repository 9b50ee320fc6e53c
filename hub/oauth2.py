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
by :func:`~hub.errors.ministry_errors`, like any other call. Concurrent callers share
the token (:class:`~hub.credential.SharedCredential`): those of one event loop that find
none wait for one fetch, and a 401 drops the token only if no other caller has already
replaced it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from hub.credential import SharedCredential
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
        self._token = SharedCredential(self._fetch)
        #: Calls answered 401 that were sent again with a fresh token.
        self.renewed_after_401 = 0

    @property
    def tokens_fetched(self) -> int:
        """Tokens fetched: the first, each refresh before expiry, each after a 401."""
        return self._token.fetches

    def invalidate(self) -> None:
        """Forget the token: the next call fetches a fresh one."""
        self._token.clear()

    async def token(self) -> str:
        """A valid access token, fetched when there is none or it is about to expire.

        :raises RejectedError: the token endpoint refused the credentials (400, 401).
        :raises TransientError: transport failure, 429/5xx, a body that is not JSON.
        :raises ContractError: an answer without ``access_token`` or ``expires_in``.
        """
        return await self._token.get()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """``method url`` on the pool's client with the bearer token; a 401 answer gets
        a fresh token and one more try (more only while the tokens refused had served
        other calls: :meth:`~hub.credential.SharedCredential.refused`). The answer is
        returned as it is (the caller runs ``raise_for_status`` inside
        :func:`~hub.errors.ministry_errors`)."""
        headers = dict(kwargs.pop("headers", None) or {})
        renewed = 0
        while True:
            sent = await self.token()
            headers["Authorization"] = f"Bearer {sent}"
            response = await self._pool.client().request(method, url, headers=headers, **kwargs)
            if response.status_code != 401:
                self._token.served(sent)
                break
            if not self._token.refused(sent, renewed):  # kept if already replaced
                break
            await response.aclose()
            renewed += 1
        if renewed:
            self.renewed_after_401 += 1
        return response

    async def _fetch(self) -> tuple[str, float]:
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
        return str(token), time.monotonic() + expires_in - margin
