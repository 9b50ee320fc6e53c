"""Every hook is documented in docs/hooks.md and has a test here (datasette's habit):
each test registers a small plugin on the plugin manager, as a third party would."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from fastapi import APIRouter, FastAPI, Header, Response
from pydantic import SecretStr
from typer.testing import CliRunner

from hub import hookimpl, hookspecs
from hub.connector import Capability, Health
from hub.connector_settings import ConnectorSettings
from hub.errors import ConfigError
from hub.plugins import (
    ConnectorInfo,
    PeriodicJob,
    command_groups,
    connector_states,
    demo_scenarios,
    describe_connectors,
    get_plugin_manager,
    load_connectors,
    mock_factories,
    periodic_jobs,
    plugin_routers,
)
from hub.settings import HubSettings

DOCS = Path(__file__).parents[2] / "docs" / "hooks.md"
HOOKS = [
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "tthc_hub_spec")
]


def test_hookspecs_found() -> None:
    assert set(HOOKS) == {
        "describe_connectors",
        "register_commands",
        "register_connectors",
        "register_demo_scenarios",
        "register_mocks",
        "register_periodic_jobs",
        "register_routes",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    args = ", ".join(inspect.signature(spec).parameters)
    docs = DOCS.read_text(encoding="utf-8")
    assert f"## {hook}({args})" in docs
    section = docs.split(f"## {hook}({args})", 1)[1].split("\n## ", 1)[0]
    assert "```python" in section and "@hookimpl" in section, f"{hook}: no example"
    assert spec.__doc__ and len(spec.__doc__.split()) > 20


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert re.search(rf"^def test_hook_{hook}\b", source, re.M)


# --- a small third-party connector, "duongthuy", used by the plugins below -------------


class DuongthuySettings(ConnectorSettings):
    api_key: SecretStr


class DuongthuyConnector:
    name = "duongthuy"
    title = "Quản lý vận tải (Bộ GTVT)"
    capabilities = frozenset({Capability.FETCH})

    def __init__(self, settings: DuongthuySettings) -> None:
        self.settings = settings

    async def fetch(self, ma_ho_so: str) -> None:
        return None

    async def health(self) -> Health:
        return Health(ok=True)

    async def aclose(self) -> None:
        return None


class DuongthuyPlugin:
    @hookimpl
    def describe_connectors(self) -> list[ConnectorInfo]:
        return [ConnectorInfo.of(DuongthuyConnector, DuongthuySettings)]

    @hookimpl
    def register_connectors(self, settings: HubSettings) -> list[Any]:
        from hub.connector_settings import connector_settings

        mine = connector_settings(settings, "duongthuy", DuongthuySettings)
        return [DuongthuyConnector(mine)] if mine else []


def _pm(*plugins: object) -> Any:
    pm = get_plugin_manager()
    for plugin in plugins:
        pm.register(plugin)
    return pm


# --- connectors ----------------------------------------------------------------------


def test_hook_register_connectors() -> None:
    # The built-in MOLISA connector is found through the entry point, like a third party's.
    settings = HubSettings(
        connectors={"molisa": {"base_url": "http://127.0.0.1:9", "accept_key": "k"}}
    )
    connectors = load_connectors(settings)
    assert "molisa" in connectors
    assert connectors["molisa"].title
    # Not configured: not registered.
    assert "molisa" not in load_connectors(HubSettings())
    # Misconfigured: a clear error naming the setting.
    with pytest.raises(ConfigError, match="base_url"):
        load_connectors(
            HubSettings(connectors={"molisa": {"base_url": "ftp://x", "accept_key": "k"}})
        )
    # A plugin registered on the manager: its connector is built from its section.
    pm = _pm(DuongthuyPlugin())
    duongthuy = {"duongthuy": {"base_url": "http://127.0.0.1:9", "api_key": "k"}}
    assert isinstance(
        load_connectors(HubSettings(connectors=duongthuy), pm)["duongthuy"], DuongthuyConnector
    )


def test_hook_register_connectors_refuses_duplicate_names() -> None:
    class Twin:
        @hookimpl
        def register_connectors(self, settings: HubSettings) -> list[object]:
            from connectors.molisa.connector import MolisaConnector
            from connectors.molisa.settings import MolisaSettings

            return [MolisaConnector(MolisaSettings(base_url="http://127.0.0.1:9", accept_key="k"))]

    settings = HubSettings(
        connectors={"molisa": {"base_url": "http://127.0.0.1:9", "accept_key": "k"}}
    )
    with pytest.raises(ConfigError, match="two plugins register a connector named 'molisa'"):
        load_connectors(settings, _pm(Twin()))


def test_hook_describe_connectors() -> None:
    pm = _pm(DuongthuyPlugin())
    infos = describe_connectors(pm)
    # The built-in ones and the plugin's, with no settings at all.
    assert {"hotich", "lienthong", "molisa", "monre", "duongthuy"} <= set(infos)
    assert infos["duongthuy"].capabilities == frozenset({Capability.FETCH})
    assert infos["molisa"].title == "Trợ giúp xã hội (Bộ Y tế)"

    def state(connectors: dict[str, Any]) -> tuple[str, str]:
        [s] = [
            s
            for s in connector_states(HubSettings(connectors=connectors), pm)
            if s.name == "duongthuy"
        ]
        return s.state, s.reason

    assert state({}) == ("not_configured", "")
    assert state({"duongthuy": {"enabled": False}}) == ("disabled", "")
    assert state({"duongthuy": {"base_url": "http://x", "api_key": "k"}}) == ("enabled", "")
    status, reason = state({"duongthuy": {"base_url": "ftp://x"}})
    assert status == "misconfigured"
    assert "base_url must start with http://" in reason
    # The missing secret names the environment variable that sets it.
    assert "api_key: Field required" in reason
    assert "TTHC_HUB_CONNECTORS__DUONGTHUY__API_KEY" in reason
    # A misspelt section is an error naming the nearest installed connector.
    with pytest.raises(
        ConfigError, match=r"\[connectors\.duongthuyy\].*did you mean \[connectors\.duongthuy\]"
    ):
        connector_states(HubSettings(connectors={"duongthuyy": {}}), pm)
    with pytest.raises(ConfigError, match="did you mean"):
        load_connectors(HubSettings(connectors={"duongthuyy": {}}), pm)


# --- command line --------------------------------------------------------------------


class DuongthuyCommands:
    @hookimpl
    def register_commands(self) -> dict[str, typer.Typer]:
        group = typer.Typer()

        @group.command("ping")
        def ping(name: str) -> None:
            typer.echo(f"pong {name}")

        @group.command("other")
        def other() -> None:
            typer.echo("other")

        return {"duongthuy": group}


def test_hook_register_commands() -> None:
    groups = command_groups(_pm(DuongthuyCommands()), taken={"jobs"})
    assert "lienthong" in groups  # the built-in plugin's group, through the same hook
    cli = typer.Typer()
    cli.add_typer(groups["duongthuy"], name="duongthuy")
    result = CliRunner().invoke(cli, ["duongthuy", "ping", "x"])
    assert result.exit_code == 0 and result.output == "pong x\n"
    # A name the hub (or another plugin) already uses is refused.
    with pytest.raises(ConfigError, match="two command groups are named 'duongthuy'"):
        command_groups(_pm(DuongthuyCommands()), taken={"duongthuy"})


# --- API -----------------------------------------------------------------------------


class DuongthuyRoutes:
    @hookimpl
    def register_routes(self, hub: Any) -> dict[str, APIRouter]:
        router = APIRouter(prefix="/api/v1/duongthuy")

        @router.get("/ping")
        def ping() -> dict[str, str]:
            return {"pong": hub.connectors["duongthuy"].title}

        return {"duongthuy": router}


def test_hook_register_routes(tmp_path: Path, serve_app: Callable[[Any], Any]) -> None:
    from hub.api import create_app
    from hub.service import Hub

    pm = _pm(DuongthuyPlugin(), DuongthuyRoutes())
    enabled = {"duongthuy": {"base_url": "http://127.0.0.1:9", "api_key": "k"}}
    on = Hub(
        HubSettings(database_url=f"sqlite:///{tmp_path / 'on.db'}", connectors=enabled),
        connectors=load_connectors(HubSettings(connectors=enabled), pm),
    )
    [router] = plugin_routers(on, pm)
    app = FastAPI()
    app.include_router(router)
    server = serve_app(app)
    answer = httpx.get(f"{server.url}/api/v1/duongthuy/ping", timeout=10)
    assert answer.json() == {"pong": "Quản lý vận tải (Bộ GTVT)"}
    # Disabled: its routes are not mounted.
    off = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'off.db'}"), connectors={})
    assert plugin_routers(off, pm) == []
    # The built-in liên thông routes, through the same hook: served only when enabled.
    api = serve_app(create_app(off))
    assert httpx.get(f"{api.url}/api/v1/lienthong/search", timeout=10).status_code == 404
    lienthong = {"lienthong": {"base_url": "http://127.0.0.1:9", "user_name": "u", "password": "p"}}
    settings = HubSettings(database_url=f"sqlite:///{tmp_path / 'lt.db'}", connectors=lienthong)
    api = serve_app(create_app(Hub(settings)))
    found = httpx.get(f"{api.url}/api/v1/lienthong/search", timeout=10)
    assert found.status_code == 200 and found.json() == {"items": []}


# --- periodic jobs -------------------------------------------------------------------


class DuongthuyJobs:
    """Two jobs of the enabled connector (one failing as a ministry outage would), one of
    a connector nobody enabled."""

    def __init__(self) -> None:
        self.runs: list[str] = []

    @hookimpl
    def register_periodic_jobs(self, hub: Any) -> dict[str, list[PeriodicJob]]:
        async def tick(hub: Any) -> str:
            self.runs.append(hub.connectors["duongthuy"].title)
            return "ticked"

        async def outage(hub: Any) -> str:
            from hub.errors import TransientError

            self.runs.append("outage")
            raise TransientError("duongthuy answered 503", system="duongthuy")

        return {
            "duongthuy": [PeriodicJob("tick", 3600, tick), PeriodicJob("outage", 60, outage)],
            "nobody": [PeriodicJob("tick", 60, tick)],
        }


def test_hook_register_periodic_jobs(tmp_path: Path) -> None:
    import asyncio
    import time
    from datetime import timedelta

    from hub.scheduler import build_scheduler
    from hub.service import Hub

    jobs = DuongthuyJobs()
    pm = _pm(DuongthuyPlugin(), jobs)
    enabled = {"duongthuy": {"base_url": "http://127.0.0.1:9", "api_key": "k"}}
    on = Hub(
        HubSettings(database_url=f"sqlite:///{tmp_path / 'on.db'}", connectors=enabled),
        connectors=load_connectors(HubSettings(connectors=enabled), pm),
    )
    assert set(periodic_jobs(on, pm)) == {"duongthuy:tick", "duongthuy:outage"}
    scheduler = build_scheduler(on, pm)
    tick, outage = scheduler.get_job("duongthuy:tick"), scheduler.get_job("duongthuy:outage")
    assert tick is not None and tick.trigger.interval == timedelta(seconds=3600)
    assert outage is not None and outage.trigger.interval == timedelta(seconds=60)
    assert scheduler.get_job("nobody:tick") is None  # its connector is not enabled
    # Run as the scheduler would: once per slot (another instance's run counts too).
    slot = int(time.time() // 3600)

    async def run_all() -> list[Any]:
        return [await job.func(*job.args) for job in (tick, tick, outage)]

    first, second, failed = asyncio.run(run_all())
    assert first == "ticked" and failed is None  # the outage is logged, not raised
    if int(time.time() // 3600) == slot:  # (at an hour's edge the second run is due)
        assert second is None and jobs.runs == ["Quản lý vận tải (Bộ GTVT)", "outage"]
    # Disabled or unconfigured: nothing of it is scheduled.
    off = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'off.db'}"), connectors={})
    assert periodic_jobs(off, pm) == {}
    assert build_scheduler(off, pm).get_job("duongthuy:tick") is None
    # Two jobs with one id, and jobs that cannot be scheduled, are refused.
    with pytest.raises(ConfigError, match="two periodic jobs are named 'duongthuy:tick'"):
        periodic_jobs(on, _pm(DuongthuyJobs(), DuongthuyJobs()))
    with pytest.raises(ConfigError, match="every_seconds must be > 0"):
        PeriodicJob("tick", 0, DuongthuyJobs)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="without ':'"):
        PeriodicJob("a:b", 60, DuongthuyJobs)  # type: ignore[arg-type]
    on.engine.dispose()
    off.engine.dispose()


# --- mocks ---------------------------------------------------------------------------


class DuongthuyMock:
    @hookimpl
    def register_mocks(self) -> dict[str, Callable[[], Any]]:
        def create_app() -> FastAPI:
            app = FastAPI()

            @app.get("/_mock/stats")
            def stats() -> dict[str, str]:
                return {"mock": "duongthuy"}

            return app

        return {"duongthuy": create_app}


def test_hook_register_mocks(serve_app: Callable[[Any], Any]) -> None:
    factories = mock_factories(_pm(DuongthuyMock()))
    # The bundled mocks come through the same hook (mocks/registry.py).
    assert {"hotich", "lienthong", "molisa", "monre", "duongthuy"} <= set(factories)
    server = serve_app(factories["duongthuy"]())
    assert httpx.get(f"{server.url}/_mock/stats", timeout=10).json() == {"mock": "duongthuy"}
    molisa = serve_app(factories["molisa"]())
    assert httpx.get(f"{molisa.url}/_mock/stats", timeout=10).status_code == 200
    with pytest.raises(ConfigError, match="two plugins register a mock named 'duongthuy'"):
        mock_factories(_pm(DuongthuyMock(), DuongthuyMock()))


# --- demo ----------------------------------------------------------------------------


class PostaConnector:
    """A tiny push connector: one JSON POST per event, its idempotency key in a header."""

    name = "posta"
    title = "Bưu chính (thử)"
    capabilities = frozenset({Capability.PUSH})

    def __init__(self, settings: DuongthuySettings) -> None:
        self.http = httpx.AsyncClient(base_url=str(settings.base_url), timeout=5)

    async def push(self, event: Any, dossier: Any) -> Any:
        from hub.sdk import PushResult, TransientError, idempotency_key

        answer = await self.http.post(
            "/gui",
            json={"ma_ho_so": dossier.ma_ho_so},
            headers={"Idempotency-Key": idempotency_key(self.name, event)},
        )
        if answer.status_code >= 500:
            raise TransientError(f"posta answered {answer.status_code}", system=self.name)
        return PushResult(remote_id=answer.json()["id"])

    async def health(self) -> Health:
        return Health(ok=True)

    async def aclose(self) -> None:
        await self.http.aclose()


def posta_mock(*, apply_twice: bool = False) -> FastAPI:
    """A tiny ministry: fails its first call with 503 when asked, records what it applied
    (twice per call when ``apply_twice``, as a broken ministry would)."""
    app = FastAPI()
    state: dict[str, Any] = {"received": [], "faults": [], "seeded": 0, "calls": 0}

    @app.post("/gui")
    def gui(body: dict[str, Any], idempotency_key: str = Header()) -> Any:
        state["calls"] += 1
        if state["faults"] and state["calls"] == 1:
            return Response(status_code=503)
        for _ in range(2 if apply_twice else 1):
            state["received"].append({**body, "idempotency_key": idempotency_key})
        return {"id": f"P{len(state['received'])}"}

    @app.post("/_mock/seed")
    def seed(body: dict[str, int]) -> dict[str, int]:
        state["seeded"] = body["count"]
        return body

    @app.post("/_mock/faults")
    def set_faults(body: dict[str, Any]) -> dict[str, Any]:
        state["faults"] = body["faults"]
        return body

    @app.delete("/_mock/faults")
    def clear_faults() -> dict[str, Any]:
        state["faults"] = []
        return {}

    @app.get("/_mock/stats")
    def stats() -> dict[str, Any]:
        return {"duplicates": 0, "seeded": state["seeded"], "calls": state["calls"]}

    @app.get("/_mock/received")
    def received() -> list[dict[str, Any]]:
        return list(state["received"])

    return app


class PostaDemo:
    """The plugin's part of the demo: 2 dossiers of a local procedure, their 8 events."""

    def __init__(self, *, apply_twice: bool = False) -> None:
        self.apply_twice = apply_twice

    @hookimpl
    def register_mocks(self) -> dict[str, Callable[[], Any]]:
        return {"posta": lambda: posta_mock(apply_twice=self.apply_twice)}

    @hookimpl
    def register_connectors(self, settings: HubSettings) -> list[Any]:
        from hub.connector_settings import connector_settings

        mine = connector_settings(settings, "posta", DuongthuySettings)
        return [PostaConnector(mine)] if mine else []

    @hookimpl
    def register_demo_scenarios(self) -> list[Any]:
        from hub.sdk import Bilingual, DemoMock, DemoScenario, DemoTable, sample_lifecycle

        class Scenario(DemoScenario):
            name = "posta"

            def mocks(self, options: Any) -> list[DemoMock]:
                faults = [{"kind": "http_503", "count": 1}]
                return [DemoMock("posta", seed_count=options.ministry_filed, faults=faults)]

            def settings(self, mock_urls: Any) -> dict[str, dict[str, Any]]:
                return {"posta": {"base_url": mock_urls["posta"], "api_key": "test-key"}}

            def routes(self) -> list[dict[str, Any]]:
                return [{"connector": "posta", "ma_tthc": ["1.001776"]}]

            def events(self, options: Any) -> list[dict[str, Any]]:
                return [
                    e.model_dump(mode="json", exclude={"sequence"})
                    for n in range(2)
                    for e in sample_lifecycle(f"{options.seed}:{n}")
                ]

            async def after_drain(self, ctx: Any) -> None:
                answer = await ctx.http.get(f"{ctx.mock_url('posta')}/_mock/stats")
                self.stats = answer.json()

            async def check(self, ctx: Any) -> list[str]:
                return [] if self.stats["calls"] >= 8 else ["posta: fewer calls than events"]

            def summary(self, ctx: Any) -> list[DemoTable | str]:
                title = Bilingual("Bưu chính", "Postal service")
                row = (Bilingual("Hồ sơ gửi Bộ", "Seeded at the ministry"), self.stats["seeded"])
                return [DemoTable(title, [row], ["một dòng"]), "một dòng nữa"]

        return [Scenario()]


