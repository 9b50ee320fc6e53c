"""VNPost (bcci) in the running hub, on SQLite and PostgreSQL: the operators' API
(``/api/v1/bcci/orders``), signed status notices from the mock through the hub's
callback route, the mock's own clock, and ``tthc-hub bcci track`` as an operator runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.bcci.samples import postal_lifecycle
from hub.service import Hub
from hub.settings import RouteRule
from hub.testing.mock import MockConfig
from mocks.bcci.app import create_app
from tests.connectors.test_bcci_conformance import SECRET, settings
from tests.connectors.test_bcci_flow import connect

NOTICE_SECRET = "bi-mat-thong-bao"
TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TTHC_HUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def vnpost(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=SECRET)))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


async def _then_close(hub: Hub, work: Any) -> None:
    try:
        await work
    finally:
        await hub.aclose()


def drive(hub: Hub, admin: httpx.Client, lifecycles: list[list[Any]], returned: str) -> None:
    """Ingest, send, let VNPost carry everything to its end, read the feed."""
    hub.store.ingest([e for events in lifecycles for e in events], hub.router.targets)

    async def go() -> None:
        await hub.worker.run_until_idle(timeout=30)
        admin.post("/_mock/bcci/plan", json={"ma_ho_so": returned, "outcome": "return"})
        admin.post("/_mock/bcci/advance", json={"steps": 8}).raise_for_status()
        await hub.feed_once("bcci")
        await hub.aclose()  # in this loop, where the connector's pool lives

    asyncio.run(go())


def test_operators_list_orders_and_one_history(build_hub, db_url, hub_api, vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    lifecycles = [postal_lifecycle(f"api-{i}", seq=8300 + i) for i in range(3)]
    returned = lifecycles[2][0].ma_ho_so
    hub = build_hub(db_url, connectors={"bcci": connect(server.url, page_size=4)},
                    routes=[RouteRule(connector="bcci")])  # fmt: skip
    drive(hub, admin, lifecycles, returned)
    api = hub_api(hub)
    items = api.get("/api/v1/bcci/orders").json()["items"]
    assert len(items) == 6  # a pickup and a delivery each
    assert {i["status_label"] for i in items} == {
        "Đã giao hồ sơ cho cơ quan", "Đã phát thành công", "Đã chuyển hoàn",
    }  # fmt: skip
    flagged = api.get("/api/v1/bcci/orders", params={"attention": "true", "lang": "en"})
    [item] = flagged.json()["items"]
    assert item["ma_ho_so"] == returned and item["status_label"] == "returned to sender"
    assert item["direction_label"] == "result delivery"
    one = api.get(f"/api/v1/bcci/orders/{lifecycles[0][0].ma_ho_so}").json()
    assert [h["status_code"] for h in one["history"] if h["direction"] == "pickup"] == [
        "1", "2", "3",
    ]  # fmt: skip
    assert one["history"][-1]["trang_thai"] == 10
    missing = api.get("/api/v1/bcci/orders/000.00.22.H34-250101-9999")
    assert missing.status_code == 404 and missing.json()["errors"][0]["type"] == "not_found"
    updates = api.get("/api/v1/updates").json()
    assert any(u["kind"] == "delivered" and u["trang_thai"] == 10 for u in updates["items"])


def test_signed_notices_reach_the_province_once(build_hub, hub_api, vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    connector = connect(server.url, callback_secret=NOTICE_SECRET)
    hub = build_hub(connectors={"bcci": connector}, routes=[RouteRule(connector="bcci")])
    api = hub_api(hub)
    notify = {"url": f"{api.base_url}/api/v1/callbacks/bcci", "secret": NOTICE_SECRET}
    admin.post("/_mock/bcci/notify", json=notify).raise_for_status()
    events = postal_lifecycle("notice", seq=8400)
    hub.store.ingest(events, hub.router.targets)
    sent = hub.worker.run_until_idle(timeout=30)  # the pickup and the delivery
    asyncio.run(_then_close(hub, sent))
    admin.post("/_mock/bcci/advance", json={"steps": 1}).raise_for_status()
    kinds = [u["kind"] for u in hub.store.list_province_updates() if u["payload"].get("source")]
    assert sorted(kinds) == ["accepted", "collected", "out_for_delivery", "registered"]
    # a wrong secret at VNPost: refused, nothing told
    admin.post("/_mock/bcci/notify", json={**notify, "secret": "sai"}).raise_for_status()
    admin.post("/_mock/bcci/advance", json={"steps": 1}).raise_for_status()
    assert len(hub.store.list_province_updates()) == 4


def test_the_mock_moves_shipments_on_its_own_clock(serve_app) -> None:  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=SECRET), step_seconds=0.05))
    events = postal_lifecycle("clock", seq=8500)

    async def go() -> list[str]:
        c = connect(server.url)
        try:
            await c.push(events[0], events[0].snapshot)
            time.sleep(0.3)  # more than the three steps of a pickup
            page = await c.track_events(None)
            return [e.kind for e in page.events]
        finally:
            await c.aclose()

    assert asyncio.run(go()) == ["registered", "collected", "handed_over"]


def test_track_command_prints_the_history(tmp_path, vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    events = postal_lifecycle("cli", seq=8600)
    conf = settings(server.url).model_dump(mode="json", exclude_none=True)
    conf["consumer_secret"] = SECRET
    conf.pop("callback_secret", None)
    lines = [f'database_url = "sqlite:///{tmp_path / "hub.db"}"', "", "[connectors.bcci]"]
    lines += [f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {v}"
              for k, v in conf.items() if not isinstance(v, bool)]  # fmt: skip
    config = tmp_path / "tthc-hub.toml"
    config.write_text("\n".join(lines) + '\n\n[[routes]]\nconnector = "bcci"\n', "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    env["TTHC_HUB_CONFIG"] = str(config)
    env["COLUMNS"] = "200"
    from hub.settings import HubSettings

    os.environ["TTHC_HUB_CONFIG"] = str(config)
    try:
        hub = Hub(HubSettings())
    finally:
        del os.environ["TTHC_HUB_CONFIG"]
    hub.store.ingest(events, hub.router.targets)
    asyncio.run(_then_close(hub, hub.worker.run_until_idle(timeout=30)))
    admin.post("/_mock/bcci/advance", json={"steps": 3}).raise_for_status()
    ma = events[0].ma_ho_so
    done = cli(env, "--lang", "en", "bcci", "track", ma, "--refresh")
    assert done.returncode == 0, done.stderr
    for label in ("pickup registered", "handed to the office", "delivered"):
        assert label in done.stdout
    unknown = cli(env, "bcci", "track", "000.00.22.H34-250101-9999")
    assert unknown.returncode == 1 and "Không có bưu gửi" in unknown.stdout
