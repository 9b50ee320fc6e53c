"""HTTP client of PayGov: the only module of the connector that talks HTTP.

Every call is a POST of a JSON body to ``/api/<LoaiBanTin>`` (``INIT``, ``QUERY``,
``GET_BILL``, ``PING``) with ``Authorization: Bearer <token>``; every answer is
``{error_code, message, ...}``. Transport and HTTP failures are mapped by
:func:`ministry_errors`; PayGov's own codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.sdk import ConnectorHttp, HubError, Message, message, ministry_errors, remote_error

from . import messages as M
from .settings import PaymentSettings

__all__ = ["ERROR_CODES", "NOT_FOUND", "OK", "PaymentClient"]

SYSTEM = "payment"
OK = "0"
NOT_FOUND = "3"
BUSY = "99"
#: PayGov's error codes: code -> (transient?, what it means for an operator).
ERROR_CODES: dict[str, tuple[bool, Callable[[], Message]]] = {
    "1": (False, M.TOKEN),
    "2": (False, lambda: message("rejected.invalid_data", system=SYSTEM)),
    NOT_FOUND: (False, M.UNKNOWN_TRANSACTION),
    "4": (False, M.SECRET),
    BUSY: (True, lambda: message("transient.busy", system=SYSTEM)),
}


class PaymentClient:
    """One pooled ``httpx.AsyncClient`` (made in the running event loop)."""

    def __init__(self, settings: PaymentSettings) -> None:
        token = settings.token.get_secret_value()
        self._pool = ConnectorHttp(settings, "/api/", headers={"Authorization": f"Bearer {token}"})

    async def call(
        self,
        operation: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        accept: frozenset[str] = frozenset({OK}),
    ) -> dict[str, Any]:
        """POST ``body`` to ``operation``; the answer when its error_code is in ``accept``.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: any other error_code.
        :raises ContractError: an answer without error_code.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with ministry_errors(SYSTEM):
            response = await self._pool.client().post(operation, json=body, headers=headers)
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise M.lacks(operation, "error_code")
        code = str(answer["error_code"])
        if code not in accept:
            raise _error(operation, code, answer)
        return answer

    async def download(self, url: str) -> bytes:
        """GET a file PayGov serves (the daily transaction file), with the token."""
        with ministry_errors(SYSTEM):
            response = await self._pool.client().get(url)
            response.raise_for_status()
            return response.content

    async def aclose(self) -> None:
        await self._pool.aclose()


def _error(operation: str, code: str, answer: dict[str, Any]) -> HubError:
    known = ERROR_CODES.get(code)
    transient, meaning = (
        (known[0], known[1]())
        if known
        else (False, message("rejected.remote_code", system=SYSTEM, code=code))
    )
    detail = str(answer.get("message") or "")  # PayGov's own words, masked by remote_error
    return remote_error(SYSTEM, operation, meaning, detail, transient=transient, remote_code=code)
