"""HTTP client of vantai (Bộ GTVT): the only module of the connector that talks HTTP.

Log in (``POST /api/dangnhap {username, password}``) for a session; then every call is
``POST /api/dichvu {session, service, ...}`` with the headers ``MaDonVi`` and
``ApiKey``, answering ``{error_code, message, ...}``. An expired session is renewed
once. Transport and HTTP failures are mapped by :func:`ministry_errors`; the
ministry's codes by :data:`ERROR_CODES`, whose meanings are in Vietnamese first (the
officials read them) with English after.
"""

from __future__ import annotations

from typing import Any

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    HubError,
    message,
    ministry_errors,
    remote_error,
)

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
    """One pooled ``httpx.AsyncClient`` and the current session."""

    def __init__(self, settings: VantaiSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, "/api/")
        self._session: str | None = None

    async def call(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        """Call ``service``; the answer when its error_code is OK.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: a refused key or unit code, or any other error_code.
        """
        answer = await self._service(service, params)
        code = str(answer["error_code"])
        if code != OK:
            raise _error(service, code, answer)
        return answer

    async def find(self, service: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Like :meth:`call`, but None when the ministry does not know the dossier."""
        answer = await self._service(service, params)
        code = str(answer["error_code"])
        if code == NOT_FOUND:
            return None
        if code != OK:
            raise _error(service, code, answer)
        return answer

    async def _service(self, service: str, params: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "MaDonVi": self._settings.ma_don_vi,
            "ApiKey": self._settings.api_key.get_secret_value(),
        }
        answer: dict[str, Any] = {}
        for _ in range(2):
            session = self._session or await self._login()
            body = {"session": session, "service": service, **params}
            answer = await self._post("dichvu", body, headers)
            if str(answer["error_code"]) != SESSION_EXPIRED:
                return answer
            self._session = None  # expired or revoked: log in again, once
        return answer

    async def _login(self) -> str:
        body = {
            "username": self._settings.username,
            "password": self._settings.password.get_secret_value(),
        }
        answer = await self._post("dangnhap", body, {})
        code = str(answer["error_code"])
        if code != OK:
            raise _error("dangnhap", code, answer)
        if not answer.get("session"):
            raise ContractError(
                message("contract.missing", operation="dangnhap", field="session"), system=SYSTEM
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


def _error(service: str, code: str, answer: dict[str, Any]) -> HubError:
    transient, meaning = ERROR_CODES.get(code, (False, messages.REFUSED(code=code)))
    detail = str(answer.get("message") or "")
    return remote_error(SYSTEM, service, meaning, detail, transient=transient, remote_code=code)
