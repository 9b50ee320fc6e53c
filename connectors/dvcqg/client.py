"""HTTP client of the national portal's adapter: the only module of the connector that
talks HTTP.

Log in: ``POST /api/login {username, password}`` with the header ``dstcode`` answers
``{error_code: 0, session}``. Then every call is ``POST /api/service {session, madonvi,
service, ...}`` answering ``{error_code, message, result}``. A session the portal says
is expired is renewed (:class:`hub.sdk.SessionClient` says how often). The envelope,
the session and the mapping of transport and HTTP failures are
:class:`hub.sdk.SessionClient`'s; the portal's own codes are :data:`ERROR_CODES`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from hub.sdk import HubError, Message, SessionClient, answer_code, message

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
    """The portal's session envelope (:class:`hub.sdk.SessionClient`) and its codes."""

    def __init__(self, settings: DvcqgSettings) -> None:
        self._session = SessionClient(
            settings,
            "/api/",
            system=SYSTEM,
            login="login",
            login_headers={"dstcode": settings.dstcode},
            credentials=lambda: {
                "username": settings.username,
                "password": settings.password.get_secret_value(),
            },
            service="service",
            fields={"madonvi": settings.madonvi},
            codes=ERROR_CODES,
        )

    @property
    def renewals(self) -> int:
        """Sessions renewed after the portal said the session had expired."""
        return self._session.renewals

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
        answer = await self._session.send(service, params, headers)
        code = answer_code(answer)
        if accept is None and code not in (BUSY, SESSION_EXPIRED):
            return answer
        if accept is not None and code in accept:
            return answer
        raise self.error(service, code, answer)

    def error(self, service: str, code: str, answer: dict[str, Any]) -> HubError:
        """The hub error for a non-zero ``error_code`` (message masked, at most 300 chars)."""
        return self._session.error(service, code, answer)

    async def aclose(self) -> None:
        await self._session.aclose()
