"""The whole API against its own OpenAPI, with schemathesis and every check it has
(``--checks all``: no 5xx, no undocumented status or content type, responses that
follow their schema, what the schema allows is accepted, what it forbids is refused),
on SQLite and on PostgreSQL (issue #23).

The hub runs every installed connector against its mock over loopback (no faults), so
the connectors' own routes (``/api/v1/lienthong/...``) and the look-ups are in the
run; the API is called in-process (ASGI) with an admin key. Seeded and bounded:
:data:`EXAMPLES` cases per operation and phase.

Two rules JSON Schema cannot say are documented in the parameters' descriptions and
left out of the generated cases (:func:`_documented_rules`): times and days within
1900-01-01 .. 2100-12-31, and a range's start not after its end. The unit tests of
hub/params.py and tests/integration/test_api_bounds.py check both refusals.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (the test extra)")

from hypothesis import HealthCheck, Phase, assume, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from hub.auth import hash_key  # noqa: E402

from ..conftest import PG_URL, pg_skip_reason  # noqa: E402

pytestmark = pytest.mark.slow

#: Cases per operation and phase: the whole run stays within a few minutes per database.
EXAMPLES = 20
ADMIN_KEY = "thub_schemathesis-admin"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
#: (start, end) pairs a request may carry, in the query or the body.
_RANGES = (("since", "until"), ("tu_ngay", "den_ngay"), ("from", "to"))


def _when(value: Any) -> datetime | None:
    """A time or day as the hub reads it (naive: UTC), or None when it is neither."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value.strip()), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _documented_rules(values: dict[str, Any] | None) -> bool:
    """True when the case keeps the rules the descriptions state (date range, order)."""
    if not isinstance(values, dict):
        return True
    dated = {k for pair in _RANGES for k in pair} | {"received", "new_date"}
    for key in dated & set(values):
        when = _when(values[key])
        if when is not None and not date(1900, 1, 1) <= when.date() <= date(2100, 12, 31):
            return False
    for start, end in _RANGES:
        a, b = _when(values.get(start)), _when(values.get(end))
        if a and b and a > b:
            return False
    return True


@pytest.fixture(scope="module")
def mocks() -> Iterator[tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]]:
    """Every installed scenario's mocks, started once: connector sections and routes."""
    from hub.demo_kit import DemoOptions
    from hub.plugins import demo_scenarios, mock_factories
    from hub.testing.mock.server import start_server

    scenarios = demo_scenarios()
    wanted = {m.name for s in scenarios for m in s.mocks(DemoOptions(6, 2, 0, 0.0, 7))}
    factories = mock_factories()
    with ExitStack() as stack:
        urls = {}
        for name in sorted(wanted):
            server = start_server(factories[name](), log_level="critical")
            stack.callback(server.stop)
            urls[name] = server.url
        sections: dict[str, dict[str, Any]] = {}
        for scenario in scenarios:
            sections |= scenario.settings(urls)
        yield sections, [r for s in scenarios for r in s.routes()]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'hub.db'}"
        return
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    import sqlalchemy as sa

    from hub.store.engine import make_engine

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="module")
def api_schema(database: str, mocks: Any) -> Iterator[Any]:
    from hub.api import create_app
    from hub.plugins import load_connectors
    from hub.service import Hub
    from hub.settings import HubSettings, RouteRule
    from hub.testing.samples import sample_lifecycle

    sections, routes = mocks
    hub_settings = HubSettings(
        database_url=database,
        connectors=sections,
        routes=[RouteRule.model_validate(r) for r in routes],
        api_keys=[{"name": "fuzz-admin", "sha256": hash_key(ADMIN_KEY), "roles": ["admin"]}],
    )
    hub = Hub(hub_settings, connectors=load_connectors(hub_settings))
    # Something to find: a few dossiers and their jobs.
    hub.store.ingest(sample_lifecycle("schemathesis")[:3], hub.router.targets)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(hub, close_hub=False))
    yield schema
    # The connectors' HTTP clients were made in schemathesis' one ASGI loop (its blocking
    # portal, which outlives this module): close them there, not at garbage collection.
    from schemathesis.python.asgi import _get_portal

    _get_portal().call(hub.aclose)
    hub.engine.dispose()


def _short(exc: BaseException) -> str:
    """A failure in a few lines: the checks that failed, the status, the reproduction."""
    lines = [line.strip() for line in str(exc).splitlines()]
    kept = [line for line in lines if line.startswith(("- ST", "[", "curl"))]
    return " | ".join(line[:300] for line in kept) or lines[0][:300] if lines else repr(exc)


