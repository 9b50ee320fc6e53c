"""hub.network: httpcore's pool on asyncio's transports, over real loopback sockets.

Each test runs a small HTTP/1.1 server on asyncio's streams (what it does to the
connection is the point of the test: keep it, close it, stall, reset, send a lot) and
sends through :class:`PoolTransport`, as every ministry pool does."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from hub.network import READ_AHEAD, PoolTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=30)


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request's body, or None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return await reader.readexactly(length)


def _reply(body: bytes, *, close: bool = False) -> bytes:
    extra = b"Connection: close\r\n" if close else b""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


class Server:
    """Counts connections; ``handler`` does what the test needs with each."""

    def __init__(self, handler: Handler, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Server:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            finally:
                writer.close()

        self.server = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=self.ssl_context)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def _client(timeout: float = 5.0, **kwargs: object) -> httpx.AsyncClient:
    transport = PoolTransport(LIMITS, **kwargs)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False)


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while (body := await _read_request(reader)) is not None:
        writer.write(_reply(b"echo:" + body))
        await writer.drain()


def test_calls_share_one_kept_alive_connection() -> None:
    async def main() -> None:
        async with Server(_echo) as server, _client() as client:
            for n in range(5):
                r = await client.post(server.url, content=b"call %d" % n)
                assert r.status_code == 200 and r.content == b"echo:call %d" % n
            assert server.connections == 1

    asyncio.run(main())


def test_an_idle_connection_the_server_closed_is_replaced_without_an_error() -> None:
    """The server closes a kept-alive connection after each reply (without saying so):
    the pool sees it closed while idle (the EOF the loop delivered) and opens another."""

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await _read_request(reader) is not None:
            writer.write(_reply(b"ok"))
            await writer.drain()

    async def main() -> None:
        async with Server(once) as server, _client() as client:
            for _ in range(3):
                r = await client.post(server.url, content=b"x")
                assert r.content == b"ok"
                await asyncio.sleep(0.05)  # the FIN arrives while the connection idles
            assert server.connections == 3

    asyncio.run(main())


def test_a_silent_server_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    async def main() -> None:
        async with Server(silent) as server, _client(timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(server.url, content=b"x")

    asyncio.run(main())


def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: refused

    async def main() -> None:
        async with _client() as client:
            with pytest.raises(httpx.ConnectError):
                await client.post(f"http://127.0.0.1:{port}/", content=b"x")

    asyncio.run(main())


def test_a_reply_cut_short_is_a_protocol_error_and_a_reset_a_transport_error() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
        await writer.drain()

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
        await writer.drain()
        writer.transport.abort()  # RST, not FIN

    async def main() -> None:
        async with Server(cut) as server, _client() as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(server.url, content=b"x")
        async with Server(reset) as server, _client() as client:
            with pytest.raises(httpx.TransportError):
                await client.post(server.url, content=b"x")

    asyncio.run(main())


def test_a_reply_larger_than_the_read_ahead_arrives_whole() -> None:
    """The socket is paused past READ_AHEAD unread bytes and resumed as the reply is read."""
    big = bytes(range(256)) * (12 * READ_AHEAD // 256)

    async def large(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await _read_request(reader) is not None:
            writer.write(_reply(big))
            await writer.drain()

    async def main() -> None:
        async with Server(large) as server, _client() as client:
            async with client.stream("POST", server.url, content=b"x") as r:
                await asyncio.sleep(0.2)  # let the socket fill the read-ahead and pause
                body = await r.aread()
            assert body == big
            assert (await client.post(server.url, content=b"again")).content == big
            assert server.connections == 1

    asyncio.run(main())


def test_a_large_body_waits_for_a_slow_reader_and_a_stalled_one_is_a_write_timeout() -> None:
    body = b"d" * (24 * 1024 * 1024)  # more than loopback's socket buffers hold

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        got = 0
        while got < len(body):
            got += len(await reader.read(1024 * 1024))
            await asyncio.sleep(0.001)
        writer.write(_reply(str(got).encode()))
        await writer.drain()

    async def stalled(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)  # never reads

    async def main() -> None:
        async with Server(slow) as server, _client() as client:
            r = await client.post(server.url, content=body)
            assert r.content == str(len(body)).encode()
        async with Server(stalled) as server, _client(timeout=0.3) as client:
            with pytest.raises(httpx.WriteTimeout):
                await client.post(server.url, content=body)

    asyncio.run(main())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_verifies_the_server_and_keeps_the_connection(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def main() -> None:
        async with Server(_echo, served) as server:
            url = f"https://localhost:{server.port}/"
            async with _client(ssl_context=trusting) as client:
                for _ in range(3):
                    r = await client.post(url, content=b"secret")
                    assert r.content == b"echo:secret"
                assert server.connections == 1
            async with _client() as client:  # the shared context: certifi's CAs only
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await client.post(url, content=b"secret")

    asyncio.run(main())


def test_a_unix_socket_connects_through_the_same_backend(tmp_path: Path) -> None:
    """httpcore's ``uds`` pools open their connections through ``connect_unix_socket``."""
    import httpcore

    from hub.network import AsyncioBackend

    path = str(tmp_path / "hub.sock")

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _echo(reader, writer)
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_unix_server(echo, path)
        try:
            async with httpcore.AsyncConnectionPool(
                uds=path, network_backend=AsyncioBackend()
            ) as pool:
                for _ in range(2):
                    r = await pool.request("POST", "http://localhost/", content=b"local")
                    assert r.status == 200 and r.content == b"echo:local"
                assert len(pool.connections) == 1
            with pytest.raises(httpcore.ConnectError):
                await AsyncioBackend().connect_unix_socket(str(tmp_path / "none.sock"))
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(main())
