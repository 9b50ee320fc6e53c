"""HTTP client of dkdn (the provincial gateway to Bộ KH&ĐT's business registration).

Every call is a GET under ``/apiDKKD/`` with its parameters in the query string and the
key in the ``ApiKey`` header; every answer is ``{error_code, message, data, ...}``.
Transport and HTTP failures are mapped by :func:`ministry_errors`; the gateway's own
codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

from typing import Any

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    HubError,
    RejectedError,
    TransientError,
    mask_text,
    ministry_errors,
)

from .settings import DkdnSettings

__all__ = ["ERROR_CODES", "NOT_FOUND", "OK", "DkdnClient"]

SYSTEM = "dkdn"
OK = "0"
NOT_FOUND = "3"
BUSY = "99"
#: code -> (transient?, meaning in Vietnamese / English).
ERROR_CODES: dict[str, tuple[bool, str]] = {
    "1": (False, "khóa ApiKey không đúng: kiểm tra connectors.dkdn.api_key / the key was refused"),
    "2": (False, "tham số không hợp lệ / the gateway found an invalid parameter"),
    NOT_FOUND: (False, "không tìm thấy / not found"),
    BUSY: (True, "hệ thống đang bận / the gateway is busy"),
}


class DkdnClient:
    """One pooled ``httpx.AsyncClient`` (made in the running event loop)."""

    def __init__(self, settings: DkdnSettings) -> None:
        key = settings.api_key.get_secret_value()
        self._pool = ConnectorHttp(settings, "/apiDKKD/", headers={"ApiKey": key})

    async def get(self, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """GET ``path``; the answer when OK, None when the gateway does not know the code.

        :raises TransientError: transport failure, 429/5xx, a body that is not JSON, busy.
        :raises RejectedError: a refused key or any other error_code.
        :raises ContractError: an answer without error_code.
        """
        with ministry_errors(SYSTEM):
            response = await self._pool.client().get(path, params=params)
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise ContractError(f"the answer of {path} has no error_code", system=SYSTEM)
        code = str(answer["error_code"])
        if code == NOT_FOUND:
            return None
        if code != OK:
            raise _error(path, code, answer)
        return answer

    async def aclose(self) -> None:
        await self._pool.aclose()


def _error(path: str, code: str, answer: dict[str, Any]) -> HubError:
    transient, meaning = ERROR_CODES.get(code, (False, f"{SYSTEM} từ chối / refused"))
    message = mask_text(str(answer.get("message") or ""))[:300]
    text = f"{path}: mã lỗi {code}: {meaning} ({message})"
    if transient:
        return TransientError(text, system=SYSTEM, code=f"remote_{code}")
    return RejectedError(text, system=SYSTEM, remote_code=code)
