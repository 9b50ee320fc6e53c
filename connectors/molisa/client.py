"""HTTP client of the MOLISA API: the only module of the connector that imports httpx.

Every call is a POST of a JSON body carrying ``AcceptKey``; every answer is
``{error_code, message, ...}``. Transport failures are mapped by
:func:`hub.errors.ministry_errors`; MOLISA's own error codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from hub.errors import ContractError, RejectedError, TransientError, ministry_errors
from hub.masking import mask_text

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
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            # A client is bound to the loop it first ran in; a new loop needs a new one.
            limits = httpx.Limits(
                max_connections=self._settings.max_connections,
                max_keepalive_connections=self._settings.max_connections,
            )
            self._http = httpx.AsyncClient(
                base_url=self._settings.base_url + "/apiBTXH/",
                timeout=self._settings.timeout_seconds,
                limits=limits,
                trust_env=False,
            )
            self._loop = loop
        return self._http

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
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()


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
