"""HTTP client of the hộ tịch API: the only module of the connector that imports httpx.

Every call is a POST of a JSON body with the designed ``api-key`` header; every
answer carries ``status`` ("1" done, "0" refused) and, when refused, ``errorCode``
and ``errorDescription``. Transport failures are mapped by
:func:`hub.sdk.ministry_errors`; the ministry's error codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    RejectedError,
    message,
    ministry_errors,
    remote_error,
)

from . import messages
from .settings import HotichSettings

__all__ = ["BUSY", "HotichClient"]

SYSTEM = "hotich"
OK = "1"
AUTH = "AUTH"
INVALID = "INVALID"
BUSY = "BUSY"

ERROR_CODES = {
    AUTH: lambda: messages.AUTH(),
    INVALID: lambda: message("rejected.invalid_data", system=SYSTEM),
    BUSY: lambda: message("transient.busy", system=SYSTEM),
}


class HotichClient:
    """One pooled ``httpx.AsyncClient``, created lazily in the running event loop."""

    def __init__(self, settings: HotichSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(
            settings,
            "/api/hotich/",
            headers={"api-key": settings.api_key.get_secret_value()},
            system=SYSTEM,
        )

    def _client(self) -> httpx.AsyncClient:
        return self._pool.client()

    async def call(
        self, operation: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """POST ``body`` to ``operation``; return the answer when its status is "1".

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: status "0" for any other reason (wrong key, invalid data).
        :raises ContractError: an answer without status.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with ministry_errors(SYSTEM):
            response = await self._client().post(operation, json=body, headers=headers)
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "status" not in answer:
            raise ContractError(
                message("contract.missing", operation=operation, field="status"), system=SYSTEM
            )
        if str(answer["status"]) == OK:
            return answer
        raise _error(operation, answer)

    async def aclose(self) -> None:
        await self._pool.aclose()


def _error(operation: str, answer: dict[str, Any]) -> Exception:
    code = str(answer.get("errorCode") or "")
    detail = str(answer.get("errorDescription") or "")
    if code == AUTH:
        return RejectedError(ERROR_CODES[AUTH](), system=SYSTEM, remote_code=code)
    known = ERROR_CODES.get(code)
    meaning = known() if known else messages.REFUSED(code=code or "?")
    return remote_error(
        SYSTEM, operation, meaning, detail, transient=code == BUSY, code="busy", remote_code=code
    )
