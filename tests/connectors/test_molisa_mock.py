"""The MOLISA mock and connector together, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from connectors.molisa import MolisaConnector, MolisaSettings, register_connectors
from connectors.molisa.mapping import VN_TZ
from hub.connector import Period, idempotency_key
from hub.errors import ConfigError, ContractError, RejectedError, TransientError
from hub.models import EventType, Origin, Status
from hub.settings import HubSettings
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import sample_dossier, sample_event, sample_lifecycle
from mocks.molisa.app import create_app
from mocks.molisa.state import MolisaState

T = TypeVar("T")
KEY = "test-key"


def run(make: Callable[[MolisaConnector], Awaitable[T]], url: str, **settings: Any) -> T:
    """Run ``make(connector)`` in a fresh event loop, closing the connector after."""

    async def main() -> T:
        connector = MolisaConnector(
            MolisaSettings(**{"base_url": url, "accept_key": KEY, "timeout_seconds": 5, **settings})
        )
        try:
            return await make(connector)
        finally:
            await connector.aclose()

    return asyncio.run(main())


@pytest.fixture
def mock(serve_app: Callable[[Any], Any]) -> Any:
    return serve_app(create_app())


@pytest.fixture
def admin(mock: Any) -> httpx.Client:
    with httpx.Client(base_url=mock.url, timeout=5) as client:
        yield client


def received_event(seed: int = 1) -> Any:
    return sample_lifecycle(seed, seq=seed)[0]  # RECEIVED, status 2


# --- contract -----------------------------------------------------------------


def test_contract_violation_answers_2_and_is_recorded_without_values(
    mock: Any, admin: httpx.Client
) -> None:
    event = received_event()
    body = {"AcceptKey": KEY, "LoaiDuLieu": "100", "MaHoSo": event.ma_ho_so, "MaTTHC": "1.001776"}
    body |= {"HoVaTen": "Nguyễn Văn An", "LoaiDinhDanh": "1", "SoDinhDanh": "062095001234"}
    body |= {"StatusId": "2", "NgayThangNamSinh": "1995-03-04"}  # ISO, not dd/MM/yyyy
    answer = admin.post("/apiBTXH/DongBoDVC", json=body).json()
    assert answer["error_code"] == "2"
    assert answer["field"] == "NgayThangNamSinh" and "NgayThangNamSinh" in answer["message"]
    stats = admin.get("/_mock/stats").json()
    assert stats["contract_violations"] == [
        {
            "path": "/apiBTXH/DongBoDVC",
            "field": "NgayThangNamSinh",
            "error": "does not have the required format",
        }
    ]
    assert "1995" not in str(stats) and "062095001234" not in str(stats)
    assert stats["records"] == 0 and stats["accepted"] == 0


def test_unknown_fields_and_non_json_bodies_are_violations(admin: httpx.Client) -> None:
    answer = admin.post(
        "/apiBTXH/TraCuuHoSo", json={"AcceptKey": KEY, "MaHoSo": "x", "Extra": 1}
    ).json()
    assert (answer["error_code"], answer["field"]) == ("2", "Extra")
    answer = admin.post("/apiBTXH/TraCuuHoSo", content=b"not json").json()
    assert (answer["error_code"], answer["field"]) == ("2", "")
    assert len(admin.get("/_mock/stats").json()["contract_violations"]) == 2


def test_listing_pages_are_at_most_the_contracts_500(admin: httpx.Client) -> None:
    """The reconciliation asks for the largest page the contract allows; the mock holds
    the ministry's limit, so a client asking for more is caught here, not in production."""
    body = {"AcceptKey": KEY, "TuNgay": "01/01/2026", "DenNgay": "31/12/2026", "Trang": 1}
    assert (
        admin.post("/apiBTXH/DanhSachHoSo", json=body | {"SoLuong": 500}).json()["error_code"]
        == "0"
    )
    answer = admin.post("/apiBTXH/DanhSachHoSo", json=body | {"SoLuong": 501}).json()
    assert (answer["error_code"], answer["field"]) == ("2", "SoLuong")


