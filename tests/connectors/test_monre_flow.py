"""The MONRE connector against its SOAP mock, over real loopback HTTP: real envelopes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

import httpx
import pytest

from connectors.monre import register_connectors
from connectors.monre.client import load_wsdl
from connectors.monre.connector import MonreConnector
from connectors.monre.settings import MonreSettings
from hub.errors import ConfigError, MappingError, RejectedError, TransientError
from hub.models import EventType, Origin, Status
from hub.settings import HubSettings
from hub.testing.mock.admin import MockConfig
from mocks.monre.app import create_app

from .test_monre_conformance import monre_lifecycle

T = TypeVar("T")
KEY = "test-key"
#: The province's unit code at MONRE (the test configuration's [province]).
UNIT = {"ma_don_vi": "000.00.22.H34"}


def run(make: Callable[[MonreConnector], Awaitable[T]], url: str, **settings: Any) -> T:
    """Run ``make(connector)`` in a fresh event loop, closing the connector inside it."""

    async def main() -> T:
        connector = MonreConnector(
            MonreSettings(
                **{"base_url": url, "access_key": KEY, "timeout_seconds": 5, **UNIT, **settings}
            )
        )
        try:
            return await make(connector)
        finally:
            await connector.aclose()

    return asyncio.run(main())


@pytest.fixture
def url(serve_app: Any) -> str:
    return str(serve_app(create_app(MockConfig(accept_key=KEY))).url)


def admin(url: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, url + path, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


async def push_all(connector: MonreConnector, seed: int = 21) -> list[Any]:
    return [await connector.push(e, e.snapshot) for e in monre_lifecycle(seed)]


def test_push_then_fetch_round_trips_steps_and_result(url: str) -> None:
    events = monre_lifecycle(21)

    async def scenario(c: MonreConnector) -> Any:
        await push_all(c)
        return await c.fetch(events[0].ma_ho_so)

    remote = run(scenario, url)
    final = events[-1].snapshot
    assert remote.trang_thai is Status.DA_TRA_KET_QUA
    sent = events[1].snapshot.qua_trinh[-1]
    got = remote.history[0]
    assert (got.buoc, got.phong_ban, got.noi_dung, got.trang_thai) == (
        sent.buoc, sent.phong_ban, sent.noi_dung, sent.trang_thai,
    )  # fmt: skip
    assert got.bat_dau == sent.bat_dau and got.han_xu_ly == sent.han_xu_ly
    assert final.ket_qua is not None and remote.result is not None
    # The ministry keeps the result's files by link and hash, not their content.
    sent_result = final.ket_qua.model_copy(
        update={"files": [f.model_copy(update={"noi_dung": None}) for f in final.ket_qua.files]}
    )
    assert remote.result.model_dump() == sent_result.model_dump()
    assert remote.deadline == final.ngay_hen_tra
    record = admin(url, "GET", f"/_mock/records/{final.ma_ho_so}")
    assert record["record"]["MaTTHC"] == "1.011516"  # the national code on the wire
    assert record["ngay_tra"] is not None
    operations = [r["operation"] for r in admin(url, "GET", "/_mock/received")]
    # The result (9), its return (10), then "Lưu vào kho" as its own province event.
    assert operations == ["TiepNhanHoSo", "CapNhatTienDo", "TraKetQua", "TraKetQua", "LuuVaoKho"]


def test_luu_vao_kho_stores_the_document_with_its_extracted_data(url: str) -> None:
    run(push_all, url)
    final = monre_lifecycle(21)[-1].snapshot
    owner = final.chu_ho_so
    assert final.ket_qua is not None and owner.so_giay_to is not None
    store = admin(url, "GET", f"/_mock/kho/{owner.so_giay_to}")["giay_to"]
    assert len(store) == 1
    document = store[0]
    assert document["MaHoSo"] == final.ma_ho_so
    assert document["So"] == final.ket_qua.so
    assert document["NgayKy"] == final.ket_qua.ngay_ky.isoformat()
    assert document["LoaiGiayTo"] == final.ket_qua.loai_giay_to
    assert document["CoQuanCap"] == final.ket_qua.co_quan_cap
    assert document["ChuSoHuu"] == {"HoTen": owner.ho_ten, "SoDinhDanh": owner.so_giay_to}
    assert document["TepGiayTo"]["Sha256"] == final.ket_qua.files[0].sha256
    record = admin(url, "GET", f"/_mock/records/{final.ma_ho_so}")
    assert [d["MaGiayToKho"] for d in record["kho"]] == [document["MaGiayToKho"]]
    # The dossier's components are saved together with the result.
    assert [t["Sha256"] for t in document["ThanhPhanHoSo"]] == [a.sha256 for a in final.thanh_phan]


def test_pull_maps_ministry_filed_dossiers_with_their_files(url: str) -> None:
    codes = admin(url, "POST", "/_mock/seed", json={"count": 4, "seed": 5})["ma_ho_so"]

    async def scenario(c: MonreConnector) -> Any:
        first = await c.pull(None)
        rest = await c.pull(first.cursor)
        return [*first.items, *rest.items]

    items = run(scenario, url, page_size=3)
    assert [i.dossier.ma_ho_so for i in items] == codes
    for item in items:
        record = admin(url, "GET", f"/_mock/records/{item.dossier.ma_ho_so}")["record"]
        dossier = item.dossier
        assert dossier.origin is Origin.MINISTRY and dossier.origin_system == "monre"
        assert dossier.trang_thai is Status.MOI_DANG_KY
        assert dossier.chu_ho_so.ho_ten == record["ChuHoSo"]["HoTen"]
        assert dossier.chu_ho_so.so_giay_to == record["ChuHoSo"]["SoDinhDanh"]
        assert [a.sha256 for a in dossier.thanh_phan] == [t["Sha256"] for t in record["TepDinhKem"]]
        assert item.remote_id == record["HoSoId"]


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"ngay_sinh": None}, "chu_ho_so.ngay_sinh"),  # the guide: may not be left empty
        ({"so_dien_thoai": None}, "chu_ho_so.so_dien_thoai"),  # likewise
    ],
    ids=["no_ngay_sinh", "no_so_dien_thoai"],
)
def test_reception_without_birth_date_or_phone_is_refused_before_sending(
    url: str, missing: dict[str, Any], field: str
) -> None:
    event = monre_lifecycle(22)[0]
    assert event.type is EventType.RECEIVED
    party = event.snapshot.chu_ho_so.model_copy(update=missing)
    bad = event.snapshot.model_copy(update={"chu_ho_so": party})
    before = admin(url, "GET", "/_mock/stats")["requests"]

    async def scenario(c: MonreConnector) -> BaseException:
        with pytest.raises(MappingError) as info:
            await c.push(event, bad)
        return info.value

    error = run(scenario, url)
    assert isinstance(error, MappingError) and error.field == field
    assert error.system == "monre"
    assert admin(url, "GET", "/_mock/stats")["requests"] == before
    full = event.snapshot.chu_ho_so
    for value in (full.ho_ten, full.so_giay_to, full.so_dien_thoai, str(full.ngay_sinh)):
        assert value not in str(error)


def test_an_envelope_the_xsd_refuses_is_reported_with_the_field(url: str) -> None:
    """A mirror row from before validation (a 5-digit phone) reaches the mock's XSD check."""
    event = monre_lifecycle(23)[0]
    # model_copy(update=...) does not validate: the mirror row as it was stored.
    party = event.snapshot.chu_ho_so.model_copy(update={"so_dien_thoai": "09123"})
    bad = event.snapshot.model_copy(update={"chu_ho_so": party})

    async def scenario(c: MonreConnector) -> BaseException:
        with pytest.raises(RejectedError) as info:
            await c.push(event, bad)
        return info.value

    error = run(scenario, url)
    assert isinstance(error, RejectedError) and error.remote_code == "INVALID"
    assert "HoSo.ChuHoSo.SoDienThoai" in str(error)
    assert "09123" not in str(error)
    violations = admin(url, "GET", "/_mock/stats")["contract_violations"]
    assert [v["field"] for v in violations] == ["HoSo.ChuHoSo.SoDienThoai"]
    assert admin(url, "GET", "/_mock/received") == []


