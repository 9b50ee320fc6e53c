"""The HTTP pool a REST connector keeps: one ``httpx.AsyncClient``, made in the running
event loop and remade if the loop changes (a client is bound to the loop it first ran
in), sized by the connector's ``max_connections`` (measured: more than ~8 in flight
per client is slower, ~500 calls/s at 32 against ~1,250 at 8), never reading proxy
settings from the environment.

Replies are bounded (issue #23): a reply over the connector's ``max_reply_bytes`` is
refused from its ``Content-Length`` or, without one, as soon as the bytes streamed in
pass the limit, never read whole; the pool asks for uncompressed replies
(``Accept-Encoding: identity``) so the bytes counted are the bytes parsed. The refusal
is a :class:`~hub.errors.ContractError` (permanent): the same request gets the same
oversized answer, so retrying would only hold the dossier's later jobs back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from hub.errors import ContractError
from hub.reasons_api import REPLY_TOO_LARGE

if TYPE_CHECKING:
    from hub.connector_settings import ConnectorSettings

__all__ = ["CappedTransport", "ConnectorHttp", "read_capped", "reply_too_large"]


def reply_too_large(system: str, limit: int, declared: int | None = None) -> ContractError:
    from hub.reasons import NOWHERE
    from hub.reasons_api import DECLARED

    size = DECLARED(n=declared) if declared is not None else NOWHERE()
    return ContractError(
        REPLY_TOO_LARGE(system=system, limit=limit, size=size),
        system=system,
        code="reply_too_large",
    )


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_capped(response: httpx.Response, limit: int, system: str) -> bytes:
    """The (decoded) body of a streamed ``response``, refused once it passes ``limit``."""
    declared = _declared_length(response)
    if declared is not None and declared > limit:
        raise reply_too_large(system, limit, declared)
    chunks: list[bytes] = []
    seen = 0
    async for chunk in response.aiter_bytes():
        seen += len(chunk)
        if seen > limit:
            raise reply_too_large(system, limit)
        chunks.append(chunk)
    return b"".join(chunks)


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, limit: int, system: str) -> None:
        self._stream = stream
        self._limit = limit
        self._system = system

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._stream:
            seen += len(chunk)
            if seen > self._limit:
                raise reply_too_large(self._system, self._limit)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose replies stop at ``limit`` bytes (see the module doc)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int, system: str) -> None:
        self._inner = inner
        self._limit = limit
        self._system = system

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        declared = _declared_length(response)
        if declared is not None and declared > self._limit:
            await response.aclose()
            raise reply_too_large(self._system, self._limit, declared)
        if isinstance(response.stream, httpx.AsyncByteStream):  # always, from an async transport
            response.stream = _CappedStream(response.stream, self._limit, self._system)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class ConnectorHttp:
    def __init__(
        self,
        settings: ConnectorSettings,
        path: str = "",
        headers: dict[str, str] | None = None,
        *,
        system: str | None = None,
    ) -> None:
        self._settings = settings
        self._base_url = settings.base_url + path
        self._headers = {"Accept-Encoding": "identity", **(headers or {})}
        self._system = system or "ministry"
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            n = self._settings.max_connections
            limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
            transport = CappedTransport(
                httpx.AsyncHTTPTransport(limits=limits, trust_env=False),
                self._settings.max_reply_bytes,
                self._system,
            )
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                timeout=self._settings.timeout_seconds,
                transport=transport,
                trust_env=False,
                headers=self._headers,
            )
            self._loop = loop
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()
