"""A reply declaring a Content-Length within ``max_reply_bytes`` is not counted chunk by
chunk (issue #21): httpcore's parser ends its body at the declared length, so a server
sending more than it declared never gets more than that read as the reply; any other
inner transport is still counted."""

from __future__ import annotations

import asyncio

import httpx

from hub.errors import ContractError
from hub.http import CappedTransport

LIMIT = 1024


def test_a_body_longer_than_declared_is_read_only_to_its_declared_length() -> None:
    async def main() -> tuple[bytes, int]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + b"x" * 64 * 1024)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport = CappedTransport(httpx.AsyncHTTPTransport(), LIMIT, "x")
        try:
            async with httpx.AsyncClient(transport=transport, trust_env=False) as http:
                response = await http.get(f"http://127.0.0.1:{port}/")
                return response.content, response.num_bytes_downloaded
        finally:
            server.close()
            await server.wait_closed()

    content, downloaded = asyncio.run(main())
    assert content == b"x" * 10 and downloaded == 10


def test_another_inner_transport_is_still_counted_past_its_declared_length() -> None:
    def lying(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-length": "10"}, stream=httpx.ByteStream(b"x" * 4 * LIMIT)
        )

    async def main() -> BaseException | None:
        transport = CappedTransport(httpx.MockTransport(lying), LIMIT, "x")
        async with httpx.AsyncClient(transport=transport) as http:
            try:
                await http.get("http://ministry.invalid/")
            except ContractError as exc:
                return exc
        return None

    error = asyncio.run(main())
    assert isinstance(error, ContractError) and error.code == "reply_too_large"
