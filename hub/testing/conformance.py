"""The connector conformance suite (Meltano SDK's ``get_tap_test_class`` pattern).

A connector package's test module opens with::

    from hub.testing import SuiteConfig, conformance_tests
    from mocks.monre.app import create_app

    TestMonreConformance = conformance_tests(make_connector, mock_app=create_app)

``make_connector(base_url) -> Connector`` builds the connector against the mock's
URL. :func:`conformance_tests` returns a pytest class with one test per check
(``test_conformance[push_round_trip]``, ``[fault_http_503]`` ...). Each check runs
against the connector's bundled mock over real loopback HTTP, reset between
checks with ``POST /_mock/reset``, and is skipped, with the reason, when the
connector does not declare the capability it needs.

What differs between connectors lives in :class:`SuiteConfig`, never in
``if name == ...``: the sample data, the faults to inject and the error class
each must raise, a fast-timeout factory, the invalid dossier that must fail in
the mapping before any request is sent.

The mock conventions the suite relies on: ``POST /_mock/reset``,
``POST /_mock/faults {"faults": [{"kind", "count", "delay_seconds"}]}``,
``DELETE /_mock/faults``, ``GET /_mock/stats`` -> ``{requests, accepted,
duplicates, records, contract_violations, faults_injected}``,
``GET /_mock/records/{ma_ho_so}`` (404 when unknown), ``GET /_mock/received`` ->
``[{seq, operation, ma_ho_so, idempotency_key, status_id}]`` (accepted writes
only) and ``POST /_mock/seed {"count", "seed"}`` -> the seeded mã hồ sơ.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
import structlog
import structlog.testing

from hub.connector import (
    Capability,
    Connector,
    Health,
    Period,
    PullBatch,
    PulledDossier,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
)
from hub.errors import HubError, MappingError, TransientError
from hub.logging import setup_logging
from hub.masking import mask_excerpt
from hub.models import Dossier, DossierEvent, Origin, Status
from hub.testing.mock.server import RunningServer, start_server
from hub.testing.pii import find_personal_data
from hub.testing.samples import AGENCY_CODE, VN_TZ, sample_lifecycle

__all__ = [
    "CHECKS",
    "DEFAULT_FAULTS",
    "Check",
    "FaultCase",
    "SuiteConfig",
    "SuiteContext",
    "build_checks",
    "conformance_tests",
    "strip_identity",
]

T = TypeVar("T")
ConnectorFactory = Callable[[str], Connector]


# --- configuration ------------------------------------------------------------


@dataclass(frozen=True)
class FaultCase:
    """A fault to inject with ``POST /_mock/faults`` and the error a push must raise."""

    kind: str  #: the mock's fault kind: http_500, http_503, http_429, timeout, reset, ...
    error: type[HubError]  #: the hub error class the connector must raise
    #: How many requests the fault hits. More than one where a client may retry
    #: in-call (STYLE.md: ``stop_after_attempt(3)`` on a reset), so the fault outlasts it.
    count: int = 1
    delay_seconds: float | None = None  #: for timeout/slow: how long the mock stalls
    fast_timeout: bool = False  #: build the connector with ``SuiteConfig.fast_timeout_factory``

    @property
    def name(self) -> str:
        return f"fault_{self.kind}"


DEFAULT_FAULTS: tuple[FaultCase, ...] = (
    FaultCase("http_500", TransientError),  # an internal error: may pass on retry
    FaultCase("http_503", TransientError),  # maintenance / overloaded
    FaultCase("http_429", TransientError),  # rate limited
    # The mock stalls longer than the fast connector's timeout.
    FaultCase("timeout", TransientError, delay_seconds=1.5, fast_timeout=True),
    FaultCase("reset", TransientError, count=4),  # connection dropped mid-request
    FaultCase("malformed", TransientError),  # a body that is not what the contract says
)


def strip_identity(dossier: Dossier) -> Dossier:
    """The default invalid dossier: chủ hồ sơ without số giấy tờ and ngày sinh.

    Every ministry identifies a citizen by one or the other; a connector must refuse
    it with a MappingError before sending anything.
    """
    party = dossier.chu_ho_so.model_copy(
        update={"so_giay_to": None, "loai_dinh_danh": None, "ngay_sinh": None}
    )
    return dossier.model_copy(update={"chu_ho_so": party})


@dataclass(frozen=True)
class SuiteConfig:
    """Per-connector knobs of the conformance suite."""

    #: seed -> the events of one dossier, pushed in order (the last is the final state).
    lifecycle: Callable[[int], list[DossierEvent]] = sample_lifecycle
    #: One lifecycle per seed; the first is used by the single-dossier checks.
    seeds: tuple[int, ...] = (11, 12, 13)
    #: How many dossiers ``POST /_mock/seed`` files at the ministry for the pull check.
    pull_count: int = 3
    pull_seed: int = 1
    #: Safety bound on following ``more``.
    max_pull_pages: int = 50
    faults: tuple[FaultCase, ...] = DEFAULT_FAULTS
    #: ``base_url -> Connector`` with a short timeout (< the timeout fault's delay);
    #: without it the timeout fault runs with the default factory.
    fast_timeout_factory: ConnectorFactory | None = None
    #: Turns a valid dossier into one the ministry cannot take; None skips the check.
    invalid_dossier: Callable[[Dossier], Dossier] | None = strip_identity
    invalid_error: type[HubError] = MappingError


# --- the context a check runs in ------------------------------------------------


@dataclass
class SuiteContext:
    """A mock server, the connector factory and helpers for the mock's ``/_mock`` API."""

    url: str
    factory: ConnectorFactory
    config: SuiteConfig
    name: str = ""
    capabilities: frozenset[Capability] = frozenset()
    _http: httpx.Client = field(init=False, repr=False)
    _lifecycles: list[list[DossierEvent]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=10.0)
        probe = self.factory(self.url)
        self.name = probe.name
        self.capabilities = frozenset(probe.capabilities)
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

    def require(self, needed: frozenset[Capability]) -> None:
        missing = sorted(c.value for c in needed - self.capabilities)
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


