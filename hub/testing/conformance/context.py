"""The context a check runs in: the mock server, the connector factory, shared steps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from hub.connector import (
    Capability,
    Connector,
    Period,
    PullBatch,
    PulledDossier,
    PushResult,
    RemoteRecord,
)
from hub.errors import HubError
from hub.models import Dossier, DossierEvent
from hub.testing.conformance.config import (
    ConnectorFactory,
    FaultCase,
    SeededPeriod,
    SuiteConfig,
    seeded_period,
)
from hub.testing.mock.admin import SeedRecord
from hub.testing.pii import find_personal_data
from hub.testing.samples import VN_TZ

__all__ = ["Check", "SuiteContext"]

T = TypeVar("T")


@dataclass
class SuiteContext:
    """A mock server, the connector factory and helpers for the mock's ``/_mock`` API."""

    url: str
    factory: ConnectorFactory
    config: SuiteConfig
    name: str = ""
    capabilities: frozenset[Capability] = frozenset()
    #: The connector defines the optional ``list_remote_pages`` (checked against list_remote).
    lists_pages: bool = field(default=False, init=False)
    _http: httpx.Client = field(init=False, repr=False)
    _lifecycles: list[list[DossierEvent]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=10.0, trust_env=False)
        probe = self.factory(self.url)
        self.name = probe.name
        self.capabilities = frozenset(probe.capabilities)
        self.lists_pages = callable(getattr(probe, "list_remote_pages", None))
        asyncio.run(probe.aclose())

    def close(self) -> None:
        self._http.close()

    # connectors

    def run(self, fn: Callable[[Connector], Awaitable[T]], *, fast_timeout: bool = False) -> T:
        """Build a connector, run ``fn(connector)`` in a fresh event loop, always ``aclose``."""
        factory = self.factory
        if fast_timeout and self.config.fast_timeout_factory is not None:
            factory = self.config.fast_timeout_factory

        async def main() -> T:
            connector = factory(self.url)
            try:
                return await fn(connector)
            finally:
                await connector.aclose()

        return asyncio.run(main())

    @property
    def effective_capabilities(self) -> frozenset[Capability]:
        """The declared capabilities; TRACK means ``fetch`` is implemented too."""
        caps = set(self.capabilities)
        if Capability.TRACK in caps:
            caps.add(Capability.FETCH)
        return frozenset(caps)

    def require(self, needed: frozenset[Capability]) -> None:
        missing = sorted(c.value for c in needed - self.effective_capabilities)
        if missing:
            pytest.skip(f"{self.name} does not declare {', '.join(missing)}")

    @property
    def lifecycles(self) -> list[list[DossierEvent]]:
        if self._lifecycles is None:
            self._lifecycles = [self.config.lifecycle(seed) for seed in self.config.seeds]
        return self._lifecycles

    @property
    def dossiers(self) -> list[Dossier]:
        """Every snapshot of the sample data: the personal data that must not leak."""
        return [event.snapshot for events in self.lifecycles for event in events]

    # the mock

    def reset(self) -> None:
        self._http.post("/_mock/reset").raise_for_status()

    def stats(self) -> dict[str, Any]:
        response = self._http.get("/_mock/stats")
        response.raise_for_status()
        return dict(response.json())

    def received(self) -> list[dict[str, Any]]:
        response = self._http.get("/_mock/received")
        response.raise_for_status()
        body = response.json()
        return list(body["received"] if isinstance(body, dict) else body)

    def record(self, ma_ho_so: str) -> Any:
        response = self._http.get(f"/_mock/records/{ma_ho_so}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def inject(self, case: FaultCase) -> None:
        fault: dict[str, Any] = {"kind": case.kind, "count": case.count}
        if case.delay_seconds is not None:
            fault["delay_seconds"] = case.delay_seconds
        self._http.post("/_mock/faults", json={"faults": [fault]}).raise_for_status()

    def clear_faults(self) -> None:
        self._http.delete("/_mock/faults").raise_for_status()

    def seed(self, count: int, seed: int) -> list[str]:
        response = self._http.post("/_mock/seed", json={"count": count, "seed": seed})
        response.raise_for_status()
        body = response.json()
        if isinstance(body, dict):
            body = body.get("ma_ho_so", body.get("seeded", body.get("records", [])))
        return [item if isinstance(item, str) else item["ma_ho_so"] for item in body]

    def put_records(self, records: Sequence[SeedRecord]) -> None:
        """``POST /_mock/records``: the mock holds these records as the ministry would."""
        body = {"records": [r.model_dump(mode="json") for r in records]}
        response = self._http.post("/_mock/records", json=body)
        if response.status_code in (404, 405, 501):
            raise AssertionError(
                f"the mock of {self.name} cannot seed records (POST /_mock/records answered "
                f"{response.status_code}): implement MockState.put_record, see docs/mocks.md"
            )
        if response.status_code == 422:
            raise AssertionError(
                f"the mock of {self.name} refused a seeded record: {response.text[:300]}; "
                "set SuiteConfig.record_statuses to the statuses the ministry can express"
            )
        response.raise_for_status()

    def seed_period(self) -> SeededPeriod:
        """Seed :func:`seeded_period` records into the mock and return them."""
        seeded = seeded_period(self.config)
        self.put_records(seeded.all)
        return seeded

    def set_credentials(self, accept_key: str) -> None:
        """``POST /_mock/credentials``: from now on (until reset) the mock wants this key."""
        response = self._http.post("/_mock/credentials", json={"accept_key": accept_key})
        if response.status_code in (404, 405):
            raise AssertionError(
                f"the mock of {self.name} has no POST /_mock/credentials: serve "
                "hub.testing.mock.admin_router and check MockState.config.accept_key"
            )
        response.raise_for_status()


# --- shared steps -----------------------------------------------------------------


async def push_events(connector: Connector, events: Sequence[DossierEvent]) -> list[PushResult]:
    return [await connector.push(event, event.snapshot) for event in events]


async def pull_all(
    connector: Connector, since: str | None, max_pages: int
) -> tuple[list[PulledDossier], str | None]:
    items: list[PulledDossier] = []
    cursor = since
    for _ in range(max_pages):
        batch = await connector.pull(cursor)
        assert isinstance(batch, PullBatch), f"pull returned {type(batch).__name__}, not PullBatch"
        items.extend(batch.items)
        cursor = batch.cursor if batch.cursor is not None else cursor
        if not batch.more:
            return items, cursor
    raise AssertionError(
        f"pull still had more after {max_pages} pages: the cursor does not advance"
    )


async def list_all(connector: Connector, period: Period) -> list[RemoteRecord]:
    listing = connector.list_remote(period)
    assert hasattr(listing, "__aiter__"), "list_remote must return an async iterator"
    return [record async for record in listing]


async def list_pages(connector: Connector, period: Period) -> list[list[RemoteRecord]]:
    """The pages of a connector's optional ``list_remote_pages`` (a list of lists)."""
    listing = connector.list_remote_pages(period)  # type: ignore[attr-defined]
    assert hasattr(listing, "__aiter__"), "list_remote_pages must return an async iterator"
    return [page async for page in listing]


def period_covering(dossiers: Sequence[Dossier]) -> Period:
    today = datetime.now(VN_TZ).date()
    start = min(d.ngay_nop.astimezone(VN_TZ).date() for d in dossiers)
    return Period(start=min(start, today) - timedelta(days=1), end=today + timedelta(days=1))


def no_pii(text: str, dossiers: Sequence[Dossier], where: str) -> None:
    leaks = find_personal_data(text, dossiers)
    assert not leaks, f"personal data in {where}: " + "; ".join(leaks[:10])


def check_error(ctx: SuiteContext, error: BaseException, where: str) -> None:
    """A hub error naming the system, without personal data in its text."""
    assert isinstance(error, HubError), f"{where} raised {type(error).__name__}: {error}"
    text = str(error)
    no_pii(text, ctx.dossiers, f"the error message of {where}")
    no_pii(repr(error), ctx.dossiers, f"the repr of the error of {where}")
    assert ctx.name in text, f"the error of {where} does not name the system {ctx.name!r}: {text}"
    assert error.system == ctx.name, f"error.system is {error.system!r}, not {ctx.name!r}"


def wait_out(started: float, case: FaultCase) -> None:
    """Let a stalled request finish before the mock is used again."""
    if case.delay_seconds is not None:
        time.sleep(max(0.0, started + case.delay_seconds + 0.2 - time.monotonic()))


class Check:
    """One conformance check; ``check(ctx)`` raises AssertionError when it fails."""

    name: str = "check"
    requires: frozenset[Capability] = frozenset()

    def check(self, ctx: SuiteContext) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name
