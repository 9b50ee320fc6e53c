"""HTTP client of PayGov: the only module of the connector that talks HTTP.

Every call is a POST of a JSON body to ``/api/<LoaiBanTin>`` (``INIT``, ``QUERY``,
``GET_BILL``, ``PING``) with ``Authorization: Bearer <token>``; every answer is
``{error_code, message, ...}``. Transport and HTTP failures are mapped by
:func:`ministry_errors`; PayGov's own codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

from typing import Any

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    HubError,
    RejectedError,
    TransientError,
    mask_text,
    ministry_errors,
)

from .settings import PaymentSettings

__all__ = ["ERROR_CODES", "NOT_FOUND", "OK", "PaymentClient"]

SYSTEM = "payment"
OK = "0"
NOT_FOUND = "3"
BUSY = "99"
#: PayGov's error codes: code -> (transient?, what it means for an operator).
ERROR_CODES: dict[str, tuple[bool, str]] = {
    "1": (False, f"PayGov refused the token: check connectors.{SYSTEM}.token"),
    "2": (False, "PayGov found invalid data"),
    NOT_FOUND: (False, "PayGov does not know this transaction"),
    "4": (False, f"PayGov refused MaXacThuc: check connectors.{SYSTEM}.secret"),
    BUSY: (True, "PayGov is busy"),
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
            raise ContractError(f"the answer of {operation} has no error_code", system=SYSTEM)
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
    transient, meaning = ERROR_CODES.get(
        code, (False, f"PayGov refused the request with error_code {code}")
    )
    message = mask_text(str(answer.get("message") or ""))[:300]
    text = f"{operation}: {meaning}: {message}"
    if transient:
        return TransientError(text, system=SYSTEM, code=f"remote_{code}")
    return RejectedError(text, system=SYSTEM, remote_code=code)