# --- shared steps -----------------------------------------------------------------


async def _push_events(connector: Connector, events: Sequence[DossierEvent]) -> list[PushResult]:
    return [await connector.push(event, event.snapshot) for event in events]


async def _pull_all(
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


def _period_covering(dossiers: Sequence[Dossier]) -> Period:
    today = datetime.now(VN_TZ).date()
    start = min(d.ngay_nop.astimezone(VN_TZ).date() for d in dossiers)
    return Period(start=min(start, today) - timedelta(days=1), end=today + timedelta(days=1))


def _no_pii(text: str, dossiers: Sequence[Dossier], where: str) -> None:
    leaks = find_personal_data(text, dossiers)
    assert not leaks, f"personal data in {where}: " + "; ".join(leaks[:10])


def _check_error(ctx: SuiteContext, error: BaseException, where: str) -> None:
    assert isinstance(error, HubError)
    text = str(error)
    _no_pii(text, ctx.dossiers, f"the error message of {where}")
    assert ctx.name in text, f"the error of {where} does not name the system {ctx.name!r}: {text}"
    assert error.system == ctx.name, f"error.system is {error.system!r}, not {ctx.name!r}"


@dataclass
class _Exercise:
    """What one pass over every declared capability produced."""

    results: list[PushResult] = field(default_factory=list)
    errors: list[tuple[str, BaseException]] = field(default_factory=list)
    pulled: list[Dossier] = field(default_factory=list)


async def _exercise(ctx: SuiteContext, connector: Connector) -> _Exercise:
    """Use every declared capability once, including an invalid push and one fault.

    A hub error in one step is kept (its message is checked for personal data) and
    the pass goes on: the checks that use this pass judge the contract or the logs,
    while the step's own check reports the error.
    """
    out = _Exercise()
    caps = ctx.capabilities

    async def step(where: str, action: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await action()
        except HubError as exc:
            out.errors.append((where, exc))
            return None

    if Capability.PUSH in caps:
        for events in ctx.lifecycles:
            for event in events:
                result = await step(f"the push of {event.id}", partial(_push, connector, event))
                if result is not None:
                    out.results.append(result)
        first = ctx.lifecycles[0][0]
        result = await step("the re-push", partial(_push, connector, first))
        if result is not None:
            out.results.append(result)
    if Capability.FETCH in caps:
        for events in ctx.lifecycles:
            await step(
                f"the fetch of {events[0].ma_ho_so}", partial(connector.fetch, events[0].ma_ho_so)
            )
    if Capability.PULL in caps:
        ctx.seed(ctx.config.pull_count, ctx.config.pull_seed)
        pulled = await step(
            "the pull", partial(_pull_all, connector, None, ctx.config.max_pull_pages)
        )
        if pulled is not None:
            out.pulled = [item.dossier for item in pulled[0]]
            ids = [item.remote_id for item in pulled[0]]
            await step("the acknowledgement", partial(connector.acknowledge, ids))
    if Capability.LIST in caps:
        await step("the listing", partial(_list_all, connector, _period_covering(ctx.dossiers)))
    await step("the health probe", connector.health)
    if Capability.PUSH in caps and ctx.config.invalid_dossier is not None:
        event = ctx.lifecycles[0][0]
        bad = ctx.config.invalid_dossier(event.snapshot)
        await step("the invalid push", partial(connector.push, event, bad))
    instant = [c for c in ctx.config.faults if c.delay_seconds is None]
    if Capability.PUSH in caps and instant:
        ctx.inject(instant[0])
        await step(instant[0].name, partial(_push, connector, ctx.lifecycles[0][1]))
        ctx.clear_faults()
    return out


async def _push(connector: Connector, event: DossierEvent) -> PushResult:
    return await connector.push(event, event.snapshot)


async def _list_all(connector: Connector, period: Period) -> list[RemoteRecord]:
    return [record async for record in connector.list_remote(period)]


# --- the checks -----------------------------------------------------------------


class Check:
    """One conformance check; ``check(ctx)`` raises AssertionError when it fails."""

    name: ClassVar[str] = "check"
    requires: ClassVar[frozenset[Capability]] = frozenset()

    def check(self, ctx: SuiteContext) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class PushRoundTrip(Check):
    """Pushing a lifecycle in order leaves the record at the ministry."""

    name = "push_round_trip"
    requires = frozenset({Capability.PUSH})

    def check(self, ctx: SuiteContext) -> None:
        events = ctx.lifecycles[0]
        results = ctx.run(lambda c: _push_events(c, events))
        for event, result in zip(events, results, strict=True):
            assert isinstance(result, PushResult), f"push of {event.type} returned {result!r}"
        assert ctx.record(events[0].ma_ho_so) is not None, (
            f"the mock holds no record for {events[0].ma_ho_so} after the pushes"
        )


class FetchAfterPush(Check):
    """``fetch`` returns the pushed dossier in its final status with its process history."""

    name = "fetch_after_push"
    requires = frozenset({Capability.PUSH, Capability.FETCH})

    def check(self, ctx: SuiteContext) -> None:
        events = ctx.lifecycles[0]
        unknown = f"{AGENCY_CODE}-250101-9999"

        async def scenario(c: Connector) -> tuple[RemoteDossier | None, RemoteDossier | None]:
            await _push_events(c, events)
            return await c.fetch(events[0].ma_ho_so), await c.fetch(unknown)

        remote, missing = ctx.run(scenario)
        final = events[-1].snapshot
        assert isinstance(remote, RemoteDossier), f"fetch returned {remote!r}"
        assert remote.ma_ho_so == final.ma_ho_so
        assert remote.trang_thai == final.trang_thai, (
            f"fetch says status {remote.trang_thai!r}, the last push was {final.trang_thai!r}"
        )
        progress = [s for e in events for s in e.snapshot.qua_trinh]
        assert remote.history, "fetch returned no process history"
        assert any(
            s.trang_thai == Status.DANG_XU_LY or s.buoc in {p.buoc for p in progress}
            for s in remote.history
        ), "the process history lacks the pushed progress step"
        assert missing is None, f"fetch of an unknown mã hồ sơ returned {missing!r}, not None"


class IdempotentRepush(Check):
    """Pushing the same event twice writes once; the mock counts a duplicate."""

    name = "idempotent_repush"
    requires = frozenset({Capability.PUSH})

    def check(self, ctx: SuiteContext) -> None:
        event = ctx.lifecycles[0][0]
        before = ctx.stats()

        async def twice(c: Connector) -> None:
            await c.push(event, event.snapshot)
            await c.push(event, event.snapshot)

        ctx.run(twice)
        after = ctx.stats()
        assert after["duplicates"] >= before["duplicates"] + 1, (
            "the second push of the same event was not recognised as a duplicate "
            f"(duplicates {before['duplicates']} -> {after['duplicates']})"
        )
        writes = [r for r in ctx.received() if r.get("ma_ho_so") == event.ma_ho_so]
        assert len(writes) == 1, f"the same event was written {len(writes)} times"
        key = writes[0].get("idempotency_key")
        assert key in (None, idempotency_key(ctx.name, event)), (
            f"the idempotency key sent is {key!r}, not idempotency_key(name, event)"
        )


class PullAndAcknowledge(Check):
    """Pull returns exactly the dossiers filed at the ministry; acknowledged ones do not return."""

    name = "pull_acknowledge"
    requires = frozenset({Capability.PULL})

    def check(self, ctx: SuiteContext) -> None:
        cfg = ctx.config
        seeded = ctx.seed(cfg.pull_count, cfg.pull_seed)
        assert len(seeded) == cfg.pull_count, f"the mock seeded {len(seeded)} dossiers"

        async def scenario(c: Connector) -> tuple[list[PulledDossier], list[str], list[str]]:
            items, cursor = await _pull_all(c, None, cfg.max_pull_pages)
            await c.acknowledge([i.remote_id for i in items])
            again, _ = await _pull_all(c, cursor, cfg.max_pull_pages)
            fresh, _ = await _pull_all(c, None, cfg.max_pull_pages)
            return items, [i.dossier.ma_ho_so for i in again], [i.dossier.ma_ho_so for i in fresh]

        items, again, fresh = ctx.run(scenario)
        got = [item.dossier.ma_ho_so for item in items]
        assert sorted(got) == sorted(seeded), f"pulled {sorted(got)}, seeded {sorted(seeded)}"
        for item in items:
            assert isinstance(item, PulledDossier)
            assert item.remote_id, f"{item.dossier.ma_ho_so} has no remote_id"
            Dossier.model_validate(item.dossier.model_dump())  # a real, valid Dossier
            assert item.dossier.origin is Origin.MINISTRY, (
                f"{item.dossier.ma_ho_so} has origin {item.dossier.origin}, not ministry"
            )
        assert not set(again) & set(seeded), f"acknowledged dossiers came back: {again}"
        assert not set(fresh) & set(seeded), (
            f"acknowledged dossiers came back on a pull without cursor: {fresh}"
        )


class ListRemote(Check):
    """``list_remote`` is an async iterator and lists the pushed dossiers with their status."""

    name = "list_remote"
    requires = frozenset({Capability.PUSH, Capability.LIST})

    def check(self, ctx: SuiteContext) -> None:
        period = _period_covering(ctx.dossiers)

        async def scenario(c: Connector) -> list[RemoteRecord]:
            for events in ctx.lifecycles:
                await _push_events(c, events)
            listing = c.list_remote(period)
            assert hasattr(listing, "__aiter__"), "list_remote must return an async iterator"
            return [record async for record in listing]

        records = ctx.run(scenario)
        by_code = {r.ma_ho_so: r for r in records}
        for events in ctx.lifecycles:
            final = events[-1].snapshot
            assert final.ma_ho_so in by_code, f"{final.ma_ho_so} missing from list_remote({period})"
            record = by_code[final.ma_ho_so]
            assert isinstance(record, RemoteRecord)
            assert record.trang_thai == final.trang_thai, (
                f"{final.ma_ho_so} listed as {record.trang_thai!r}, pushed {final.trang_thai!r}"
            )


class FaultCheck(Check):
    """An injected fault raises the configured error class, masked and naming the system."""

    requires = frozenset({Capability.PUSH})

    def __init__(self, case: FaultCase) -> None:
        self.case = case
        self.name = case.name  # type: ignore[misc]

    def check(self, ctx: SuiteContext) -> None:
        case = self.case
        event = ctx.lifecycles[0][0]
        ctx.inject(case)
        started = time.monotonic()

        async def scenario(c: Connector) -> tuple[BaseException | None, PushResult]:
            error: BaseException | None = None
            try:
                await c.push(event, event.snapshot)
            except Exception as exc:
                error = exc
            ctx.clear_faults()
            # The fault is over: the same connector must work again.
            return error, await c.push(event, event.snapshot)

        error, recovered = ctx.run(scenario, fast_timeout=case.fast_timeout)
        if case.delay_seconds is not None:
            # Let the stalled request finish before the next check resets the mock.
            time.sleep(max(0.0, started + case.delay_seconds + 0.2 - time.monotonic()))
        assert error is not None, f"a push under the {case.kind} fault did not raise"
        assert isinstance(error, case.error), (
            f"the {case.kind} fault raised {type(error).__name__}, expected "
            f"{case.error.__name__}: {error}"
        )
        _check_error(ctx, error, f"the {case.kind} fault")
        assert isinstance(recovered, PushResult), "the push after the fault did not succeed"


class InvalidDossier(Check):
    """A dossier the ministry cannot take fails in the mapping, before any request."""

    name = "invalid_dossier"
    requires = frozenset({Capability.PUSH})

    def check(self, ctx: SuiteContext) -> None:
        make_invalid = ctx.config.invalid_dossier
        if make_invalid is None:
            pytest.skip("SuiteConfig.invalid_dossier is None")
        event = ctx.lifecycles[0][0]
        bad = make_invalid(event.snapshot)
        before = ctx.stats()["requests"]

        async def scenario(c: Connector) -> BaseException | None:
            try:
                await c.push(event, bad)
            except Exception as exc:
                return exc
            return None

        error = ctx.run(scenario)
        assert error is not None, "the invalid dossier was pushed without error"
        assert isinstance(error, ctx.config.invalid_error), (
            f"the invalid dossier raised {type(error).__name__}, "
            f"expected {ctx.config.invalid_error.__name__}: {error}"
        )
        assert ctx.stats()["requests"] == before, "a request was sent for the invalid dossier"
        _check_error(ctx, error, "the invalid push")


class HealthCheck(Check):
    """``health`` is ok against a healthy mock."""

    name = "health"

    def check(self, ctx: SuiteContext) -> None:
        health = ctx.run(lambda c: c.health())
        assert isinstance(health, Health), f"health returned {health!r}"
        assert health.ok, f"health is not ok against a healthy mock: {health.detail}"


class ContractCheck(Check):
    """Every request the connector sent validated against its contract."""

    name = "contract"

    def check(self, ctx: SuiteContext) -> None:
        ctx.run(lambda c: _exercise(ctx, c))
        stats = ctx.stats()
        assert stats["requests"] > 0, "the mock saw no requests"
        violations = stats["contract_violations"]
        assert not violations, (
            f"{len(violations)} request(s) broke the contract: {mask_excerpt(violations[:5])}"
        )


class LogsCheck(Check):
    """No personal data in log entries, rendered logs, masked excerpts or error messages."""

    name = "logs"

    def check(self, ctx: SuiteContext) -> None:
        with structlog.testing.capture_logs() as entries:
            captured = ctx.run(lambda c: _exercise(ctx, c))
        ctx.reset()
        with _json_logs() as (stream, records):
            rendered = ctx.run(lambda c: _exercise(ctx, c))
        dossiers = [*ctx.dossiers, *captured.pulled, *rendered.pulled]
        for n, entry in enumerate(entries):
            _no_pii(json.dumps(entry, ensure_ascii=False, default=str), dossiers, f"log entry {n}")
        _no_pii(stream.getvalue(), dossiers, "the JSON log output")
        for n, record in enumerate(records):
            _no_pii(record, dossiers, f"stdlib log record {n}")
        for run in (captured, rendered):
            for n, result in enumerate(run.results):
                for part in ("request_excerpt", "response_excerpt"):
                    value = getattr(result, part)
                    if value is not None:
                        where = f"the masked {part} of push {n}"
                        _no_pii(mask_excerpt(value), dossiers, where)
                _no_pii(result.message or "", dossiers, f"the message of push {n}")
            for where, error in run.errors:
                _no_pii(str(error), dossiers, f"the error of {where}")
                _no_pii(repr(error), dossiers, f"the repr of the error of {where}")


@contextmanager
def _json_logs() -> Iterator[tuple[io.StringIO, list[str]]]:
    """hub.logging's JSON set-up writing to a buffer, plus every stdlib log record rendered."""
    saved = structlog.get_config()
    stream = io.StringIO()
    records: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(f"{record.name} {record.getMessage()}")

    root = logging.getLogger()
    handler = _Collect(level=logging.DEBUG)
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        setup_logging("json", level="DEBUG")
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=stream))
        yield stream, records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        structlog.configure(**saved)


