"""Connector health in ``tthc-hub status`` and ``GET /api/v1/status``, against the real
mocks over loopback: a healthy ministry, wrong credentials (the mock refuses), a
ministry that does not answer in time, and connectors that never had a job."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.api import create_app
from hub.health import HealthChecker
from hub.service import Hub
from hub.settings import HealthSettings, HubSettings, RouteRule
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_lifecycle
from mocks.hotich.app import create_app as create_hotich
from mocks.lienthong.app import create_app as create_lienthong
from mocks.molisa.app import create_app as create_molisa

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))


@pytest.fixture
def settings(tmp_path: Path, serve_app: Callable[[Any], Any]) -> Iterator[HubSettings]:
    molisa = serve_app(create_molisa(MockConfig(accept_key="right")))
    hotich = serve_app(create_hotich(MockConfig(accept_key="right")))
    # Nothing for 30 s, then 504: far beyond the probe's timeout.
    silent = {"kind": "timeout", "rate": 1.0, "delay_seconds": 30}
    lienthong = serve_app(create_lienthong(MockConfig(accept_key="right", faults=[silent])))
    yield HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        health=HealthSettings(timeout_seconds=2, cache_seconds=30),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={
            "molisa": {"base_url": molisa.url, "accept_key": "right"},
            "hotich": {"base_url": hotich.url, "api_key": "wrong"},
            "lienthong": {"base_url": lienthong.url, "user_name": "u", "password": "right"},
        },
    )


def test_each_enabled_connector_is_probed_with_a_timeout_and_cached(settings: HubSettings) -> None:
    hub = Hub(settings)

    async def scenario() -> None:
        try:
            checker = HealthChecker(hub.connectors, settings.health)
            first = await checker.check()
            assert sorted(first) == ["hotich", "lienthong", "molisa"]
            assert first["molisa"].ok and first["molisa"].detail == "ok"
            assert not first["hotich"].ok
            assert "hộ tịch refused the api-key" in first["hotich"].detail
            assert not first["lienthong"].ok
            assert first["lienthong"].detail == "no answer within 2 s"
            # Asked again within cache_seconds: the same reports, no new call.
            again = await checker.check()
            assert all(again[name] is first[name] for name in first)
            fresh = await HealthChecker(hub.connectors, HealthSettings(cache_seconds=0)).check()
            assert fresh["molisa"] is not first["molisa"] and fresh["molisa"].ok
        finally:
            await hub.aclose()

    asyncio.run(scenario())


def test_api_status_lists_connectors_without_jobs_with_their_health(
    settings: HubSettings, serve_app: Callable[[Any], Any]
) -> None:
    hub = Hub(settings)
    api = serve_app(create_app(hub))
    event = sample_lifecycle(1)[0]
    body = event.model_dump(mode="json", exclude={"sequence"})
    assert httpx.post(f"{api.url}/api/v1/events", json=body, timeout=10).status_code == 202
    rows = httpx.get(f"{api.url}/api/v1/status", timeout=30).json()["connectors"]
    by_name = {r["connector"]: r for r in rows}
    assert sorted(by_name) == ["hotich", "lienthong", "molisa"]
    assert by_name["molisa"]["queue"]
    assert by_name["molisa"]["health"]["ok"] is True, by_name["molisa"]["health"]
    # Never had a job, yet listed, with the reason it is failing.
    assert by_name["hotich"]["queue"] == {} and by_name["hotich"]["health"]["ok"] is False
    assert by_name["lienthong"]["health"]["detail"] == "no answer within 2 s"


def test_cli_status_shows_health(settings: HubSettings, tmp_path: Path) -> None:
    toml = tmp_path / "hub.toml"
    lines = [f'database_url = "{settings.database_url}"', "[health]", "timeout_seconds = 2"]
    lines += ["[province]", 'ma_don_vi = "000.00.22.H34"', 'ma_tinh = "51"']
    for name, section in settings.connectors.items():
        lines.append(f"[connectors.{name}]")
        lines += [f'{k} = "{v}"' for k, v in section.items()]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    result = subprocess.run(
        [TTHC_HUB, "status", "--json", "--config", str(toml)],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = {r["connector"]: r for r in json.loads(result.stdout)["connectors"]}
    assert rows["molisa"]["health"]["ok"] is True
    assert rows["hotich"]["health"]["ok"] is False
    assert rows["lienthong"]["health"]["detail"] == "no answer within 2 s"
    table = subprocess.run(
        [TTHC_HUB, "--lang", "en", "status", "--config", str(toml)],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert table.returncode == 0 and "Health" in table.stdout and "Failing" in table.stdout
