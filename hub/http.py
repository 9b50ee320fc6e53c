"""The HTTP pool a REST connector keeps: one ``httpx.AsyncClient`` per running event
loop (a client is bound to the loop it first ran in), sized by the connector's
``max_connections`` (measured: more than ~8 in flight per client is slower, ~500
calls/s at 32 against ~1,250 at 8), never reading proxy settings from the environment.

Each event loop that asks gets its own client, closed inside that loop when the loop
shuts down: the client comes with an async generator that the loop registers (its
``firstiter`` hook) and closes in ``shutdown_asyncgens``, which ``asyncio.run``, the
``asyncio.Runner`` and uvicorn call before closing the loop. So a hub used in several
``asyncio.run()`` calls (tests, tools) or from two loops at once (the API's uvicorn
thread and a worker) leaves no pooled socket to the garbage collector, whose
"unclosed transport" ResourceWarnings would surface later, anywhere; and no loop's
client is replaced under it by another loop's. ``aclose()`` closes the running loop's
client now. A loop closed without ``shutdown_asyncgens`` (``loop.close()`` by hand) is
the one case left to the collector: its sockets cannot be closed from outside it.

Replies are bounded (issue #23): a reply over the connector's ``max_reply_bytes`` is
refused from its ``Content-Length`` or, without one, as soon as the bytes streamed in
pass the limit, never read whole (a reply declaring a length within the limit is not
counted again chunk by chunk: the HTTP/1.1 and HTTP/2 parsers under httpcore, h11 and
h2, end the body at the declared length or refuse a longer one, so it cannot pass it;
the count stays for any other inner transport); the pool asks for uncompressed replies
(``Accept-Encoding: identity``) so the bytes counted are the bytes parsed. The refusal
is a :class:`~hub.errors.ContractError` (permanent): the same request gets the same
oversized answer, so retrying would only hold the dossier's later jobs back.

A JSON call on the hot path (:meth:`ConnectorHttp.post_json`, issue #21 round four) goes
straight to the pool's transport with a request built from what the client would send:
its default headers (read once per pool), the URL merged once per path by the client
itself, its timeouts, the body encoded as httpx's ``json=`` encodes it. What it leaves
out is the client's per-call work that a ministry's JSON API does not use: cookies
(neither stored from replies nor sent; the ministries' APIs authenticate in the body or
a header), auth and redirect handling (none configured; a 3xx comes back as it is, as
with ``follow_redirects=False``, and ``raise_for_status`` refuses it), event hooks
(none) and httpx's own INFO line per request. About a quarter of a call's CPU on
loopback (URL parsing and merging, the cookie jar, the client's layers).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from hub.errors import ContractError
from hub.network import PoolTransport
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
        #: httpcore's own transport: its parsers hold a body to its Content-Length.
        self._framed = isinstance(inner, httpx.AsyncHTTPTransport)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        declared = _declared_length(response)
        if declared is not None and declared > self._limit:
            await response.aclose()
            raise reply_too_large(self._system, self._limit, declared)
        if declared is not None and self._framed:
            return response  # h11/h2 stop the body at its declared length (module doc)
        if isinstance(response.stream, httpx.AsyncByteStream):  # always, from an async transport
            response.stream = _CappedStream(response.stream, self._limit, self._system)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


T = TypeVar("T")


class LoopPools(Generic[T]):
    """One pool per running event loop, each closed inside its own loop (module doc).

    ``make()`` builds the running loop's pool: what callers get (``T``) and the
    ``httpx.AsyncClient`` under it, which closes with the loop. Used by
    :class:`ConnectorHttp` (``T`` is the client) and :class:`hub.soap.SoapClient`
    (``T`` holds zeep's service over the client)."""

    def __init__(self, make: Callable[[], tuple[T, httpx.AsyncClient]]) -> None:
        self._make = make
        self._pools: dict[
            asyncio.AbstractEventLoop, tuple[T, httpx.AsyncClient, AsyncGenerator[None, None]]
        ] = {}

    def get(self) -> T:
        """The running loop's pool, opened on first use."""
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        return pool[0] if pool is not None else self._open(loop)

    def values(self) -> list[T]:
        return [pool[0] for pool in self._pools.values()]

    def __len__(self) -> int:
        return len(self._pools)

    async def aclose(self) -> None:
        """Close the running loop's pool (a later call opens a new one); the pools of
        other, live loops close with their loops."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool[2].aclose()
        self._forget_closed_loops()

    def _open(self, loop: asyncio.AbstractEventLoop) -> T:
        self._forget_closed_loops()
        value, http = self._make()
        closer = self._closed_with_loop(loop, http)
        # Run it to its ``yield`` now (nothing to await before it): its first step calls
        # the running loop's ``firstiter`` hook, which registers it for shutdown_asyncgens.
        try:
            closer.asend(None).send(None)
        except StopIteration:
            pass
        self._pools[loop] = (value, http, closer)
        return value

    async def _closed_with_loop(
        self, loop: asyncio.AbstractEventLoop, http: httpx.AsyncClient
    ) -> AsyncGenerator[None, None]:
        """Suspended at its ``yield`` for the life of ``loop``'s pool; closed (so the
        client with it, inside ``loop``) by ``loop.shutdown_asyncgens()`` or ``aclose``."""
        try:
            yield
        finally:
            if (pool := self._pools.get(loop)) is not None and pool[1] is http:
                del self._pools[loop]
            await http.aclose()

    def _forget_closed_loops(self) -> None:
        """Drop the pools of loops closed without ``shutdown_asyncgens``: their sockets
        cannot be closed from outside them (module doc)."""
        for loop in [loop for loop in list(self._pools) if loop.is_closed()]:
            self._pools.pop(loop, None)


def json_body(body: Any) -> bytes:
    """A body as httpx's ``json=`` encodes it (``httpx._content.encode_json``)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


