"""HTTP client of the Bộ Xây dựng systems: the only module of the package that talks HTTP.

Every call is a POST to ``/api/<operation>`` with the key in the ``ApiKey`` header;
JSON bodies, except the permit upload (``multipart/form-data``: a ``data`` part in
JSON and a ``file`` part). Every answer is ``{error_code, message, ...}``. Transport
and HTTP failures are mapped by :func:`ministry_errors`; the ministry's own codes by
:data:`ERROR_CODES` (contract/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    HubError,
    Message,
    message,
    ministry_errors,
    remote_error,
)

from . import messages
from .settings import XaydungSettings

__all__ = ["ALREADY_EXISTS", "ERROR_CODES", "NOT_FOUND", "OK", "XaydungClient"]

OK = "0"
NOT_FOUND = "3"
ALREADY_EXISTS = "4"
BUSY = "99"
#: code -> (transient?, what it means for an operator, given the connector's name).
ERROR_CODES: dict[str, tuple[bool, Callable[[str], Message]]] = {
    "1": (False, lambda s: messages.KEY_REFUSED(system=s)),
    "2": (False, lambda s: message("rejected.invalid_data", system=s)),
    NOT_FOUND: (False, lambda s: message("rejected.dossier_unknown", system=s)),
    ALREADY_EXISTS: (False, lambda s: message("rejected.already_exists", system=s)),
    "5": (False, lambda s: messages.FILE_HASH(system=s)),
    BUSY: (True, lambda s: message("transient.busy", system=s)),
}


class XaydungClient:
    """One pooled ``httpx.AsyncClient`` (made in the running event loop)."""

    def __init__(self, settings: XaydungSettings, system: str) -> None:
        self.system = system
        key = settings.api_key.get_secret_value()
        self._pool = ConnectorHttp(settings, "/api/", headers={"ApiKey": key})

    async def call(
        self,
        operation: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        accept: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """POST ``body`` to ``operation``; the answer when its error_code is OK or in ``accept``.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: any other error_code.
        :raises ContractError: an answer without error_code.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        with ministry_errors(self.system):
            response = await self._pool.client().post(operation, json=body, headers=headers)
        return self._answer(operation, response, accept)

    async def upload(
        self,
        operation: str,
        data: dict[str, Any],
        file: tuple[str, bytes, str],
        *,
        idempotency_key: str | None = None,
        accept: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """POST ``data`` (the JSON part) and ``file`` (name, bytes, mime) as multipart."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        part = json.dumps(data, ensure_ascii=False).encode()
        files: dict[str, tuple[str | None, bytes, str]] = {
            "data": (None, part, "application/json"),
            "file": file,
        }
        with ministry_errors(self.system):
            response = await self._pool.client().post(operation, files=files, headers=headers)
        return self._answer(operation, response, accept)

    async def find(self, operation: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the ministry does not know the dossier."""
        answer = await self.call(operation, body, accept=frozenset({NOT_FOUND}))
        return None if str(answer["error_code"]) == NOT_FOUND else answer

    def _answer(self, operation: str, response: Any, accept: frozenset[str]) -> dict[str, Any]:
        with ministry_errors(self.system):
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise ContractError(
                message("contract.missing", operation=operation, field="error_code"),
                system=self.system,
            )
        code = str(answer["error_code"])
        if code != OK and code not in accept:
            raise self._error(operation, code, answer)
        return answer

    def _error(self, operation: str, code: str, answer: dict[str, Any]) -> HubError:
        known = ERROR_CODES.get(code)
        transient, meaning = (
            (known[0], known[1](self.system))
            if known
            else (False, message("rejected.remote_code", system=self.system, code=code))
        )
        detail = str(answer.get("message") or "")
        return remote_error(
            self.system, operation, meaning, detail, transient=transient, remote_code=code
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
