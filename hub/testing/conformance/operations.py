"""One call per declared capability, on data seeded in the mock: what the fault,
credential and log checks run every capability through (not only PUSH)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hub.connector import Capability, Connector, PullBatch, RemoteDossier
from hub.testing.conformance.context import SuiteContext, list_all

__all__ = ["Operation", "prepare_operations"]


@dataclass(frozen=True)
class Operation:
    """``call(connector)`` uses one capability; ``judge(result)`` says what is wrong with
    the answer of a healthy mock (None when right)."""

    label: str
    call: Callable[[Connector], Awaitable[Any]]
    judge: Callable[[Any], str | None]


def _fetched(code: str) -> Callable[[Any], str | None]:
    def judge(result: Any) -> str | None:
        if not isinstance(result, RemoteDossier):
            return f"fetch({code}) of a record seeded in the mock returned {result!r}"
        return None

    return judge


def _listed(result: Any) -> str | None:
    return None if result else "list_remote of a period with seeded records listed nothing"


def _pulled(result: Any) -> str | None:
    if not isinstance(result, PullBatch) or not result.items:
        return f"pull with dossiers filed at the ministry returned {result!r}"
    return None


def _pushed(result: Any) -> str | None:
    return None if result is not None else "push returned None"


def prepare_operations(ctx: SuiteContext) -> list[Operation]:
    """Seed the mock for every declared capability; one operation each, in the order
    PUSH, FETCH, LIST, PULL, LOOKUP."""
    caps = ctx.effective_capabilities
    ops: list[Operation] = []
    if Capability.PUSH in caps:
        event = ctx.lifecycles[0][0]
        ops.append(Operation("push", lambda c: c.push(event, event.snapshot), _pushed))
    seeded = ctx.seed_period() if caps & {Capability.FETCH, Capability.LIST} else None
    if seeded is not None and Capability.FETCH in caps:
        code = seeded.inside[-1].ma_ho_so
        ops.append(Operation("fetch", lambda c: c.fetch(code), _fetched(code)))
    if seeded is not None and Capability.LIST in caps:
        period = seeded.period
        ops.append(Operation("list_remote", lambda c: list_all(c, period), _listed))
    if Capability.PULL in caps:
        ctx.seed(ctx.config.pull_count, ctx.config.pull_seed)
        ops.append(Operation("pull", lambda c: c.pull(None), _pulled))
    if Capability.LOOKUP in caps:
        from hub.testing.conformance.checks_lookups import lookup_operation

        ops.append(lookup_operation(ctx))
    return ops
