"""HTTP client of the liên thông API: Bearer token, re-login once on a 401.

Concurrent calls share one token (:class:`hub.sdk.SharedCredential`): the callers that
find none wait for one login, and a call refused (401) with a token that another caller
has already replaced is sent again with the new one, without a login of its own. A
token the system had just issued, refused again, is :data:`TOKEN_REFUSED`. The
login answer's ``refreshToken`` is not used: no refresh operation of the system is
known, and logging in again costs one call.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    RejectedError,
    SharedCredential,
    message,
    ministry_errors,
)

from .messages import LOGIN_REFUSED, TOKEN_REFUSED
from .settings import LienthongSettings

__all__ = ["LienthongClient"]

SYSTEM = "lienthong"


class LienthongClient:
    """One ``httpx.AsyncClient`` per event loop and the token its calls share."""

    def __init__(self, settings: LienthongSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, "/api/", system=SYSTEM)
        self._token = SharedCredential(self._login)

    def _client(self) -> httpx.AsyncClient:
        return self._pool.client()

    @property
    def logins(self) -> int:
        """Logins started: the first, and one per token the system refused."""
        return self._token.fetches

    async def _login(self) -> tuple[str, None]:
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
        return str(answer["token"]), None  # good until the system answers 401

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        allow_404: bool = False,
    ) -> dict[str, Any] | None:
        """Send ``body``; log in first if needed, and again if the token was refused
        (:meth:`hub.sdk.SharedCredential.refused` says how often).

        :raises RejectedError: a token the system had just issued refused again.
        """
        renewed = 0
        while True:
            token = await self._token.get()
            headers = {"Authorization": f"Bearer {token}"}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            with ministry_errors(SYSTEM):
                response = await self._client().request(method, path, json=body, headers=headers)
                if response.status_code == 401:
                    if not self._token.refused(token, renewed):  # expired or revoked
                        raise RejectedError(TOKEN_REFUSED(), system=SYSTEM, http_status=401)
                    renewed += 1
                    continue
                self._token.served(token)
                if response.status_code == 404 and allow_404:
                    return None
                response.raise_for_status()
                answer = response.json()
            if not isinstance(answer, dict):
                raise ContractError(message("contract.not_object", operation=path), system=SYSTEM)
            return answer

    async def aclose(self) -> None:
        await self._pool.aclose()
