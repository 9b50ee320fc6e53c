"""HTTP client of VNPost's API: the only module of the connector that talks HTTP.

OAuth2 client credentials: ``POST /oauth2/token`` with ``Authorization: Basic
base64(consumer_key:consumer_secret)`` and ``grant_type=client_credentials`` answers
``{access_token, token_type, expires_in}``. Every call carries ``Authorization: Bearer
<token>``. The token is refreshed ``token_refresh_margin_seconds`` before it expires,
and once more when VNPost answers 401 anyway (revoked, clocks apart): the hub's
:class:`hub.sdk.ClientCredentials` does both. Answers are
``{Status, Message, ...}``; :data:`STATUS_CODES` says which are worth a retry.
"""

from __future__ import annotations

from typing import Any

from hub.sdk import (
    ClientCredentials,
    ConnectorHttp,
    ContractError,
    HubError,
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
    """One pooled ``httpx.AsyncClient`` and the current access token (hub.sdk's
    :class:`ClientCredentials`)."""

    def __init__(self, settings: BcciSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, system=SYSTEM)
        self._auth = ClientCredentials(
            self._pool,
            "/oauth2/token",
            client_id=settings.consumer_key,
            client_secret=settings.consumer_secret,
            system=SYSTEM,
            refused=messages.CREDENTIALS(),
            refresh_margin_seconds=settings.token_refresh_margin_seconds,
            check_answer=_token_status,
        )

    @property
    def tokens_fetched(self) -> int:
        """Tokens fetched: the first, each refresh before expiry, each after a 401."""
        return self._auth.tokens_fetched

    @property
    def renewed_after_401(self) -> int:
        """Calls VNPost answered 401 and that were sent again with a fresh token."""
        return self._auth.renewed_after_401

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
        with ministry_errors(SYSTEM):
            response = await self._auth.request(
                method, path, json=body, params=params, headers=headers
            )
            response.raise_for_status()
            answer = response.json()
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
        return await self._auth.token()

    async def aclose(self) -> None:
        await self._pool.aclose()


def _token_status(answer: Any) -> None:
    """VNPost's own answer at the token endpoint (busy ...) instead of a token."""
    if isinstance(answer, dict) and "Status" in answer:
        raise error("/oauth2/token", str(answer["Status"]).strip(), answer)


def error(path: str, code: str, answer: dict[str, Any]) -> HubError:
    """The hub error for a Status other than accepted (message masked, ≤ 300 chars)."""
    transient, meaning = STATUS_CODES.get(code, (False, messages.REFUSED(code=code)))
    detail = str(answer.get("Message") or "")
    return remote_error(SYSTEM, path, meaning, detail, transient=transient, remote_code=code)
