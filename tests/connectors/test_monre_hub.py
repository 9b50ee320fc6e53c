"""MONRE inside the hub: routed by the catalog's sector, through the worker, over loopback.

The issue's "done when", minus the demo: dossiers pulled into the inbox; received,
processed, returned and saved to the citizen's store; a reception without a phone
dead with that reason; an INVALID SOAP Fault dead with a readable reason; a 503 retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.models import DossierEvent
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.mock.admin import MockConfig
from mocks.monre.app import create_app

from .test_monre_conformance import monre_lifecycle

KEY = "hub-key"


@pytest.fixture
def mock(serve_app: Any) -> Iterator[tuple[str, httpx.Client]]:
    server = serve_app(create_app(MockConfig(accept_key=KEY)))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server.url, admin


def hub_for(tmp_path: Path, url: str) -> Hub:
    return Hub(
        HubSettings(
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            worker=WorkerSettings(
                poll_seconds=0.02,
                retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
            ),
            # The environment sector of the catalog goes to MONRE: configuration, not code.
            routes=[RouteRule(connector="monre", sectors=["Tài nguyên và Môi trường"])],
            connectors={"monre": {"base_url": url, "access_key": KEY, "timeout_seconds": 2.0}},
        )
    )


def without_phone(event: DossierEvent) -> DossierEvent:
    party = event.snapshot.chu_ho_so.model_copy(update={"so_dien_thoai": None})
    snapshot = event.snapshot.model_copy(update={"chu_ho_so": party})
    return event.model_copy(update={"snapshot": snapshot})


def test_monre_through_the_hub(tmp_path: Path, mock: tuple[str, httpx.Client]) -> None:
    url, admin = mock
    hub = hub_for(tmp_path, url)
    good = [monre_lifecycle(41), monre_lifecycle(42)]
    no_phone = without_phone(monre_lifecycle(43)[0])
    invalid = monre_lifecycle(44)[0]
    seeded = admin.post("/_mock/seed", json={"count": 3, "seed": 9}).json()["ma_ho_so"]

    async def scenario() -> Any:
        pulled = await hub.pull_once("monre")
        # The first two requests fail with 503: the worker retries them.
        admin.post("/_mock/faults", json={"faults": [{"kind": "http_503", "count": 2}]})
        hub.store.ingest([e for events in good for e in events] + [no_phone], hub.router.targets)
        await hub.worker.run_until_idle(timeout=20)
        admin.post("/_mock/faults", json={"faults": [{"kind": "soap_invalid", "count": 1}]})
        hub.store.ingest([invalid], hub.router.targets)
        await hub.worker.run_until_idle(timeout=20)
        await hub.aclose()
        return pulled

    pulled = asyncio.run(scenario())
    try:
        assert pulled.error is None and pulled.new == 3 and pulled.acknowledged == 3
        inbox = {i["ma_ho_so"] for i in hub.store.list_inbox(limit=100)}
        assert set(seeded) <= inbox

        stats = admin.get("/_mock/stats").json()
        assert stats["faults_injected"] == {"http_503": 2, "soap_invalid": 1}
        assert stats["contract_violations"] == []
        for events in good:
            jobs = hub.store.list_jobs(ma_ho_so=events[0].ma_ho_so)
            assert {j["state"] for j in jobs} == {"succeeded"}, jobs
            record = admin.get(f"/_mock/records/{events[0].ma_ho_so}").json()
            assert record["trang_thai"] == 10 and len(record["history"]) == 1
            assert len(record["kho"]) == 1  # Lưu vào kho
            # received, progress, result (9), returned (10), then "Lưu vào kho"
            assert record["applied"] == 5
            # The province hears "Đã lưu giấy tờ" with the store code.
            updates = hub.store.list_province_updates(
                after_id=0, limit=100, ma_ho_so=events[0].ma_ho_so
            )
            (told,) = [u for u in updates if u["kind"] == "document_stored"]
            assert told["payload"]["trang_thai_giay_to_vi"] == "Đã lưu giấy tờ"
            assert told["payload"]["ma_giay_to_kho"] == [k["MaGiayToKho"] for k in record["kho"]]
            assert told["payload"]["event_id"] == events[-1].id

        (dead_phone,) = hub.store.list_jobs(ma_ho_so=no_phone.ma_ho_so)
        assert dead_phone["state"] == "dead" and dead_phone["attempts"] == 1
        assert "chu_ho_so.so_dien_thoai" in dead_phone["last_error"]
        (dead_invalid,) = hub.store.list_jobs(ma_ho_so=invalid.ma_ho_so)
        assert dead_invalid["state"] == "dead"
        assert "báo dữ liệu không hợp lệ" in dead_invalid["last_error"]
        assert "monre found invalid data" in dead_invalid["last_error_en"]
    finally:
        hub.engine.dispose()


@pytest.mark.parametrize("ma_ho_so", ["0", "x" * 200, "000.00.22.H34-231125-9999"])
def test_a_lookup_the_ministry_refuses_or_lacks_is_a_4xx(
    tmp_path: Path, mock: tuple[str, httpx.Client], hub_api: Any, ma_ho_so: str
) -> None:
    """``GET /api/v1/lookup/monre/0`` was a 502: the ministry refusing what the caller
    asked (a mã hồ sơ its XSD refuses) is the caller's 422, an unknown one a 404."""
    url, _admin = mock
    hub = hub_for(tmp_path, url)
    try:
        answer = hub_api(hub).get(f"/api/v1/lookup/monre/{ma_ho_so}")
        assert answer.status_code == (404 if ma_ho_so[0] == "0" and len(ma_ho_so) > 1 else 422), (
            answer.text
        )
        assert answer.json()["errors"][0]["loc"] == "ma_ho_so"
    finally:
        asyncio.run(hub.aclose())
