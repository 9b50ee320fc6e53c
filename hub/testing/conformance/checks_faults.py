"""Checks of failure: injected faults and busy answers, wrong credentials, health."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from hub.connector import Connector, Health
from hub.testing.conformance.config import FaultCase
from hub.testing.conformance.context import Check, SuiteContext, check_error, no_pii, wait_out
from hub.testing.conformance.operations import Operation, prepare_operations

__all__ = ["FaultCheck", "HealthCheck", "WrongCredentials"]


def _operations(ctx: SuiteContext) -> list[Operation]:
    ops = prepare_operations(ctx)
    if not ops:
        pytest.skip(f"{ctx.name} declares none of push, fetch, list, pull")
    return ops


class FaultCheck(Check):
    """An injected fault raises the configured error class through every declared
    capability, masked and naming the system; the same connector works once it is over."""

    def __init__(self, case: FaultCase) -> None:
        self.case = case
        self.name = case.name

    def check(self, ctx: SuiteContext) -> None:
        case = self.case
        for op in _operations(ctx):
            self._through(ctx, case, op)

    @staticmethod
    def _through(ctx: SuiteContext, case: FaultCase, op: Operation) -> None:
        ctx.inject(case)
        started = time.monotonic()

        async def scenario(c: Connector) -> tuple[BaseException | None, Any]:
            error: BaseException | None = None
            try:
                await op.call(c)
            except Exception as exc:
                error = exc
            ctx.clear_faults()
            wait_out(started, case)
            return error, await op.call(c)  # the fault is over: the connector works again

        error, recovered = ctx.run(scenario, fast_timeout=case.fast_timeout)
        assert error is not None, f"{op.label} under the {case.kind} fault did not raise"
        assert isinstance(error, case.error), (
            f"{op.label} under the {case.kind} fault raised {type(error).__name__}, expected "
            f"{case.error.__name__}: {error}"
        )
        check_error(ctx, error, f"{op.label} under the {case.kind} fault")
        wrong = op.judge(recovered)
        assert wrong is None, f"after the {case.kind} fault: {wrong}"


class WrongCredentials(Check):
    """When the ministry refuses the key, every capability raises
    ``SuiteConfig.credentials_error`` (naming the system, no personal data) and
    ``health`` is not ok."""

    name = "wrong_credentials"

    def check(self, ctx: SuiteContext) -> None:
        ops = _operations(ctx)
        ctx.set_credentials(f"wrong-{uuid.uuid4().hex[:12]}")
        expected = ctx.config.credentials_error
        for op in ops:

            async def scenario(c: Connector, op: Operation = op) -> BaseException | None:
                try:
                    await op.call(c)
                except Exception as exc:
                    return exc
                return None

            error = ctx.run(scenario)
            assert error is not None, f"{op.label} with a wrong key did not raise"
            assert isinstance(error, expected), (
                f"{op.label} with a wrong key raised {type(error).__name__}, expected "
                f"{expected.__name__}: {error}"
            )
            check_error(ctx, error, f"{op.label} with a wrong key")
        health = ctx.run(lambda c: c.health())
        assert isinstance(health, Health), f"health returned {health!r}"
        assert not health.ok, "health is ok although the ministry refuses the key"
        no_pii(health.detail, ctx.dossiers, "the health detail")


class HealthCheck(Check):
    """``health`` is ok against a healthy mock."""

    name = "health"

    def check(self, ctx: SuiteContext) -> None:
        health = ctx.run(lambda c: c.health())
        assert isinstance(health, Health), f"health returned {health!r}"
        assert health.ok, f"health is not ok against a healthy mock: {health.detail}"