def _run_posta(tmp_path: Path, plugin: PostaDemo) -> tuple[int, str]:
    from rich.console import Console

    from hub.demo import run_demo

    pm = get_plugin_manager(load_entry_points=False)
    pm.register(plugin)
    console = Console(record=True, width=100)
    tmp_path.mkdir()  # the hub creates no folder for its database
    lost = run_demo(ministry_filed=3, seed=7, keep=tmp_path / "demo.db", console=console, pm=pm)
    return lost, console.export_text()


def test_hook_register_demo_scenarios(tmp_path: Path) -> None:
    # The built-in connectors add their parts through the same hook.
    names = ["bcci", "dkdn", "dvcqg", "hotich", "lienthong", "molisa", "monre", "ngansach"]
    names += ["payment", "vantai"]
    assert [s.name for s in demo_scenarios()] == [*names, "xaydung"]
    # A plugin's scenario alone: its mock started, seeded and faulted, its connector
    # configured against it, its events routed, synced, retried after the 503, checked.
    lost, out = _run_posta(tmp_path / "ok", PostaDemo())
    assert lost == 0, out
    assert re.search(r"Sự kiện đã nhận\s*│\s*8\s*│", out), out
    assert re.search(r"Đã đồng bộ\s*│\s*8\s*│", out), out
    assert re.search(r"Đã gửi lại sau lỗi tạm thời\s*│\s*1\s*│", out), out
    assert re.search(r"Bưu chính.*Hồ sơ gửi Bộ\s*│\s*3\s*│", out, re.S), out
    assert "một dòng\nmột dòng nữa" in out
    # A ministry that applies each call twice: every job counts as lost, and the run fails.
    lost, out = _run_posta(tmp_path / "twice", PostaDemo(apply_twice=True))
    assert lost == 8 and re.search(r"Thất lạc\s*│\s*8\s*│", out), out


def test_hook_register_demo_scenarios_refuses_duplicate_names() -> None:
    with pytest.raises(ConfigError, match="two plugins add a demo scenario named 'posta'"):
        demo_scenarios(_pm(PostaDemo(), PostaDemo()))
