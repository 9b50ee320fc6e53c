"""A connector that keeps what it is sent in memory, for tests of the worker's mechanics.

It is a real implementation of the Connector interface, not a patch of our code;
tests of a ministry connector use that connector's mock over loopback HTTP instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from hub.connector import (
    Capability,
    Health,
    Period,
    PullBatch,
    PushResult,
    RemoteDossier,
    RemoteRecord,
)
from hub.errors import PermanentError, TransientError
from hub.models import Dossier, DossierEvent


class RecordingConnector:
    name = "rec"
    title = "Recording connector (tests)"
    capabilities = frozenset({Capability.PUSH})

    def __init__(self, name: str = "rec") -> None:
        self.name = name
        self.sent: list[tuple[str, int | None]] = []  # (event id, sequence)
        #: event id -> errors to raise, one per call, before succeeding
        self.script: dict[str, list[Exception]] = {}
        self.delay = 0.0
        self.in_flight: dict[str, int] = {}

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        # Two calls for one dossier at once would break the ordering promise.
        busy = self.in_flight.get(event.ma_ho_so, 0)
        assert busy == 0, f"two pushes in flight for {event.ma_ho_so}"
        self.in_flight[event.ma_ho_so] = 1
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            errors = self.script.get(event.id)
            if errors:
                raise errors.pop(0)
            self.sent.append((event.id, event.sequence))
            return PushResult(remote_id=f"R-{event.ma_ho_so}", request_excerpt={"id": event.id})
        finally:
            self.in_flight[event.ma_ho_so] = 0

    async def pull(self, since: str | None) -> PullBatch:  # pragma: no cover - not declared
        raise NotImplementedError

    async def acknowledge(self, remote_ids: list[str]) -> None:  # pragma: no cover
        raise NotImplementedError

    async def fetch(self, ma_ho_so: str) -> RemoteDossier | None:  # pragma: no cover
        raise NotImplementedError

    async def list_remote(self, period: Period) -> AsyncIterator[RemoteRecord]:  # pragma: no cover
        raise NotImplementedError
        yield  # type: ignore[unreachable]

    async def health(self) -> Health:
        return Health(ok=True)

    async def aclose(self) -> None:
        return None


def transient(code: str = "http_503") -> TransientError:
    return TransientError("the ministry is busy", system="rec", code=code)


def permanent() -> PermanentError:
    return PermanentError("the ministry refused: field X is invalid", system="rec", code="rejected")
