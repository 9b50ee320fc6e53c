"""The sockets under every ministry pool: httpcore's connection pool on asyncio's own
transports, and one TLS context per process (issue #21, round five).

httpx's transport runs httpcore's pool over anyio's socket streams. On loopback about
two fifths of a delivered call's CPU went there: each read and write enters and leaves
an anyio cancel scope for its timeout, reads the stream's attributes, and every time the
pool looks for an idle connection it asks the kernel, one ``select`` per idle socket,
whether the server closed it. httpcore takes its network layer as a parameter
(``network_backend``, its documented extension point); :class:`AsyncioBackend` is one
made of asyncio's transports and a protocol that keeps what the socket delivered:

- a read returns what is buffered or waits for the next ``data_received``, its timeout
  one timer on the loop (expired: ``httpcore.ReadTimeout``, as anyio's would be);
- "is the idle connection readable?" is a look at the buffer and the EOF flag that the
  event loop already keeps (the server closing a kept-alive connection shows there, as
  it did to ``select``), so finding an idle connection costs no system call;
- the socket stops being read past :data:`READ_AHEAD` bytes nobody asked for, and a
  write waits while the kernel's send buffer is full (asyncio's flow control), both
  bounded by the call's timeouts;
- errors are httpcore's (``ConnectError``, ``ConnectTimeout``, ``ReadError``,
  ``WriteError``, ...), which httpx maps to its own exactly as before.

Measured on this 2-core machine, a MOLISA call's client CPU on loopback, 8 in flight
(side by side in one process): httpx's transport 0.49 ms, the same httpcore pool on this
backend 0.30 ms, ``AsyncClient.post`` 0.75 ms (docs/performance.md "Delivery, round
five"). What the pool does is unchanged: httpcore's limits, keep-alive expiry, HTTP/1.1
parsing (h11), TLS with the shared context (:func:`tls_context`) and SNI.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Awaitable, Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["READ_AHEAD", "AsyncioBackend", "PoolTransport", "tls_context"]

#: Bytes the socket may deliver ahead of the reader before it is paused; reading resumes
#: once the reader has taken the buffer below a quarter of it.
READ_AHEAD = 256 * 1024


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context of every ministry pool, REST and SOAP, built once per process:
    httpx would build one per client (certifi's CA bundle loaded: about 25 ms of CPU, on
    the event loop, at the first call of each connector in each loop). Verification as
    httpx's default (certifi, hostnames checked); like the pools, it reads nothing from
    the environment."""
    return httpx.create_ssl_context(trust_env=False)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Socket(asyncio.Protocol):
    """What one connection's socket delivered and whether it can take more."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.waiter: asyncio.Future[None] | None = None  # a read or a write waiting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > READ_AHEAD and not self.reading_paused:
            self.reading_paused = True
            if self.transport is not None:
                self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # the transport closes itself: the client has nothing more to say

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self.writing_paused = False
        self._wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float | None) -> None:
        """Until the socket delivers, drains or closes; TimeoutError after ``timeout``."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, as httpcore's HTTP/1.1 code reads and writes it (module doc)."""

    def __init__(self, transport: asyncio.Transport, socket: _Socket) -> None:
        self._transport = transport
        self._socket = socket

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        socket = self._socket
        if not socket.buffer and not socket.eof:
            try:
                await socket.wait(timeout)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(f"no reply within {timeout} s") from exc
        buffer = socket.buffer
        if buffer:
            if len(buffer) <= max_bytes:
                data = bytes(buffer)
                buffer.clear()
            else:
                data = bytes(buffer[:max_bytes])
                del buffer[:max_bytes]
            if socket.reading_paused and len(buffer) <= READ_AHEAD // 4:
                socket.reading_paused = False
                self._transport.resume_reading()
            return data
        if socket.error is not None:
            raise httpcore.ReadError(f"connection lost: {socket.error}") from socket.error
        return b""  # the server closed its side: httpcore decides what that means

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        socket = self._socket
        if socket.error is not None or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        while socket.writing_paused:  # the kernel's buffer is full: wait for it to drain
            try:
                await socket.wait(timeout)
            except TimeoutError as exc:
                raise httpcore.WriteTimeout(f"could not send within {timeout} s") from exc
        if socket.error is not None:
            raise httpcore.WriteError(f"connection lost: {socket.error}") from socket.error

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            tls = await asyncio.wait_for(
                loop.start_tls(
                    self._transport, self._socket, ssl_context, server_hostname=server_hostname
                ),
                timeout,
            )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"no TLS handshake within {timeout} s") from exc
        except (OSError, ssl.SSLError) as exc:  # ssl.SSLError is an OSError; said for readers
            self._transport.close()
            raise httpcore.ConnectError(f"TLS handshake failed: {exc}") from exc
        if tls is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(tls, asyncio.Transport)
        self._socket.transport = tls
        return AsyncioStream(tls, self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle connection the server closed, or wrote on
            return bool(self._socket.buffer) or self._socket.eof
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


async def _connect(
    opening: Awaitable[tuple[asyncio.BaseTransport, _Socket]],
    timeout: float | None,
    socket_options: Iterable[Any] | None,
) -> httpcore.AsyncNetworkStream:
    """A connection being opened, as httpcore's stream, its errors as httpcore's."""
    try:
        transport, socket = await asyncio.wait_for(opening, timeout)
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    assert isinstance(transport, asyncio.Transport)
    return AsyncioStream(transport, socket)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer on asyncio's transports (module doc)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        opening = loop.create_connection(_Socket, host, port, local_addr=local)
        return await _connect(opening, timeout, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        opening = asyncio.get_running_loop().create_unix_connection(_Socket, path)
        return await _connect(opening, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class PoolTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (its request and response conversion, its error mapping) over
    httpcore's connection pool on :class:`AsyncioBackend`, with the shared TLS context.

    httpx builds its pool without a ``network_backend`` parameter; this one replaces it,
    before any use, with the same pool given the backend. HTTP/1.1 only, no proxy (the
    pools read nothing from the environment)."""

    def __init__(self, limits: httpx.Limits, *, ssl_context: ssl.SSLContext | None = None) -> None:
        context = ssl_context if ssl_context is not None else tls_context()
        super().__init__(verify=context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=AsyncioBackend(),
        )
