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
    message,
    ministry_errors,
    remote_error,
)

from . import messages
from .settings import DkdnSettings

__all__ = ["ERROR_CODES", "NOT_FOUND", "OK", "DkdnClient"]

SYSTEM = "dkdn"
OK = "0"
NOT_FOUND = "3"
BUSY = "99"
#: code -> (transient?, its words): connectors/dkdn/messages.py.
ERROR_CODES = messages.ERRORS


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
            raise ContractError(
                message("contract.missing", operation=path, field="error_code"), system=SYSTEM
            )
        code = str(answer["error_code"])
        if code == NOT_FOUND:
            return None
        if code != OK:
            raise _error(path, code, answer)
        return answer

    async def aclose(self) -> None:
        await self._pool.aclose()


def _error(path: str, code: str, answer: dict[str, Any]) -> HubError:
    transient, meaning = ERROR_CODES.get(code, (False, messages.REFUSED(code=code)))
    detail = str(answer.get("message") or "")
    return remote_error(SYSTEM, path, meaning, detail, transient=transient, remote_code=code)
