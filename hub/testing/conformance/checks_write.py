"""Checks of PUSH: round trip, read-back, idempotency, the invalid dossier."""

from __future__ import annotations

import pytest

from hub.connector import (
    Capability,
    Connector,
    PushResult,
    RemoteDossier,
    RemoteRecord,
    idempotency_key,
)
from hub.models import Status
from hub.testing.conformance.context import (
    Check,
    SuiteContext,
    check_error,
    list_all,
    period_covering,
    push_events,
)
from hub.testing.samples import AGENCY_CODE

__all__ = ["FetchAfterPush", "IdempotentRepush", "InvalidDossier", "ListAfterPush", "PushRoundTrip"]


class PushRoundTrip(Check):
    """Pushing a lifecycle in order leaves the record at the ministry."""

    name = "push_round_trip"
    requires = frozenset({Capability.PUSH})

    def check(self, ctx: SuiteContext) -> None:
        events = ctx.lifecycles[0]
        results = ctx.run(lambda c: push_events(c, events))
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
            await push_events(c, events)
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
    """Pushing the same event twice writes once, with ``idempotency_key(name, event)``."""

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
        writes = [r for r in ctx.received() if r.get("ma_ho_so") == event.ma_ho_so]
        assert writes, f"the mock received no write for {event.ma_ho_so}"
        expected = idempotency_key(ctx.name, event)
        for write in writes:
            key = write.get("idempotency_key")
            assert key is not None, (
                f"the push sent no idempotency key (the mock's {write.get('operation')} "
                f"saw none): send idempotency_key(name, event) = {expected!r}"
            )
            assert key == expected, (
                f"the idempotency key sent is {key!r}, not idempotency_key(name, event) "
                f"= {expected!r}"
            )
        assert after["duplicates"] >= before["duplicates"] + 1, (
            "the second push of the same event was not recognised as a duplicate "
            f"(duplicates {before['duplicates']} -> {after['duplicates']})"
        )
        assert len(writes) == 1, f"the same event was written {len(writes)} times"


class ListAfterPush(Check):
    """``list_remote`` lists the pushed dossiers with their status."""

    name = "list_remote"
    requires = frozenset({Capability.PUSH, Capability.LIST})

    def check(self, ctx: SuiteContext) -> None:
        period = period_covering(ctx.dossiers)

        async def scenario(c: Connector) -> list[RemoteRecord]:
            for events in ctx.lifecycles:
                await push_events(c, events)
            return await list_all(c, period)

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
        check_error(ctx, error, "the invalid push")