_JSON = (b"Content-Type", b"application/json")


@dataclass(slots=True)
class _Pool:
    """One loop's client, and what :meth:`ConnectorHttp.post_json` needs of it, read once."""

    client: httpx.AsyncClient
    transport: httpx.AsyncBaseTransport
    headers: list[tuple[bytes, bytes]]  #: the client's default headers
    names: frozenset[str]  #: their names, lower case
    extensions: dict[str, Any]  #: the client's timeouts
    urls: dict[str, httpx.URL] = field(default_factory=dict)  #: merged by the client

    def url(self, path: str) -> httpx.URL:
        url = self.urls.get(path)
        if url is None:
            url = self.urls[path] = self.client.build_request("POST", path).url
        return url


class ConnectorHttp:
    """The connector's pool: one ``httpx.AsyncClient`` per running event loop (module doc)."""

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
        self._pools: LoopPools[_Pool] = LoopPools(self._new_client)

    def client(self) -> httpx.AsyncClient:
        """The running loop's client."""
        return self._pools.get().client

    async def post_json(
        self, path: str, body: Any, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST ``body`` as JSON to ``path`` (relative to the base URL, as the client's
        ``post`` takes it) and read the reply (bounded as every reply of the pool):
        the client's request, sent through its transport without the client's per-call
        work (module doc). Raises httpx's errors as ``client.post`` does."""
        pool = self._pools.get()
        raw: list[tuple[Any, Any]] = [*pool.headers, _JSON]
        if headers:
            if not pool.names.isdisjoint(k.lower() for k in headers):
                # The call's value replaces the client's, as the client merges them.
                given = {k.lower() for k in headers}
                raw = [h for h in raw if h[0].decode("ascii").lower() not in given]
            raw += headers.items()
        request = httpx.Request(
            "POST", pool.url(path), headers=raw, content=json_body(body),
            extensions=dict(pool.extensions),
        )  # fmt: skip
        try:
            response = await pool.transport.handle_async_request(request)
            response.request = request
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.RequestError as exc:
            exc.request = request  # as the client's own request_context does
            raise
        return response

    def _new_client(self) -> tuple[_Pool, httpx.AsyncClient]:
        n = self._settings.max_connections
        limits = httpx.Limits(
            max_connections=n,
            max_keepalive_connections=n,
            keepalive_expiry=self._settings.keepalive_seconds,
        )
        transport = CappedTransport(
            PoolTransport(limits),
            self._settings.max_reply_bytes,
            self._system,
        )
        http = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=self._settings.timeout_seconds,
            transport=transport,
            trust_env=False,
            headers=self._headers,
        )
        pool = _Pool(
            http,
            transport,
            list(http.headers.raw),
            frozenset(k.lower() for k in http.headers) | {"content-type"},
            {"timeout": http.timeout.as_dict()},
        )
        return pool, http

    async def aclose(self) -> None:
        """Close the running loop's client (a later call opens a new one); the clients of
        other, live loops close with their loops."""
        await self._pools.aclose()
