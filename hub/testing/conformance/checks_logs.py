"""Checks over one pass through every capability: the contract, and personal data in
logs, excerpts and errors (on the success, fault and wrong-credential paths)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog
import structlog.testing

from hub.connector import Capability, Connector, PushResult
from hub.errors import HubError
from hub.logging import setup_logging
from hub.masking import mask_excerpt
from hub.models import Dossier
from hub.testing.conformance.checks_read import UNKNOWN_CODE
from hub.testing.conformance.context import (
    Check,
    SuiteContext,
    no_pii,
    period_covering,
    pull_all,
    push_events,
)
from hub.testing.conformance.operations import prepare_operations

__all__ = ["ContractCheck", "LogsCheck"]


@dataclass
class _Exercise:
    """What one pass over every declared capability produced."""

    results: list[PushResult] = field(default_factory=list)
    errors: list[tuple[str, BaseException]] = field(default_factory=list)
    pulled: list[Dossier] = field(default_factory=list)


async def _exercise(ctx: SuiteContext, connector: Connector) -> _Exercise:
    """Use every declared capability on real data, then under a fault, then with a
    wrong key. A hub error in one step is kept (its message is checked for personal
    data) and the pass goes on: the step's own check reports the error."""
    out = _Exercise()
    caps = ctx.effective_capabilities

    async def step(where: str, action: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await action()
        except HubError as exc:
            out.errors.append((where, exc))
            return None

    if Capability.PUSH in caps:
        for events in ctx.lifecycles:
            pushed = await step("the pushes", partial(push_events, connector, events))
            out.results.extend(pushed or [])
        first = ctx.lifecycles[0][0]
        result = await step("the re-push", partial(connector.push, first, first.snapshot))
        if result is not None:
            out.results.append(result)
        if ctx.config.invalid_dossier is not None:
            bad = ctx.config.invalid_dossier(first.snapshot)
            await step("the invalid push", partial(connector.push, first, bad))
    ops = prepare_operations(ctx)  # seeds records for FETCH/LIST, dossiers for PULL
    for op in ops:
        await step(f"the {op.label}", partial(op.call, connector))
    if Capability.FETCH in caps:
        await step("the unknown fetch", partial(connector.fetch, UNKNOWN_CODE))
        for events in ctx.lifecycles:
            code = events[0].ma_ho_so
            await step(f"the fetch of {code}", partial(connector.fetch, code))
    if Capability.LIST in caps:
        period = period_covering(ctx.dossiers)
        await step("the listing", partial(_collect, connector, period))
    if Capability.PULL in caps:
        pulled = await step(
            "the pull", partial(pull_all, connector, None, ctx.config.max_pull_pages)
        )
        if pulled is not None:
            out.pulled = [item.dossier for item in pulled[0]]
            ids = [item.remote_id for item in pulled[0]]
            await step("the acknowledgement", partial(connector.acknowledge, ids))
    await step("the health probe", connector.health)
    instant = [c for c in ctx.config.faults if c.delay_seconds is None]
    for case in instant[:1]:
        for op in ops:
            ctx.inject(case)
            await step(f"the {op.label} under {case.kind}", partial(op.call, connector))
            ctx.clear_faults()
    return out


async def _wrong_key(ctx: SuiteContext, connector: Connector) -> _Exercise:
    """Every declared capability with a key the mock refuses (run last: it stays wrong)."""
    out = _Exercise()
    ops = prepare_operations(ctx)
    ctx.set_credentials(f"wrong-{uuid.uuid4().hex[:12]}")
    for op in ops:
        try:
            await op.call(connector)
        except HubError as exc:
            out.errors.append((f"the {op.label} with a wrong key", exc))
    health = await connector.health()
    out.errors.append(("the health probe with a wrong key", RuntimeError(health.detail)))
    return out


async def _collect(connector: Connector, period: Any) -> list[Any]:
    return [record async for record in connector.list_remote(period)]


def _everything(ctx: SuiteContext) -> list[_Exercise]:
    return [ctx.run(lambda c: _exercise(ctx, c)), ctx.run(lambda c: _wrong_key(ctx, c))]


class ContractCheck(Check):
    """Every request the connector sent, on every path, validated against its contract."""

    name = "contract"

    def check(self, ctx: SuiteContext) -> None:
        _everything(ctx)
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
            captured = _everything(ctx)
        ctx.reset()
        with _json_logs() as (stream, records):
            rendered = _everything(ctx)
        runs = [*captured, *rendered]
        dossiers = [*ctx.dossiers, *(d for run in runs for d in run.pulled)]
        for n, entry in enumerate(entries):
            no_pii(json.dumps(entry, ensure_ascii=False, default=str), dossiers, f"log entry {n}")
        no_pii(stream.getvalue(), dossiers, "the JSON log output")
        for n, record in enumerate(records):
            no_pii(record, dossiers, f"stdlib log record {n}")
        for run in runs:
            for n, result in enumerate(run.results):
                for part in ("request_excerpt", "response_excerpt"):
                    value = getattr(result, part)
                    if value is not None:
                        no_pii(mask_excerpt(value), dossiers, f"the masked {part} of push {n}")
                no_pii(result.message or "", dossiers, f"the message of push {n}")
            for where, error in run.errors:
                no_pii(str(error), dossiers, f"the error of {where}")
                no_pii(repr(error), dossiers, f"the repr of the error of {where}")


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
