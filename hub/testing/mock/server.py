"""Run an ASGI app under uvicorn on a loopback port, in a background thread.

Used by the tests (the mocks over real HTTP), ``tthc-hub mocks serve`` and the
demo. Binding ``127.0.0.1:0`` and handing uvicorn the socket (httpx's test
fixture does the same) gives each server a free port without races.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn

__all__ = ["KEEPALIVE_SECONDS", "RunningServer", "start_server"]


@dataclass
class RunningServer:
    """A server started by :func:`start_server`; ``stop()`` shuts it down."""

    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread
    _stopped: bool = field(default=False, repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: How long an idle keep-alive connection stays open. Above httpx's 5 s pool expiry (and
#: the hub's own, ``ConnectorSettings.keepalive_seconds``): a server that closes at the
#: same moment a client reuses the connection makes that request fail with ReadError.
KEEPALIVE_SECONDS = 75


def start_server(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    keepalive_seconds: int = KEEPALIVE_SECONDS,
) -> RunningServer:
    """Start ``app`` on ``host:port`` (0 = a free port) and wait until it accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it a response written in two parts
    # waits for the client's delayed ACK: 43 ms per request instead of 0.55 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=keepalive_seconds,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn:{bound_port}"
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError(f"the server on port {bound_port} failed to start")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise RuntimeError(f"the server on port {bound_port} did not start within 15 s")
        time.sleep(0.01)
    return RunningServer(
        url=f"http://{host}:{bound_port}", port=bound_port, server=server, thread=thread
    )
