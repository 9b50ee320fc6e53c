"""HTTP client of the national portal's adapter: the only module of the connector that
talks HTTP.

Log in: ``POST /api/login {username, password}`` with the header ``dstcode`` answers
``{error_code: 0, session}``. Then every call is ``POST /api/service {session, madonvi,
service, ...}`` answering ``{error_code, message, result}``. A session the portal says
is expired is renewed once per call. Transport and HTTP failures are mapped by
:func:`ministry_errors`; the portal's own codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

import unicodedata
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
from .settings import DvcqgSettings

__all__ = ["ALREADY_EXISTS", "ERROR_CODES", "NOT_FOUND", "OK", "DvcqgClient", "already_exists"]

SYSTEM = "dvcqg"
OK = "0"
SESSION_EXPIRED = "-1"
WRONG_CREDENTIALS = "1"
INVALID = "2"
NOT_FOUND = "3"
ALREADY_EXISTS = "4"
UNKNOWN_PROCEDURE = "5"
NOT_ALLOWED = "6"
BUSY = "99"

#: error_code -> (worth a retry?, what it means for an operator).
ERROR_CODES: dict[str, tuple[bool, Callable[[], Message]]] = {
    SESSION_EXPIRED: (False, lambda: message("rejected.session", system=SYSTEM)),
    WRONG_CREDENTIALS: (False, lambda: messages.WRONG_CREDENTIALS()),
    INVALID: (False, lambda: message("rejected.invalid_data", system=SYSTEM)),
    NOT_FOUND: (False, lambda: message("rejected.dossier_unknown", system=SYSTEM)),
    ALREADY_EXISTS: (False, lambda: message("rejected.already_exists", system=SYSTEM)),
    UNKNOWN_PROCEDURE: (False, lambda: messages.UNKNOWN_PROCEDURE()),
    NOT_ALLOWED: (False, lambda: messages.NOT_ALLOWED()),
    BUSY: (True, lambda: message("transient.busy", system=SYSTEM)),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def already_exists(code: str, answer: dict[str, Any]) -> bool:
    """The portal's "hồ sơ đã tồn tại": its code, or the words in its message."""
    return code == ALREADY_EXISTS or "da ton tai" in _fold(str(answer.get("message") or ""))


class DvcqgClient:
    """One pooled ``httpx.AsyncClient`` and the current session."""

    def __init__(self, settings: DvcqgSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, "/api/", system=SYSTEM)
        self._session: str | None = None
        #: Sessions renewed after the portal said the session had expired.
        self.renewals = 0

    async def call(
        self,
        service: str,
        params: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        accept: frozenset[str] | None = frozenset({OK}),
    ) -> dict[str, Any]:
        """Call ``service``; the answer when its error_code is in ``accept`` (any code when
        ``accept`` is None, except busy: the caller reads it).

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: wrong credentials or any other error_code.
        :raises ContractError: an answer without error_code.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        answer: dict[str, Any] = {}
        for _ in range(2):
            session = self._session or await self._login()
            body = {
                "session": session,
                "madonvi": self._settings.madonvi,
                "service": service,
                **params,
            }
            answer = await self._post("service", body, headers)
            if _code(answer) != SESSION_EXPIRED:
                break
            self._session = None  # expired or revoked: log in again, once
            self.renewals += 1
        code = _code(answer)
        if accept is None and code not in (BUSY, SESSION_EXPIRED):
            return answer
        if accept is not None and code in accept:
            return answer
        raise error(service, code, answer)

    async def _login(self) -> str:
        body = {
            "username": self._settings.username,
            "password": self._settings.password.get_secret_value(),
        }
        answer = await self._post("login", body, {"dstcode": self._settings.dstcode})
        code = _code(answer)
        if code != OK:
            raise error("login", code, answer)
        if not answer.get("session"):
            raise ContractError(
                message("contract.missing", operation="login", field="session"), system=SYSTEM
            )
        self._session = str(answer["session"])
        return self._session

    async def _post(
        self, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        with ministry_errors(SYSTEM):
            response = await self._pool.client().post(path, json=body, headers=headers)
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise ContractError(
                message("contract.missing", operation=path, field="error_code"), system=SYSTEM
            )
        return answer

    async def aclose(self) -> None:
        await self._pool.aclose()


def _code(answer: dict[str, Any]) -> str:
    return str(answer.get("error_code")).strip()


def error(service: str, code: str, answer: dict[str, Any]) -> HubError:
    """The hub error for a non-zero ``error_code`` (message masked, at most 300 chars)."""
    known = ERROR_CODES.get(code)
    transient, meaning = (
        (known[0], known[1]())
        if known
        else (False, message("rejected.remote_code", system=SYSTEM, code=code))
    )
    detail = str(answer.get("message") or "")
    return remote_error(SYSTEM, service, meaning, detail, transient=transient, remote_code=code)
