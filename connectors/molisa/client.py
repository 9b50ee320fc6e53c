"""HTTP client of the MOLISA API: the only module of the connector that imports httpx.

Every call is a POST of a JSON body carrying ``AcceptKey``; every answer is
``{error_code, message, ...}``. Transport failures are mapped by
:func:`hub.sdk.ministry_errors`; MOLISA's own error codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    RejectedError,
    TransientError,
    mask_text,
    ministry_errors,
)

from .settings import MolisaSettings

__all__ = ["OK", "MolisaClient"]

SYSTEM = "molisa"
OK = "0"
WRONG_KEY = "1"
INVALID = "2"
NOT_FOUND = "3"
BUSY = "99"

#: What a non-zero error_code means, for the reason shown to operators.
ERROR_CODES = {
    WRONG_KEY: "MOLISA refused the AcceptKey: check connectors.molisa.accept_key",
    INVALID: "MOLISA found invalid data",
    NOT_FOUND: "MOLISA does not know this dossier",
    BUSY: "MOLISA is busy",
}


class MolisaClient:
    """One pooled ``httpx.AsyncClient``, created lazily in the running event loop."""

    def __init__(self, settings: MolisaSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, "/apiBTXH/", system=SYSTEM)

    def _client(self) -> httpx.AsyncClient:
        return self._pool.client()

    async def call(
        self,
        operation: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        accept: frozenset[str] = frozenset({OK}),
    ) -> dict[str, Any]:
        """POST ``body`` to ``operation``; return the answer when its error_code is in ``accept``.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: any other non-zero error_code (wrong key, invalid data ...).
        :raises ContractError: an answer without error_code.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        payload = {"AcceptKey": self._settings.accept_key.get_secret_value(), **body}
        with ministry_errors(SYSTEM):
            response = await self._client().post(operation, json=payload, headers=headers)
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise ContractError(f"the answer of {operation} has no error_code", system=SYSTEM)
        code = str(answer["error_code"])
        if code in accept:
            return answer
        raise _error(operation, code, answer)

    async def aclose(self) -> None:
        await self._pool.aclose()


def _error(operation: str, code: str, answer: dict[str, Any]) -> Exception:
    message = mask_text(str(answer.get("message", "")))[:300]
    if code == BUSY:
        return TransientError(
            f"{operation}: {ERROR_CODES[BUSY]} ({message})", system=SYSTEM, code="busy"
        )
    if code == WRONG_KEY:
        return RejectedError(ERROR_CODES[WRONG_KEY], system=SYSTEM, remote_code=code)
    meaning = ERROR_CODES.get(code, f"MOLISA refused the request with error_code {code}")
    field = answer.get("field")
    where = f" (field {field})" if field else ""
    return RejectedError(
        f"{operation}: {meaning}{where}: {message}", system=SYSTEM, remote_code=code
    )
