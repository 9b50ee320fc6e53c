"""HTTP client of the MOLISA API: the only module of the connector that imports httpx.

Every call is a POST of a JSON body carrying ``AcceptKey``; every answer is
``{error_code, message, ...}``. Transport failures are mapped by
:func:`hub.sdk.ministry_errors`; MOLISA's own error codes by :data:`ERROR_CODES`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub.sdk import (
    ConnectorHttp,
    ContractError,
    Message,
    RejectedError,
    TransientError,
    mask_text,
    message,
    ministry_errors,
)

from .messages import WRONG_KEY as WRONG_KEY_MESSAGE
from .settings import MolisaSettings

__all__ = ["OK", "MolisaClient"]

SYSTEM = "molisa"
OK = "0"
WRONG_KEY = "1"
INVALID = "2"
NOT_FOUND = "3"
BUSY = "99"

#: What a non-zero error_code means, for the reason shown to operators (hub.messages).
ERROR_CODES = {
    WRONG_KEY: lambda: WRONG_KEY_MESSAGE(),
    INVALID: lambda: message("rejected.invalid_data", system=SYSTEM),
    NOT_FOUND: lambda: message("rejected.dossier_unknown", system=SYSTEM),
    BUSY: lambda: message("transient.busy", system=SYSTEM),
}


class MolisaClient:
    """One pooled ``httpx.AsyncClient``, created lazily in the running event loop."""

    def __init__(self, settings: MolisaSettings) -> None:
        self._settings = settings
        self._pool = ConnectorHttp(settings, "/apiBTXH/", system=SYSTEM)

    def _client(self) -> httpx.AsyncClient:
        return self._pool.client()

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
            response = await self._pool.post_json(operation, payload, headers)
            response.raise_for_status()
            answer = response.json()
        if not isinstance(answer, dict) or "error_code" not in answer:
            raise ContractError(
                message("contract.missing", operation=operation, field="error_code"),
                system=SYSTEM,
            )
        code = str(answer["error_code"])
        if code in accept:
            return answer
        raise _error(operation, code, answer)

    async def pages(
        self,
        operation: str,
        body: dict[str, Any],
        *,
        size: int,
        rows: str = "DanhSach",
        ahead: int = 1,
    ) -> AsyncIterator[list[Any]]:
        """The rows of a paged listing (``Trang`` 1, 2, ... of ``SoLuong`` = ``size``), a
        page at a time, until a short or empty page or ``TongSo`` is reached.

        The next ``ahead`` pages (at least one) are asked for before the current one is
        handed over, so the ministry prepares them while the caller maps and stores this
        one; never more, so the listing stays bounded in memory. Each page is its own
        request of the contract's paging (``Trang``), only sent earlier; none is sent
        past ``TongSo`` once it is known, and one sent past the end is dropped unread.

        :raises ContractError: an answer without the ``rows`` list.
        """

        def fetch(page: int) -> asyncio.Task[dict[str, Any]]:
            paged = {**body, "Trang": page, "SoLuong": size}
            return asyncio.ensure_future(self.call(operation, paged))

        out: deque[asyncio.Task[dict[str, Any]]] = deque([fetch(1)])
        page, sent, total = 1, 1, None
        try:
            while out:
                answer = await out.popleft()
                found = answer.get(rows)
                if not isinstance(found, list):
                    raise ContractError(
                        message("contract.missing", operation=operation, field=rows),
                        system=SYSTEM,
                    )
                if isinstance(answer.get("TongSo"), int):
                    total = answer["TongSo"]
                last = not found or (total is not None and page * size >= total)
                if not last:
                    while sent < page + max(1, ahead) and (total is None or sent * size < total):
                        sent += 1
                        out.append(fetch(sent))
                    await asyncio.sleep(0)  # let them go out now, not at the caller's next wait
                page += 1
                if found:
                    yield found
                if last:
                    return  # anything still out (asked for past the end) is cancelled below
        finally:
            for task in out:  # the caller stopped early, a page failed, or past the end
                task.cancel()
                task.add_done_callback(_retrieved)

    async def aclose(self) -> None:
        await self._pool.aclose()


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark an abandoned request's outcome as seen (no "never retrieved" warning)."""
    if not task.cancelled():
        task.exception()


def _error(operation: str, code: str, answer: dict[str, Any]) -> Exception:
    text = mask_text(str(answer.get("message", "")))[:300]
    if code == BUSY:
        return TransientError(
            _words(operation, ERROR_CODES[BUSY](), None, text), system=SYSTEM, code="busy"
        )
    if code == WRONG_KEY:
        return RejectedError(ERROR_CODES[WRONG_KEY](), system=SYSTEM, remote_code=code)
    known = ERROR_CODES.get(code)
    meaning = known() if known else message("rejected.remote_code", system=SYSTEM, code=code)
    return RejectedError(
        _words(operation, meaning, answer.get("field"), text), system=SYSTEM, remote_code=code
    )


def _words(operation: str, meaning: Message, field: Any, text: str) -> Message:
    where = message("rejected.where_field", field=field) if field else message("rejected.nowhere")
    return message(
        "rejected.remote", operation=operation, meaning=meaning, where=where, detail=text
    )