#: Operations whose acceptance JSON Schema cannot express: an event's rules (the procedure
#: catalog, the CCCD's province code, the date in mã hồ sơ) and PayGov's signed notice
#: (MaXacThuc over the fields). A schema-valid body there may be a 4xx naming why.
SIGNED_OR_RULED = frozenset({"/api/v1/events", "/api/v1/payment/confirm"})


def _body_schema_errors(raw: dict[str, Any], path: str, method: str, body: Any) -> list[str]:
    """What JSON Schema (2020-12, the OpenAPI 3.1 dialect) finds wrong with ``body`` as
    the request body of ``method path`` in the document ``raw``."""
    from jsonschema import Draft202012Validator

    content = raw["paths"][path][method.lower()]["requestBody"]["content"]
    schema = content["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": raw.get("components", {})})
    return [error.message for error in validator.iter_errors(body)]


def _negative_body_that_is_valid(operation: Any, case: Any, exc: BaseException) -> bool:
    """True for schemathesis' one false alarm: a "negative" body that the schema accepts.
    Negating a keyword inside one branch of a ``oneOf`` (here ``kind``'s enum in
    ``DropTask``) can draw a value that the other branch, or that one, still accepts
    (``"kind": "skip"``); the API is then right to accept it. Only when the body alone
    was mutated, "accepted" (ST201) is the only complaint, and JSON Schema finds the body
    valid; any other failure stands."""
    data = case.meta.phase.data
    location = getattr(data, "parameter_location", None)
    if location is None or location.value != "body" or not case.media_type:
        return False
    lines = (line.strip() for line in str(exc).splitlines())
    if {line.split()[1] for line in lines if line.startswith("- ST")} != {"ST201"}:
        return False
    raw = operation.schema.raw_schema
    return not _body_schema_errors(raw, operation.path, operation.method, case.body)


def _failures(operation: Any, mode: Any) -> list[str]:
    """Run ``operation`` with :data:`EXAMPLES` seeded cases of ``mode``; every check."""
    found: list[str] = []
    excluded = [positive_data_acceptance] if operation.path in SIGNED_OR_RULED else []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # every failure, not one shrunk
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        assume(_documented_rules(case.query) and _documented_rules(case.body))
        try:
            response = case.call_and_validate(headers=AUTH, excluded_checks=excluded)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
            if not _negative_body_that_is_valid(operation, case, exc):
                found.append(f"{mode.value} {operation.label}: {_short(exc)}")
            return
        if response.status_code >= 400:
            if "errors" not in response.json():
                found.append(f"{operation.label}: {response.status_code} not the error body")

    try:
        run()
    except Unsatisfiable:  # nothing to negate (an operation without parameters)
        assert mode == GenerationMode.NEGATIVE, operation.label
    return found


def test_a_oneof_branch_negated_into_a_valid_body_is_no_violation(api_schema: Any) -> None:
    """The body schemathesis once drew as "negative" (DropTask's ``kind`` enum negated)
    is a valid DropTask: the false-alarm filter above must see it so, and a truly
    invalid one (an unknown kind, a missing reason) as invalid."""
    raw = api_schema.raw_schema
    drawn = {"reason": "½\x91!\x1a6", "ma_ho_so": ";å5", "kind": "skip", "state": "failed",
             "dry_run": True, "error_class": "\U00060a3e", '"?': [None, []]}  # fmt: skip
    assert _body_schema_errors(raw, "/api/v1/operations", "POST", drawn) == []
    for wrong in ({**drawn, "kind": "drop"}, {"kind": "skip"}):
        assert _body_schema_errors(raw, "/api/v1/operations", "POST", wrong)


def test_api_follows_its_openapi(api_schema: Any) -> None:
    """Every check (schemathesis' default set is all of them) on every operation, with
    schema-valid and schema-invalid cases: no 5xx, every status and content type
    documented, responses as declared, what the schema allows accepted and what it
    forbids refused."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30
    failures: list[str] = []
    took: dict[str, float] = {}
    for operation in operations:
        started = time.perf_counter()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _failures(operation, mode)
        took[operation.label] = time.perf_counter() - started
    slowest = sorted(took.items(), key=lambda item: -item[1])[:5]
    print("slowest operations:", ", ".join(f"{label} {s:.1f}s" for label, s in slowest))
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures)))
