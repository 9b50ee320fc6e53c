"""Checks of LOOKUP (:mod:`hub.lookups`): every declared query answers the mock's
seeded data and an unknown code is "not found". Faults, a refused key and the search
for personal data in logs run a look-up like every other capability
(:func:`lookup_operation` in :func:`~hub.testing.conformance.operations.prepare_operations`).

What to ask and what to expect is per connector: :class:`LookupCase` items in
``SuiteConfig.lookup_cases``, one at least per declared query. The mock holds its
seeded records again after ``POST /_mock/reset`` (docs/mocks.md), so the cases name
records of that seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from hub.connector import Capability, Connector
from hub.lookups import LookupNotFound, LookupPage, Query, parse_params
from hub.testing.conformance.context import Check, SuiteContext, check_error
from hub.testing.conformance.operations import Operation

__all__ = ["LookupCase", "LookupNotFoundCheck", "LookupSeeded", "lookup_operation"]


@dataclass(frozen=True)
class LookupCase:
    """One question to a connector's query and what its mock's seed must answer.

    :param expect: field -> value that at least one row must hold (all of them).
    :param unknown: parameters naming nothing the ministry holds: a detail query must
        raise :class:`LookupNotFound`, a list must be empty. None skips that part.
    """

    query: str
    params: Mapping[str, Any]
    expect: Mapping[str, Any] = field(default_factory=dict)
    min_items: int = 1
    unknown: Mapping[str, Any] | None = None
    page_size: int = 50


def _queries(ctx: SuiteContext) -> dict[str, Query]:
    probe = ctx.factory(ctx.url)
    return {q.name: q for q in getattr(probe, "lookups", ())}


def _ask(query: Query, params: Mapping[str, Any], size: int) -> Any:
    model: BaseModel = parse_params(query, params)

    async def call(c: Connector) -> Any:
        return await c.lookup(query.name, model, page=1, page_size=size)  # type: ignore[attr-defined]

    return call


def check_answer(query: Query, case: LookupCase, page: object) -> str | None:
    """What is wrong with ``page`` as the answer to ``case`` (None when right)."""
    where = f"lookup {query.name}({dict(case.params)})"
    if not isinstance(page, LookupPage):
        return f"{where} returned {type(page).__name__}, not LookupPage"
    for row in page.items:
        if not isinstance(row, query.result):
            return f"{where} returned a {type(row).__name__} row, not {query.result.__name__}"
    if len(page.items) < case.min_items:
        return f"{where} returned {len(page.items)} rows, the mock holds at least {case.min_items}"
    if case.expect:
        rows = [r.model_dump(mode="json") for r in page.items]
        want = {k: v for k, v in case.expect.items()}
        if not any(all(r.get(k) == v for k, v in want.items()) for r in rows):
            return f"{where}: no row holds {want}"
    if query.statistics and page.totals is None:
        return f"{where} is a statistics query without a totals row"
    return None


class LookupSeeded(Check):
    """Every declared query has a case, and answers its mock's seeded records."""

    name = "lookup"
    requires = frozenset({Capability.LOOKUP})

    def check(self, ctx: SuiteContext) -> None:
        queries = _queries(ctx)
        assert queries, f"{ctx.name} declares LOOKUP but no queries in .lookups"
        cases = list(ctx.config.lookup_cases)
        missing = sorted(set(queries) - {c.query for c in cases})
        assert not missing, f"no LookupCase in SuiteConfig.lookup_cases for {missing}"
        for case in cases:
            query = queries.get(case.query)
            assert query is not None, f"{ctx.name} declares no query {case.query!r}"
            page = ctx.run(_ask(query, case.params, case.page_size))
            wrong = check_answer(query, case, page)
            assert wrong is None, wrong


class LookupNotFoundCheck(Check):
    """An unknown code: a detail query raises LookupNotFound naming the system; a list
    answers no rows."""

    name = "lookup_not_found"
    requires = frozenset({Capability.LOOKUP})

    def check(self, ctx: SuiteContext) -> None:
        queries = _queries(ctx)
        cases = [c for c in ctx.config.lookup_cases if c.unknown is not None]
        assert cases, "no LookupCase has unknown parameters: set LookupCase.unknown"
        for case in cases:
            query = queries[case.query]
            call = _ask(query, case.unknown or {}, case.page_size)

            async def scenario(c: Connector, call: Any = call) -> Any:
                try:
                    return await call(c)
                except Exception as exc:
                    return exc

            got = ctx.run(scenario)
            if query.paged or query.statistics:
                assert isinstance(got, LookupPage) and not got.items, (
                    f"lookup {query.name} of an unknown code answered {got!r}, not an empty page"
                )
                continue
            assert isinstance(got, LookupNotFound), (
                f"lookup {query.name} of an unknown code gave {got!r}, not LookupNotFound"
            )
            check_error(ctx, got, f"lookup {query.name} of an unknown code")


def lookup_operation(ctx: SuiteContext) -> Operation:
    """The first of ``SuiteConfig.lookup_cases`` as an operation: the fault, credential
    and log checks run it like every other declared capability."""
    queries = _queries(ctx)
    cases = list(ctx.config.lookup_cases)
    assert cases, "SuiteConfig.lookup_cases is empty"
    case = cases[0]
    query = queries[case.query]
    return Operation(
        f"lookup {query.name}",
        _ask(query, case.params, case.page_size),
        lambda page: check_answer(query, case, page),
    )