def test_progress_for_an_unknown_dossier_is_a_permanent_not_found(url: str) -> None:
    event = monre_lifecycle(24)[1]

    async def scenario(c: MonreConnector) -> BaseException:
        with pytest.raises(RejectedError) as info:
            await c.push(event, event.snapshot)
        return info.value

    error = run(scenario, url)
    assert isinstance(error, RejectedError) and error.remote_code == "NOT_FOUND"


def test_a_busy_fault_is_transient_with_retry_after(url: str) -> None:
    admin(url, "POST", "/_mock/faults", json={"faults": [{"kind": "soap_busy", "count": 1}]})
    event = monre_lifecycle(25)[0]

    async def scenario(c: MonreConnector) -> BaseException:
        with pytest.raises(TransientError) as info:
            await c.push(event, event.snapshot)
        await c.push(event, event.snapshot)  # the fault is spent: the same client goes on
        return info.value

    error = run(scenario, url)
    assert isinstance(error, TransientError)
    assert error.code == "busy" and error.retry_after == 1.0


def test_a_429_keeps_its_retry_after(url: str) -> None:
    fault = {"kind": "http_429", "count": 1, "delay_seconds": 7}
    admin(url, "POST", "/_mock/faults", json={"faults": [fault]})

    async def scenario(c: MonreConnector) -> BaseException:
        with pytest.raises(TransientError) as info:
            await c.fetch("000.00.22.H34-251125-0001")
        return info.value

    error = run(scenario, url)
    assert isinstance(error, TransientError) and error.retry_after == 7.0


