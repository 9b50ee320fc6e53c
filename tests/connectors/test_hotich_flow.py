"""hộ tịch end to end over loopback: ingest -> worker -> NhanDKHT (a 503 retried) ->
track_once -> province updates ending in a result with its certificate, a refusal
with its reason, a supplement with its deadline; and the mock on its own."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import httpx
import pytest

from connectors.hotich.connector import HotichConnector
from connectors.hotich.settings import HotichSettings
from hub.errors import MappingError
from hub.models import Status
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.mock.admin import MockConfig
from hub.testing.samples_hotich import sample_ho_tich_batch, sample_ho_tich_lifecycle
from mocks.hotich.app import create_app

KEY = "flow-key"
#: The province's own codes (the test configuration's [province]).
UNIT = {"ma_don_vi": "000.00.22.H34", "ma_tinh": "51"}


@pytest.fixture
def mock(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=KEY), advance="poll"))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


def hub_for(tmp_path, url: str) -> Hub:  # type: ignore[no-untyped-def]
    return Hub(
        HubSettings(
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            worker=WorkerSettings(
                poll_seconds=0.02,
                retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
            ),
            routes=[RouteRule(connector="hotich", ma_tthc=["1.001193", "1.000656", "1.000894"])],
            connectors={"hotich": {"base_url": url, "api_key": KEY, "timeout_seconds": 2.0}},
        )
    )


def test_three_kinds_end_with_certificates_refusal_and_supplement(
    tmp_path, mock, assert_no_personal_data
) -> None:  # type: ignore[no-untyped-def]
    server, admin = mock
    hub = hub_for(tmp_path, server.url)
    events = sample_ho_tich_batch(5, seed="flow")  # birth, death, marriage, birth, death
    refused, supplement = events[3].ma_ho_so, events[4].ma_ho_so
    # The first two NhanDKHT fail with 503: the worker must retry them.
    admin.post("/_mock/faults", json={"faults": [{"kind": "http_503", "count": 2}]})
    hub.store.ingest(events, hub.router.targets)

    async def scenario() -> None:
        await hub.worker.run_until_idle(timeout=20)
        for ma, decision in (
            (refused, {"trangThai": "6", "ghiChu": "Hồ sơ đã được đăng ký khai sinh trước đó"}),
            (supplement, {"trangThai": "2", "ghiChu": "Thiếu giấy báo tử bản chính",
                          "hanBoSungHoSo": "20/11/2025 17:00:00"}),
        ):  # fmt: skip
            admin.post("/_mock/decide", json={"maHoSoMCDT": ma, **decision}).raise_for_status()
        for _ in range(3):
            outcome = await hub.track_once("hotich")
            assert outcome.error is None
        await hub.aclose()

    asyncio.run(scenario())
    stats = admin.get("/_mock/stats").json()
    assert stats["faults_injected"] == {"http_503": 2}
    assert stats["records"] == 5 and stats["contract_violations"] == []
    assert stats["accepted"] == 5  # retried, never applied twice

    updates = hub.store.list_province_updates(limit=1000)
    last = {u["ma_ho_so"]: u for u in updates}
    for event in events[:3]:
        update = last[event.ma_ho_so]
        assert update["kind"] == "result_ready", event.snapshot.extra["ho_tich"]["module"]
        (file,) = update["payload"]["result"]["files"]
        record = admin.get(f"/_mock/records/{event.ma_ho_so}").json()
        assert file["sha256"] == record["certificate_sha256"]
    assert (last[refused]["kind"], last[refused]["trang_thai"]) == ("refused", 3)
    assert last[refused]["payload"]["note"] == "Hồ sơ đã được đăng ký khai sinh trước đó"
    assert last[supplement]["kind"] == "supplement_required"
    assert last[supplement]["payload"]["deadline"].startswith("2025-11-20T17:00:00")
    # Each dossier told the province of processing first, then of the outcome.
    kinds = [u["kind"] for u in updates if u["ma_ho_so"] == events[0].ma_ho_so]
    assert kinds[-1] == "result_ready" and len(kinds) == len(set(kinds))
    assert_no_personal_data(
        str(hub.store.list_jobs()), [e.snapshot for e in events], "the jobs table"
    )
    hub.engine.dispose()


def test_mock_advances_issues_pdf_and_takes_the_supplement(mock) -> None:  # type: ignore[no-untyped-def]
    server, admin = mock
    event = sample_ho_tich_lifecycle("mock", module="LTKS")[0]
    connector = HotichConnector(HotichSettings(base_url=server.url, api_key=KEY, **UNIT))

    async def scenario() -> list[Any]:
        await connector.push(event, event.snapshot)
        seen = [await connector.fetch(event.ma_ho_so) for _ in range(2)]
        pdf = await connector.download_result(event.ma_ho_so)
        await connector.aclose()
        return [*seen, pdf]

    processing, done, pdf = asyncio.run(scenario())
    assert (processing.trang_thai, processing.raw_status) == (Status.DANG_XU_LY, "3")
    assert done.trang_thai is Status.DA_XU_LY_XONG and done.remote_id
    (file,) = done.result.files
    assert pdf.startswith(b"%PDF-") and file.sha256 == hashlib.sha256(pdf).hexdigest()

    # A supplement request; the re-sent dossier (dossier.updated) takes it back to processing.
    second = sample_ho_tich_lifecycle("mock2", module="LTKT")[0]
    updated = second.model_copy(update={"id": second.id + "-bs", "type": "dossier.updated"})
    connector = HotichConnector(HotichSettings(base_url=server.url, api_key=KEY, **UNIT))

    async def supplement() -> list[Any]:
        await connector.push(second, second.snapshot)
        admin.post(
            "/_mock/decide", json={"maHoSoMCDT": second.ma_ho_so, "trangThai": "2", "now": True}
        ).raise_for_status()
        asked = await connector.fetch(second.ma_ho_so)
        await connector.push(updated, updated.snapshot)
        back = await connector.fetch(second.ma_ho_so)
        await connector.aclose()
        return [asked, back]

    asked, back = asyncio.run(supplement())
    assert asked.trang_thai is Status.YEU_CAU_BO_SUNG and asked.deadline is not None
    assert asked.note  # the default reason
    assert back.trang_thai in (Status.DANG_XU_LY, Status.DA_XU_LY_XONG)
    record = admin.get(f"/_mock/records/{second.ma_ho_so}").json()
    assert [h["trangThai"] for h in record["history"]][:3] == ["1", "2", "3"]


def test_missing_birth_date_is_refused_before_sending(mock) -> None:  # type: ignore[no-untyped-def]
    server, admin = mock
    event = sample_ho_tich_lifecycle("dob", module="LTKS")[0]
    ho_tich = dict(event.snapshot.extra["ho_tich"])
    ho_tich["nguoi_duoc_khai_sinh"] = {
        k: v for k, v in ho_tich["nguoi_duoc_khai_sinh"].items() if k != "ngay_sinh"
    }
    bad = event.snapshot.model_copy(update={"extra": {"ho_tich": ho_tich}})
    connector = HotichConnector(HotichSettings(base_url=server.url, api_key=KEY, **UNIT))

    async def scenario() -> None:
        try:
            with pytest.raises(MappingError) as err:
                await connector.push(event, bad)
        finally:
            await connector.aclose()
        assert err.value.field == "extra.ho_tich.nguoi_duoc_khai_sinh.ngay_sinh"
        assert "nguoi_duoc_khai_sinh.ngay_sinh" in str(err.value)

    asyncio.run(scenario())
    assert admin.get("/_mock/stats").json()["requests"] == 0


def test_wrong_key_and_invalid_data_are_refused(mock) -> None:  # type: ignore[no-untyped-def]
    server, admin = mock
    event = sample_ho_tich_lifecycle("key", module="LTKH")[0]
    raw = {
        "maDonVi": "X", "module": "LTKH", "maHoSoMCDT": event.ma_ho_so,
        "ngayTiepNhan": "01/09/2025 08:00:00", "data": '{"chongHoTen": "A"}',
    }  # fmt: skip
    wrong = httpx.post(f"{server.url}/api/hotich/NhanDKHT", json=raw, headers={"api-key": "x"})
    assert wrong.json()["errorCode"] == "AUTH"
    invalid = httpx.post(f"{server.url}/api/hotich/NhanDKHT", json=raw, headers={"api-key": KEY})
    assert invalid.json()["errorCode"] == "INVALID"
    assert "data.chongNgaySinh" in invalid.json()["errorDescription"]
    assert admin.get("/_mock/stats").json()["contract_violations"][0]["field"] == (
        "data.chongNgaySinh"
    )