def test_wrong_accept_key_is_a_rejection_that_names_the_setting(mock: Any) -> None:
    event = received_event()
    with pytest.raises(RejectedError) as info:
        run(lambda c: c.push(event, event.snapshot), mock.url, accept_key="wrong")
    assert info.value.remote_code == "1"
    assert "connectors.molisa.accept_key" in info.value.reason
    assert "wrong" not in info.value.reason


# --- faults -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"kind": "http_500"}, "http_500"),  # server error
        ({"kind": "http_503"}, "http_503"),  # overloaded gateway
        ({"kind": "http_429", "delay_seconds": 7}, "http_429"),  # rate limited, Retry-After 7
        ({"kind": "timeout", "delay_seconds": 1.0}, "timeout"),  # no answer within 0.3 s
        ({"kind": "reset"}, "connection_reset"),  # connection dropped mid-answer
        ({"kind": "malformed"}, "malformed"),  # 200 with a body that is not JSON
        ({"kind": "busy"}, "busy"),  # MOLISA's own error_code 99
    ],
    ids=["500", "503", "429", "timeout", "reset", "malformed", "busy"],
)
def test_fault_raises_transient_error(
    mock: Any, admin: httpx.Client, fault: dict, code: str
) -> None:
    admin.post("/_mock/faults", json={"faults": [{**fault, "count": 1}]}).raise_for_status()
    event = received_event()
    with pytest.raises(TransientError) as info:
        run(lambda c: c.push(event, event.snapshot), mock.url, timeout_seconds=0.3)
    assert info.value.code == code
    if fault["kind"] == "http_429":
        assert info.value.retry_after == 7
    assert admin.get("/_mock/stats").json()["faults_injected"] == {fault["kind"]: 1}
    # count 1: the next call goes through; a re-send after malformed is a duplicate.
    run(lambda c: c.push(event, event.snapshot), mock.url)
    assert admin.get(f"/_mock/records/{event.ma_ho_so}").json()["applied"] == 1


def test_timeout_fault_does_not_block_other_requests(mock: Any, admin: httpx.Client) -> None:
    admin.post(
        "/_mock/faults",
        json={"faults": [{"kind": "timeout", "delay_seconds": 0.8, "paths": ["TraCuuHoSo"]}]},
    ).raise_for_status()

    async def main(connector: MolisaConnector) -> float:
        stuck = asyncio.create_task(connector.fetch("000.00.22.H34-251125-0001"))
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient(base_url=mock.url) as other:
            started = time.perf_counter()
            (await other.get("/_mock/stats")).raise_for_status()
            elapsed = time.perf_counter() - started
        stuck.cancel()
        return elapsed

    assert run(main, mock.url) < 0.5


def test_slow_fault_answers_normally_and_admin_is_never_faulted(
    mock: Any, admin: httpx.Client
) -> None:
    admin.post(
        "/_mock/faults", json={"faults": [{"kind": "slow", "delay_seconds": 0.2}]}
    ).raise_for_status()
    admin.get("/_mock/stats").raise_for_status()  # not delayed, not counted
    started = time.perf_counter()
    assert run(lambda c: c.fetch("000.00.22.H34-251125-0001"), mock.url) is None
    assert time.perf_counter() - started >= 0.2
    assert admin.get("/_mock/stats").json()["faults_injected"] == {"slow": 1}


