"""HTTP client of the liên thông API: Bearer token, re-login once on a 401."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from hub.sdk import ConnectorHttp, ContractError, RejectedError, message, ministry_errors

from .messages import LOGIN_REFUSED, TOKEN_REFUSED
from .settings import LienthongSettings

__all__ = ["LienthongClient"]

SYSTEM = "lienthong"


class LienthongClient:
    """One ``httpx.AsyncClient`` per event loop and the current token."""

    def __init__(self, settings: LienthongSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, "/api/", system=SYSTEM)
        self._token: str | None = None
        self._expires: datetime | None = None
        self.logins = 0  #: how many times this client logged in (tests read it)

    def _client(self) -> httpx.AsyncClient:
        return self._pool.client()

    async def _login(self) -> str:
        body = {
            "userName": self._settings.user_name,
            "password": self._settings.password.get_secret_value(),
        }
        with ministry_errors(SYSTEM):
            response = await self._client().post("taikhoan/dangnhap", json=body)
            if response.status_code == 401:
                raise RejectedError(
                    LOGIN_REFUSED(),
                    system=SYSTEM,
                    http_status=401,
                )
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or not answer.get("token"):
            raise ContractError(
                message("contract.missing", operation="taikhoan/dangnhap", field="token"),
                system=SYSTEM,
            )
        self.logins += 1
        self._token = str(answer["token"])
        return self._token

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        allow_404: bool = False,
    ) -> dict[str, Any] | None:
        """Send ``body``; log in first if needed, and once more if the token was refused."""
        for attempt in (1, 2):
            token = self._token or await self._login()
            headers = {"Authorization": f"Bearer {token}"}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            with ministry_errors(SYSTEM):
                response = await self._client().request(method, path, json=body, headers=headers)
                if response.status_code == 401 and attempt == 1:
                    self._token = None  # expired or revoked: log in again, once
                    continue
                if response.status_code == 404 and allow_404:
                    return None
                response.raise_for_status()
                answer = response.json()
            if not isinstance(answer, dict):
                raise ContractError(message("contract.not_object", operation=path), system=SYSTEM)
            return answer
        raise RejectedError(TOKEN_REFUSED(), system=SYSTEM, http_status=401)

    async def aclose(self) -> None:
        await self._pool.aclose()
