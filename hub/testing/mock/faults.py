"""Fault injection for the mocks: an ASGI middleware configured at run time.

A fault is ``{kind, rate, count, delay_seconds, paths}``. For each request that
is not under ``/_mock/``, the first fault whose ``paths`` match (by suffix; none
= every path) and whose dice roll (``rate``, from a seeded :class:`random.Random`
so runs repeat) succeeds is applied; ``count`` then drops by one, and a fault
whose count reaches 0 is spent.

Kinds, and whether the mock applies the request:

=============  ==========================================================  =======
kind           what the client sees                                        applied
=============  ==========================================================  =======
``http_500``   HTTP 500                                                    no
``http_503``   HTTP 503                                                    no
``http_429``   HTTP 429 with ``Retry-After: <delay_seconds or 1>``         no
``timeout``    nothing for ``delay_seconds`` (default 30), then HTTP 504   no
``reset``      the response head, then a dropped connection                no
``slow``       the normal answer after ``delay_seconds``                   yes
``malformed``  HTTP 200 with a body that is not JSON                       yes
``busy``       HTTP 200 with the ministry's own "busy" answer              no
=============  ==========================================================  =======

The "busy" answer is ``busy_body`` (JSON in an HTTP 200), or a :class:`BusyReply` for
a ministry that says it otherwise (a SOAP Server fault at HTTP 500).

``malformed`` applies the request and garbles the answer: the client cannot
know whether the ministry took it, which is what an idempotent re-send is for.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ADMIN_PREFIX", "BusyReply", "Fault", "FaultInjector", "FaultKind", "FaultMiddleware"]

ADMIN_PREFIX = "/_mock/"

FaultKind = Literal[
    "http_500", "http_503", "http_429", "timeout", "reset", "slow", "malformed", "busy"
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Fault(BaseModel):
    """One fault rule, as posted to ``POST /_mock/faults``."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    count: int | None = Field(
        default=None, ge=0, description="next N matching requests; null = all"
    )
    delay_seconds: float | None = Field(default=None, ge=0.0)
    paths: list[str] | None = Field(default=None, description="path suffixes; null = every path")

    def matches(self, path: str) -> bool:
        return self.paths is None or any(path.endswith(p) for p in self.paths)


@dataclass(frozen=True, slots=True)
class BusyReply:
    """A "busy" answer that is not JSON in an HTTP 200: ``BusyReply(soap_fault_bytes,
    status=500, media_type="text/xml; charset=utf-8")`` for a SOAP ministry."""

    body: bytes
    status: int = 200
    media_type: str = "application/json"


class FaultInjector:
    """The fault set of one mock app, and the counts of faults injected."""

    def __init__(self, seed: int = 0, busy_body: dict[str, Any] | BusyReply | None = None) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self.injected: Counter[str] = Counter()
        #: The ministry's own "busy" answer (JSON in an HTTP 200, or a BusyReply).
        self.busy_body = busy_body or {"error_code": "99", "message": "busy"}

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return [f.model_copy() for f in self._faults]

    def set(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults = [f.model_copy() for f in faults]
            self._rng = random.Random(self._seed)

    def clear(self) -> None:
        self.set([])

    def reset(self) -> None:
        """Clear the faults and the counters."""
        self.clear()
        with self._lock:
            self.injected.clear()

    def pick(self, path: str) -> Fault | None:
        """The fault to apply to a request for ``path``, consuming one of its count."""
        if path.startswith(ADMIN_PREFIX):
            return None
        with self._lock:
            for fault in self._faults:
                if fault.count == 0 or not fault.matches(path):
                    continue
                if fault.rate < 1.0 and self._rng.random() >= fault.rate:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                self.injected[fault.kind] += 1
                return fault.model_copy()
        return None


async def _answer(
    send: Send, status: int, body: bytes, content_type: str, extra: list[Any]
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FaultMiddleware:
    """ASGI middleware applying :class:`FaultInjector`'s faults before (or after) the app."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.injector.pick(scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        kind = fault.kind
        if kind in ("http_500", "http_503"):
            status = 500 if kind == "http_500" else 503
            await _answer(send, status, b'{"detail": "injected fault"}', "application/json", [])
        elif kind == "http_429":
            retry_after = str(fault.delay_seconds if fault.delay_seconds is not None else 1)
            await _answer(
                send, 429, b'{"detail": "too many requests"}', "application/json",
                [(b"retry-after", retry_after.encode())],
            )  # fmt: skip
        elif kind == "timeout":
            await asyncio.sleep(fault.delay_seconds if fault.delay_seconds is not None else 30.0)
            await _answer(send, 504, b'{"detail": "gateway timeout"}', "application/json", [])
        elif kind == "reset":
            # Promise a body, send the head and part of it, then give up: uvicorn closes the
            # connection and the client sees a broken response (httpx RemoteProtocolError).
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"error_', "more_body": True})
            return
        elif kind == "slow":
            await asyncio.sleep(fault.delay_seconds if fault.delay_seconds is not None else 2.0)
            await self.app(scope, receive, send)
        elif kind == "malformed":
            await self.app(scope, receive, _discard)
            await _answer(send, 200, b"<html>502 Bad Gateway</html>{", "application/json", [])
        elif kind == "busy":
            busy = self.injector.busy_body
            if not isinstance(busy, BusyReply):
                busy = BusyReply(json.dumps(busy, ensure_ascii=False).encode())
            await _answer(send, busy.status, busy.body, busy.media_type, [])


async def _discard(message: Message) -> None:
    """A ``send`` that drops the app's own answer (the ``malformed`` fault replaces it)."""