def test_fault_count_and_rate_are_deterministic(mock: Any, admin: httpx.Client) -> None:
    faults = [{"kind": "http_503", "count": 2, "paths": ["/TraCuuHoSo"]}]
    admin.post("/_mock/faults", json={"faults": faults}).raise_for_status()
    outcomes = []
    for _ in range(3):
        try:
            run(lambda c: c.fetch("000.00.22.H34-251125-0001"), mock.url)
            outcomes.append("ok")
        except TransientError:
            outcomes.append("fault")
    assert outcomes == ["fault", "fault", "ok"]

    def pattern() -> list[int]:
        admin.post(
            "/_mock/faults", json={"faults": [{"kind": "busy", "rate": 0.5}]}
        ).raise_for_status()
        codes = []
        for _ in range(8):
            body = {"AcceptKey": KEY, "MaHoSo": "x"}
            codes.append(int(admin.post("/apiBTXH/TraCuuHoSo", json=body).json()["error_code"]))
        return codes

    first = pattern()
    assert pattern() == first and 99 in first and 3 in first  # same seed, same sequence
    admin.delete("/_mock/faults").raise_for_status()
    assert admin.get("/_mock/faults").json() == {"faults": []}


# --- idempotency and order ----------------------------------------------------------


def test_replay_with_the_same_key_is_a_duplicate_applied_once(
    mock: Any, admin: httpx.Client
) -> None:
    event = received_event()

    async def twice(connector: MolisaConnector) -> None:
        await connector.push(event, event.snapshot)
        await connector.push(event, event.snapshot)

    run(twice, mock.url)
    stats = admin.get("/_mock/stats").json()
    assert (stats["accepted"], stats["duplicates"], stats["records"]) == (1, 1, 1)
    assert admin.get(f"/_mock/records/{event.ma_ho_so}").json()["applied"] == 1
    assert admin.get("/_mock/received").json() == [
        {
            "seq": 1,
            "operation": "DongBoDVC",
            "ma_ho_so": event.ma_ho_so,
            "idempotency_key": idempotency_key("molisa", event),
            "status_id": "2",
        }
    ]


def test_lifecycle_push_then_fetch_returns_history_and_result(
    mock: Any, admin: httpx.Client
) -> None:
    events = sample_lifecycle(5, seq=5)  # RECEIVED, PROGRESS, RESULT, RETURNED

    async def main(connector: MolisaConnector) -> Any:
        results = [await connector.push(e, e.snapshot) for e in events]
        assert all("AcceptKey" not in str(r.request_excerpt) for r in results)
        return await connector.fetch(events[0].ma_ho_so)

    remote = run(main, mock.url)
    assert remote is not None and remote.trang_thai is Status.DA_TRA_KET_QUA
    step = events[1].snapshot.qua_trinh[-1]
    assert [(h.buoc, h.trang_thai) for h in remote.history] == [(step.buoc, step.trang_thai)]
    received = admin.get("/_mock/received").json()
    assert [(r["operation"], r["status_id"]) for r in received] == [
        ("DongBoDVC", "2"),
        ("XuLyHoSo", "4"),
        ("DongBoDVC", "9"),
        ("GuiKetQua", "9"),
        ("DongBoDVC", "10"),
    ]
    result_file = events[2].snapshot.ket_qua.files[0]
    assert received[3]["idempotency_key"] == idempotency_key("molisa", events[2]) + ":file:0"
    view = admin.get(f"/_mock/records/{events[0].ma_ho_so}").json()
    assert view["results"][0]["Sha256"] == result_file.sha256
    assert view["record"]["SoQuyetDinh"] == events[2].snapshot.ket_qua.so


def test_progress_for_an_unsynced_dossier_is_rejected(mock: Any) -> None:
    dossier = sample_dossier(9, status=Status.DANG_XU_LY)
    event = sample_event(dossier, EventType.PROGRESS, seq=1)
    with pytest.raises(RejectedError) as info:
        run(lambda c: c.push(event, dossier), mock.url)
    assert info.value.remote_code == "3"


def test_fetch_unknown_is_none(mock: Any) -> None:
    assert run(lambda c: c.fetch("000.00.22.H34-251125-0042"), mock.url) is None


# --- pull ---------------------------------------------------------------------


