"""Shared fixtures: a fresh database per test, on SQLite and on this machine's PostgreSQL,
and the one way tests build a hub on it (``build_hub``) and serve its API (``hub_api``).

::

    def test_x(build_hub):               # SQLite in tmp_path
        hub = build_hub(connectors={"rec": RecordingConnector()})

    def test_y(build_hub, db_url):       # SQLite and PostgreSQL
        hub = build_hub(HubSettings(database_url=db_url, routes=[...]))

    def test_z(hub, hub_api):            # hub: no connectors, on both databases
        client = hub_api(hub)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
import structlog

if TYPE_CHECKING:
    from hub.service import Hub
    from hub.settings import HubSettings

# The test configuration's province (connectors read [province] for their own codes;
# nothing defaults to one province): the demo's codes.
os.environ.setdefault("TTHC_HUB_PROVINCE__MA_DON_VI", "000.00.22.H34")
os.environ.setdefault("TTHC_HUB_PROVINCE__MA_TINH", "51")

PG_URL = os.environ.get("TTHC_HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _process_state_restored() -> Iterator[None]:
    """Every test leaves the process as it found it. The CLI sets ``TTHC_HUB_LANG`` and
    ``TTHC_HUB_CONFIG`` for its whole process (hub/cli.py), and ``run_demo`` configures
    structlog (CRITICAL only) for its run: run in-process, either would otherwise outlive
    its test (a later test in English, a later hub with the CLI test's connectors, a
    ``capture_logs`` seeing nothing)."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("TTHC_HUB_")}
    logging_config = structlog.get_config()
    yield
    for name in [k for k in os.environ if k.startswith("TTHC_HUB_") and k not in saved]:
        del os.environ[name]
    os.environ.update(saved)
    structlog.configure(**logging_config)


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    from hub.store.engine import make_engine

    try:
        engine = make_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:
        return (
            f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set TTHC_HUB_TEST_PG_URL"
        )
    return None


_PG_SKIP: list[str | None] = []


def pg_skip_reason() -> str | None:
    if not _PG_SKIP:
        _PG_SKIP.append(_pg_available())
    return _PG_SKIP[0]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Each test using it runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def build_hub(tmp_path: Path) -> Iterator[Callable[..., Hub]]:
    """``build_hub(settings_or_url=None, *, connectors=None, **settings_fields)``: a Hub on
    ``settings`` (or on a database URL, default a SQLite file in tmp_path, with the other
    fields given); its engine is disposed after the test."""
    from hub.service import Hub
    from hub.settings import HubSettings

    built: list[Hub] = []

    def _build(
        settings: HubSettings | str | None = None,
        *,
        connectors: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Hub:
        if not isinstance(settings, HubSettings):
            url = settings or f"sqlite:///{tmp_path / 'hub.db'}"
            settings = HubSettings(database_url=url, **fields)
        hub = Hub(settings, connectors=connectors)
        built.append(hub)
        return hub

    yield _build
    for hub in built:
        hub.engine.dispose()


@pytest.fixture
def hub(build_hub: Callable[..., Hub], db_url: str) -> Hub:
    """A hub without connectors on a fresh database, SQLite and PostgreSQL."""
    return build_hub(db_url, connectors={})


@pytest.fixture
def hub_api(serve_app: Any) -> Iterator[Callable[..., httpx.Client]]:
    """``hub_api(hub, **create_app_options)``: the hub's API served on loopback, and an
    HTTP client on it (closed after the test; the hub is closed by whoever built it)."""
    from hub.api import create_app

    clients: list[httpx.Client] = []

    def _serve(hub: Hub, **options: Any) -> httpx.Client:
        server = serve_app(create_app(hub, close_hub=False, **options))
        client = httpx.Client(base_url=server.url, timeout=10)
        clients.append(client)
        return client

    yield _serve
    for client in clients:
        client.close()