def test_the_wsdl_is_parsed_once_and_shared(url: str) -> None:
    load_wsdl()
    before = load_wsdl.cache_info()
    for _ in range(2):  # two connectors, two event loops
        assert run(lambda c: c.health(), url).ok
    after = load_wsdl.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 2


def test_list_remote_pages_through_the_period(url: str) -> None:
    admin(url, "POST", "/_mock/seed", json={"count": 5, "seed": 6})
    from hub.connector import Period

    today = date.today()
    period = Period(start=date(today.year - 1, 1, 1), end=date(today.year + 1, 1, 1))

    async def scenario(c: MonreConnector) -> list[Any]:
        return [r async for r in c.list_remote(period)]

    records = run(scenario, url, page_size=2)
    assert len(records) == 5 and len({r.ma_ho_so for r in records}) == 5
    assert all(r.trang_thai is Status.MOI_DANG_KY for r in records)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({}, 0),  # not configured
        ({"base_url": "http://x", "access_key": "k", "enabled": False}, 0),  # switched off
        ({"base_url": "http://x", "access_key": "k"}, 1),  # configured
    ],
    ids=["absent", "disabled", "enabled"],
)
def test_register_connectors(section: dict[str, Any], expected: int) -> None:
    settings = HubSettings(connectors={"monre": section} if section else {})
    assert len(register_connectors(settings)) == expected


def test_bad_settings_are_a_config_error_without_the_key() -> None:
    settings = HubSettings(
        connectors={"monre": {"base_url": "ftp://x", "access_key": "s3cret", "page_size": 0}}
    )
    with pytest.raises(ConfigError) as info:
        register_connectors(settings)
    assert "base_url" in str(info.value) and "page_size" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_a_step_without_deadline_or_office_gets_them_from_the_catalog(url: str) -> None:
    """Step 03 of 1.011516 (water use): its office and cumulative deadline from the decision."""
    from hub.calendar import deadline_plan
    from hub.catalog import load_catalog

    catalog = load_catalog()
    events = monre_lifecycle(26)
    progress = events[1]
    sent = progress.snapshot.qua_trinh[-1].model_copy(
        update={"buoc": "03", "phong_ban": None, "han_xu_ly": None}
    )
    dossier = progress.snapshot.model_copy(update={"qua_trinh": [sent], "ngay_hen_tra": None})
    procedure = catalog.get(dossier.ma_tthc)
    assert procedure is not None and dossier.ngay_tiep_nhan is not None
    planned = deadline_plan(procedure, dossier.ngay_tiep_nhan).steps[2]
    assert planned.label == "03"

    async def scenario(c: MonreConnector) -> Any:
        await c.push(events[0], events[0].snapshot)
        await c.push(progress, dossier)
        return await c.fetch(dossier.ma_ho_so)

    async def with_catalog() -> Any:
        connector = MonreConnector(
            MonreSettings(base_url=url, access_key=KEY, timeout_seconds=5, **UNIT),
            catalog=lambda: catalog,
        )
        try:
            return await scenario(connector)
        finally:
            await connector.aclose()

    remote = asyncio.run(with_catalog())
    step = remote.history[-1]
    assert step.han_xu_ly == planned.deadline
    assert step.phong_ban == planned.responsible
    # Without a catalog (and without ngày hẹn trả) the step cannot be sent: MappingError.
    with pytest.raises(MappingError, match="han_xu_ly"):
        run(lambda c: c.push(progress, dossier), url)


def test_a_dropped_connection_is_resent_at_once_and_applied_once(url: str) -> None:
    admin(url, "POST", "/_mock/faults", json={"faults": [{"kind": "reset", "count": 2}]})
    event = monre_lifecycle(27)[0]
    run(lambda c: c.push(event, event.snapshot), url)
    stats = admin(url, "GET", "/_mock/stats")
    assert stats["faults_injected"] == {"reset": 2}
    assert stats["accepted"] == 1