def test_seed_pull_acknowledge_then_nothing_left(mock: Any, admin: httpx.Client) -> None:
    seeded = admin.post("/_mock/seed", json={"count": 5, "seed": 3}).json()["ma_ho_so"]
    assert len(seeded) == 5 and all(code.startswith("000.00.00.G12-") for code in seeded)

    async def main(connector: MolisaConnector) -> tuple[list[Any], Any]:
        items, cursor, batches = [], None, 0
        while True:
            batch = await connector.pull(cursor)
            items += batch.items
            cursor, batches = batch.cursor, batches + 1
            if not batch.more:
                break
        await connector.acknowledge([i.remote_id for i in items])
        return items, (batches, await connector.pull(None))

    items, (batches, after) = run(main, mock.url, page_size=2)
    assert batches == 3
    assert [i.dossier.ma_ho_so for i in items] == seeded
    dossier = items[0].dossier
    assert dossier.origin is Origin.MINISTRY and dossier.origin_system == "molisa"
    assert dossier.trang_thai is Status.MOI_DANG_KY
    assert dossier.chu_ho_so.so_giay_to and len(dossier.chu_ho_so.so_giay_to) == 12
    assert dossier.thanh_phan and dossier.thanh_phan[0].sha256
    assert after.items == [] and after.more is False
    assert admin.get(f"/_mock/records/{seeded[0]}").json()["acknowledged"] is True


def test_seeding_is_deterministic_and_apps_are_independent(serve_app: Callable[[Any], Any]) -> None:
    one = serve_app(create_app(MockConfig(seed_count=3, seed=11)))
    two = serve_app(create_app(MockConfig(seed_count=3, seed=11)))
    records = []
    for server in (one, two):
        batch = run(lambda c: c.pull(None), server.url)
        records.append([(i.dossier.ma_ho_so, i.dossier.chu_ho_so.ho_ten) for i in batch.items])
    assert records[0] == records[1] and len(records[0]) == 3
    run(lambda c: c.acknowledge(["1", "2", "3"]), one.url)
    assert run(lambda c: c.pull(None), one.url).items == []
    assert len(run(lambda c: c.pull(None), two.url).items) == 3


def test_a_record_that_does_not_map_fails_the_pull(mock: Any, admin: httpx.Client) -> None:
    admin.post("/_mock/seed", json={"count": 1, "seed": 1}).raise_for_status()
    state: MolisaState = mock.server.config.app.state.mock
    ma = next(iter(state.entries))
    state.entries[ma].record["NgayNop"] = "2025-11-03"  # the ministry broke its own format
    with pytest.raises(ContractError) as info:
        run(lambda c: c.pull(None), mock.url)
    assert "NgayNop" in info.value.reason


# --- listing ------------------------------------------------------------------


def test_list_remote_pages_through_everything(mock: Any, admin: httpx.Client) -> None:
    seeded = admin.post("/_mock/seed", json={"count": 7, "seed": 2}).json()["ma_ho_so"]
    today = datetime.now(VN_TZ).date()

    async def main(connector: MolisaConnector) -> list[Any]:
        return [r async for r in connector.list_remote(Period(today - timedelta(days=1), today))]

    requests_before = admin.get("/_mock/stats").json()["requests"]
    records = run(main, mock.url, page_size=3)
    assert [r.ma_ho_so for r in records] == seeded
    assert all(
        r.trang_thai is Status.MOI_DANG_KY and r.ma_tthc in ("1.001776", "1.001731")
        for r in records
    )
    assert admin.get("/_mock/stats").json()["requests"] - requests_before == 3  # 3 + 3 + 1
    past = Period(today - timedelta(days=30), today - timedelta(days=10))
    assert run(lambda c: _collect(c.list_remote(past)), mock.url) == []


async def _collect(gen: Any) -> list[Any]:
    return [x async for x in gen]


