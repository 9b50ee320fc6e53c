"""HTTP client of VNPost's API: the only module of the connector that talks HTTP.

OAuth2 client credentials: ``POST /oauth2/token`` with ``Authorization: Basic
base64(consumer_key:consumer_secret)`` and ``grant_type=client_credentials`` answers
``{access_token, token_type, expires_in}``. Every call carries ``Authorization: Bearer
<token>``. The token is refreshed ``token_refresh_margin_seconds`` before it expires,
and once more when VNPost answers 401 anyway (revoked, clocks apart). Answers are
``{Status, Message, ...}``; :data:`STATUS_CODES` says which are worth a retry.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    HubError,
    RejectedError,
    message,
    ministry_errors,
    remote_error,
)

from . import messages
from .settings import BcciSettings

__all__ = ["ALREADY_EXISTS", "OK", "STATUS_CODES", "BcciClient"]

SYSTEM = "bcci"
OK = "0"
INVALID = "1"
ALREADY_EXISTS = "2"  #: the same order (OrderNumber + OrderType) is held already
CHANGED = "3"  #: an open order with this OrderNumber + OrderType holds other data
NOT_FOUND = "4"
NOT_CANCELLABLE = "5"
BUSY = "99"

#: Status -> (worth a retry?, what it means for an operator): connectors/bcci/messages.py.
STATUS_CODES = messages.STATUS


class BcciClient:
    """One pooled ``httpx.AsyncClient`` and the current access token."""

    def __init__(self, settings: BcciSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, system=SYSTEM)
        self._token: str | None = None
        self._expires_at = 0.0  # time.monotonic() after which the token is refreshed
        #: Tokens fetched: the first, each refresh before expiry, each after a 401.
        self.tokens_fetched = 0
        #: Calls VNPost answered 401 and that succeeded with a fresh token.
        self.renewed_after_401 = 0

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        accept: frozenset[str] = frozenset({OK}),
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Call ``path``; the answer when its Status is in ``accept``.

        :raises TransientError: transport failure, 429/5xx, not JSON, busy.
        :raises RejectedError: credentials refused, any other Status.
        :raises ContractError: an answer without Status.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response: httpx.Response | None = None
        for attempt in range(2):
            headers["Authorization"] = f"Bearer {await self._access_token()}"
            with ministry_errors(SYSTEM):
                response = await self._pool.client().request(
                    method, path, json=body, params=params, headers=headers
                )
                if response.status_code == 401 and attempt == 0:
                    self._token = None  # revoked or expired early: one fresh token, once
                    continue
                response.raise_for_status()
                answer = response.json()
            if attempt == 1:
                self.renewed_after_401 += 1
            break
        if not isinstance(answer, dict) or "Status" not in answer:
            raise ContractError(
                message("contract.missing", operation=path, field="Status"), system=SYSTEM
            )
        code = str(answer["Status"]).strip()
        if code in accept:
            return answer
        raise error(path, code, answer)

    async def token(self) -> str:
        """A valid access token (the health probe: cheap, and proves the credentials)."""
        return await self._access_token()

    async def _access_token(self) -> str:
        if self._token is not None and time.monotonic() < self._expires_at:
            return self._token
        secret = self._settings.consumer_secret.get_secret_value()
        with ministry_errors(SYSTEM):
            response = await self._pool.client().post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=httpx.BasicAuth(self._settings.consumer_key, secret),
            )
            if response.status_code in (400, 401):
                raise RejectedError(
                    messages.CREDENTIALS(),
                    system=SYSTEM,
                    remote_code=str(response.status_code),
                )
            response.raise_for_status()
            answer = response.json()
        if isinstance(answer, dict) and "Status" in answer:  # VNPost's own answer: busy ...
            raise error("/oauth2/token", str(answer["Status"]).strip(), answer)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        expires_in = answer.get("expires_in") if isinstance(answer, dict) else None
        if not token or not isinstance(expires_in, int | float) or expires_in <= 0:
            words = message(
                "contract.missing", operation="/oauth2/token", field="access_token/expires_in"
            )
            raise ContractError(words, system=SYSTEM)
        margin = min(self._settings.token_refresh_margin_seconds, expires_in / 2)
        self._token = str(token)
        self._expires_at = time.monotonic() + expires_in - margin
        self.tokens_fetched += 1
        return self._token

    async def aclose(self) -> None:
        await self._pool.aclose()


def error(path: str, code: str, answer: dict[str, Any]) -> HubError:
    """The hub error for a Status other than accepted (message masked, ≤ 300 chars)."""
    transient, meaning = STATUS_CODES.get(code, (False, messages.REFUSED(code=code)))
    detail = str(answer.get("Message") or "")
    return remote_error(SYSTEM, path, meaning, detail, transient=transient, remote_code=code)