def build_checks(config: SuiteConfig) -> list[Check]:
    """The checks for ``config``: the fixed ones, and one per configured fault."""
    return [
        PushRoundTrip(),
        FetchAfterPush(),
        IdempotentRepush(),
        PullAndAcknowledge(),
        ListRemote(),
        *(FaultCheck(case) for case in config.faults),
        InvalidDossier(),
        HealthCheck(),
        ContractCheck(),
        LogsCheck(),
    ]


#: The names of the checks with the default configuration.
CHECKS = tuple(check.name for check in build_checks(SuiteConfig()))


# --- the pytest class ---------------------------------------------------------------


def conformance_tests(
    connector_factory: ConnectorFactory,
    mock_app: Callable[[], Any],
    config: SuiteConfig | None = None,
) -> type:
    """A pytest test class running every check against ``mock_app`` over loopback HTTP.

    :param connector_factory: ``base_url -> Connector``.
    :param mock_app: builds the connector's mock ASGI app (one server per class).
    :param config: the per-connector knobs; defaults to :class:`SuiteConfig()`.
    """
    suite_config = config or SuiteConfig()
    checks = build_checks(suite_config)

    class ConformanceTests:
        """The tthc-hub connector conformance suite (see :mod:`hub.testing.conformance`)."""

        config = suite_config

        @pytest.fixture(scope="class")
        @classmethod
        def conformance_server(cls) -> Iterator[RunningServer]:
            server = start_server(mock_app())
            yield server
            server.stop()

        @pytest.fixture
        def conformance_context(self, conformance_server: RunningServer) -> Iterator[SuiteContext]:
            ctx = SuiteContext(conformance_server.url, connector_factory, suite_config)
            try:
                ctx.reset()
                yield ctx
            finally:
                ctx.close()

        @pytest.mark.parametrize("check", checks, ids=[c.name for c in checks])
        def test_conformance(self, check: Check, conformance_context: SuiteContext) -> None:
            conformance_context.require(check.requires)
            check.check(conformance_context)

    return ConformanceTests
