"""HTTP client of vantai (Bộ GTVT): the only module of the connector that talks HTTP.

Log in (``POST /api/dangnhap {username, password}``) for a session; then every call is
``POST /api/dichvu {session, service, ...}`` with the headers ``MaDonVi`` and
``ApiKey``, answering ``{error_code, message, ...}``. An expired session is renewed
(:class:`hub.sdk.SessionClient` says how often). The envelope, the session and the
mapping of transport and HTTP failures are :class:`hub.sdk.SessionClient`'s; the
ministry's codes are :data:`ERROR_CODES`, whose meanings are in Vietnamese first (the
officials read them) with English after.
"""

from __future__ import annotations

from typing import Any

from hub.sdk import SessionClient

from . import messages
from .settings import VantaiSettings

__all__ = ["ERROR_CODES", "NOT_FOUND", "OK", "VantaiClient"]

SYSTEM = "vantai"
OK = "0"
SESSION_EXPIRED = "-1"
NOT_FOUND = "3"
BUSY = "99"
#: code -> (transient?, its words): connectors/vantai/messages.py.
ERROR_CODES = messages.ERRORS


class VantaiClient:
    """The ministry's session envelope (:class:`hub.sdk.SessionClient`) and its codes."""

    def __init__(self, settings: VantaiSettings) -> None:
        self._session = SessionClient(
            settings,
            "/api/",
            system=SYSTEM,
            login="dangnhap",
            credentials=lambda: {
                "username": settings.username,
                "password": settings.password.get_secret_value(),
            },
            service="dichvu",
            codes=ERROR_CODES,
            unknown=lambda code: messages.REFUSED(code=code),
        )
        self._settings = settings

    async def call(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        """Call ``service``; the answer when its error_code is OK.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: a refused key or unit code, or any other error_code.
        """
        return await self._session.call(service, params, self._headers())

    async def find(self, service: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the ministry does not know the dossier."""
        return await self._session.find(service, params, self._headers(), not_found=NOT_FOUND)

    def _headers(self) -> dict[str, str]:
        """The unit code and key, on every call (not on the login)."""
        return {
            "MaDonVi": self._settings.ma_don_vi,
            "ApiKey": self._settings.api_key.get_secret_value(),
        }

    async def aclose(self) -> None:
        await self._session.aclose()