@pytest.mark.parametrize(("size", "requests"), [(3, 3), (7, 1), (2, 4)])
def test_pages_asked_for_ahead_are_the_same_pages_and_none_past_tongso(
    mock: Any, admin: httpx.Client, size: int, requests: int
) -> None:
    seeded = admin.post("/_mock/seed", json={"count": 7, "seed": 2}).json()["ma_ho_so"]
    today = datetime.now(VN_TZ).strftime("%d/%m/%Y")
    body = {"TuNgay": today, "DenNgay": today}

    async def pages(c: MolisaConnector, ahead: int) -> list[list[str]]:
        listed = c._client.pages("DanhSachHoSo", body, size=size, ahead=ahead)
        return [[r["MaHoSo"] for r in rows] async for rows in listed]

    one = run(lambda c: pages(c, 1), mock.url)
    before = admin.get("/_mock/stats").json()["requests"]
    three = run(lambda c: pages(c, 3), mock.url)
    assert three == one and [m for p in one for m in p] == seeded
    assert admin.get("/_mock/stats").json()["requests"] - before == requests


def test_a_listing_stopped_early_cancels_the_pages_asked_for_ahead(
    mock: Any, admin: httpx.Client
) -> None:
    admin.post("/_mock/seed", json={"count": 7, "seed": 2})
    today = datetime.now(VN_TZ).strftime("%d/%m/%Y")
    body = {"TuNgay": today, "DenNgay": today}

    async def first(c: MolisaConnector) -> tuple[list[Any], list[asyncio.Task[Any]]]:
        listed = c._client.pages("DanhSachHoSo", body, size=1, ahead=3)
        async for rows in listed:
            out = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            await listed.aclose()  # the caller stops after the first page
            for _ in range(3):
                await asyncio.sleep(0)
            return rows, out
        raise AssertionError("no page")

    rows, ahead = run(first, mock.url)
    assert len(rows) == 1 and len(ahead) == 3
    assert all(t.cancelled() for t in ahead)


def test_listing_a_late_page_of_many_records_is_cheap() -> None:
    state = MolisaState(MockConfig())
    state.seed(3000, 1)
    today = datetime.now(VN_TZ).strftime("%d/%m/%Y")
    started = time.perf_counter()
    page = state.danh_sach_ho_so({"TuNgay": today, "DenNgay": today, "Trang": 30, "SoLuong": 100})
    assert time.perf_counter() - started < 0.05
    assert page["TongSo"] == 3000 and len(page["DanhSach"]) == 100


# --- health and settings ------------------------------------------------------------


def test_health_reports_without_raising(mock: Any, admin: httpx.Client) -> None:
    assert run(lambda c: c.health(), mock.url).ok
    admin.post("/_mock/faults", json={"faults": [{"kind": "http_503"}]}).raise_for_status()
    health = run(lambda c: c.health(), mock.url)
    assert not health.ok and "503" in health.detail and health.latency_ms is not None
    assert not run(lambda c: c.health(), "http://127.0.0.1:9").ok


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({}, 0),  # no [connectors.molisa]: not configured
        ({"enabled": False, "base_url": "http://x"}, 0),  # switched off
        ({"base_url": "http://x", "accept_key": "k"}, 1),  # minimal
    ],
    ids=["absent", "disabled", "minimal"],
)
def test_register_connectors(section: dict, expected: int) -> None:
    settings = HubSettings(connectors={"molisa": section} if section else {})
    assert len(register_connectors(settings)) == expected


def test_bad_settings_are_a_config_error_without_the_key() -> None:
    settings = HubSettings(
        connectors={"molisa": {"base_url": "ftp://x", "accept_key": "s3cret", "page_size": 0}}
    )
    with pytest.raises(ConfigError) as info:
        register_connectors(settings)
    assert "base_url" in str(info.value) and "page_size" in str(info.value)
    assert "s3cret" not in str(info.value)
