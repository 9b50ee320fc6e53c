"""liên thông over loopback: pull into the inbox and acknowledge, token expiry, hostile
XML, search (accent-insensitive name, CCCD) and statistics in Python, CLI and API."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from typer.testing import CliRunner

from connectors.lienthong import mapping
from connectors.lienthong.connector import LienthongConnector
from connectors.lienthong.search import Filters, fold, search, stats
from connectors.lienthong.settings import LienthongSettings
from hub.api import create_app as create_api
from hub.auth import hash_key
from hub.cli import app as cli
from hub.errors import ContractError, RejectedError
from hub.masking import mask_number
from hub.service import Hub
from hub.settings import ApiKeySetting, HubSettings
from hub.testing.mock.admin import MockConfig
from mocks.lienthong.app import create_app

PASSWORD = "flow-key"


@pytest.fixture
def mock(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=PASSWORD, seed_count=6, seed=4)))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


async def pull(hub: Hub):  # type: ignore[no-untyped-def]
    try:
        return await hub.pull_once("lienthong")
    finally:
        for connector in hub.connectors.values():
            await connector.aclose()


@pytest.fixture
def pulled(tmp_path, mock):  # type: ignore[no-untyped-def]
    server, _admin = mock
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    section = {"base_url": server.url, "user_name": "tinh", "password": PASSWORD}
    hub = Hub(HubSettings(database_url=db, connectors={"lienthong": section}))
    outcome = asyncio.run(pull(hub))
    assert (outcome.error, outcome.new, outcome.acknowledged) == (None, 6, 6)
    yield hub, db, section
    hub.engine.dispose()


def test_pull_acknowledges_and_hashes_files(pulled, mock) -> None:  # type: ignore[no-untyped-def]
    hub, _db, _section = pulled
    _server, admin = mock
    dossiers = list(search(hub, Filters()))
    assert len(dossiers) == 6
    for d in dossiers:
        assert d.origin_system == "lienthong" and d.extra["lien_thong"]["module"] in ("KS", "KT")
        record = admin.get(f"/_mock/records/{d.ma_ho_so}").json()
        assert record["acknowledged"] is True
        assert "duLieuTepDinhKem" not in json.dumps(d.model_dump(mode="json"))
    # Nothing new on the next pull.
    assert asyncio.run(pull(hub)).new == 0


def test_search_by_unaccented_name_and_cccd_masks_the_number(pulled) -> None:  # type: ignore[no-untyped-def]
    hub, db, _section = pulled
    target = next(iter(search(hub, Filters())))
    owner = target.chu_ho_so
    unaccented = fold(owner.ho_ten).title()
    assert unaccented != owner.ho_ten or owner.ho_ten.isascii()
    assert [d.ma_ho_so for d in search(hub, Filters(ten=unaccented))][:1] == [target.ma_ho_so]
    by_cccd = list(search(hub, Filters(so_giay_to=owner.so_giay_to)))
    assert [d.ma_ho_so for d in by_cccd] == [target.ma_ho_so]
    result = CliRunner().invoke(
        cli,
        ["lienthong", "search", "--so-giay-to", owner.so_giay_to],
        env={"TTHC_HUB_DATABASE_URL": db, "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert target.ma_ho_so in result.output
    assert owner.so_giay_to not in result.output and mask_number(owner.so_giay_to) in result.output
    english = CliRunner().invoke(
        cli, ["--lang", "en", "lienthong", "thong-ke"], env={"TTHC_HUB_DATABASE_URL": db}
    )
    assert english.exit_code == 0 and "Total" in english.output


def test_stats_and_api(pulled, serve_app) -> None:  # type: ignore[no-untyped-def]
    hub, db, section = pulled
    counted = stats(hub, Filters())
    assert counted["tong"] == 6
    assert sum(p["so"] for p in counted["theo_thu_tuc"]) == 6
    keys = [
        ApiKeySetting(name="view", sha256=hash_key("k-view"), roles=["viewer"]),
        ApiKeySetting(name="pay", sha256=hash_key("k-pay"), roles=["payload-viewer"]),
    ]
    settings = HubSettings(database_url=db, connectors={"lienthong": section}, api_keys=keys)
    server = serve_app(create_api(Hub(settings)))
    viewer = {"Authorization": "Bearer k-view"}
    with httpx.Client(base_url=server.url, timeout=10, headers=viewer) as api:
        target = next(iter(search(hub, Filters())))
        found = api.get("/api/v1/lienthong/search", params={"ten": fold(target.chu_ho_so.ho_ten)})
        assert found.status_code == 200
        assert target.ma_ho_so in [i["ma_ho_so"] for i in found.json()["items"]]
        assert api.get("/api/v1/lienthong/stats").json()["tong"] == 6
        detail = api.get(f"/api/v1/lienthong/{target.ma_ho_so}").json()
        owner = target.chu_ho_so
        assert owner.so_giay_to not in json.dumps(detail) and owner.ho_ten not in json.dumps(detail)
        assert detail["so_giay_to"] == mask_number(owner.so_giay_to)
        whole = api.get(
            f"/api/v1/lienthong/{target.ma_ho_so}", headers={"Authorization": "Bearer k-pay"}
        ).json()
        assert (whole["so_giay_to"], whole["chu_ho_so"]) == (owner.so_giay_to, owner.ho_ten)
        pdf = api.get(f"/api/v1/lienthong/{target.ma_ho_so}/files/1")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        import hashlib

        kept = target.extra["lien_thong"]["files"][0]
        assert hashlib.sha256(pdf.content).hexdigest() == kept["sha256"]
        assert api.get("/api/v1/lienthong/000.00.22.H34-250101-0001").status_code == 404


def test_expired_token_logs_in_again_once(mock) -> None:  # type: ignore[no-untyped-def]
    server, admin = mock
    connector = LienthongConnector(
        LienthongSettings(base_url=server.url, user_name="tinh", password=PASSWORD)
    )

    async def scenario() -> int:
        first = await connector.pull(None)
        admin.post("/_mock/expire-tokens").raise_for_status()
        await connector.acknowledge([i.remote_id for i in first.items])
        await connector.aclose()
        return connector.client.logins

    assert asyncio.run(scenario()) == 2


def test_hostile_xml_is_refused() -> None:
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE hoTich [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<hoTich><chuHoSo><hoTen>&xxe;</hoTen></chuHoSo></hoTich>"
    )
    with pytest.raises(ContractError, match="DTD"):
        mapping.parse_ho_tich_xml(hostile)
    with pytest.raises(ContractError, match="well-formed"):
        mapping.parse_ho_tich_xml("<hoTich><chuHoSo>")
    parsed = mapping.parse_ho_tich_xml(
        "<hoTich><chuHoSo><hoTen>Nguyễn Văn An</hoTen></chuHoSo><khaiSinh><ngaySinh>20250101"
        "</ngaySinh></khaiSinh></hoTich>"
    )
    assert parsed == {"chuHoSo": {"hoTen": "Nguyễn Văn An"}, "khaiSinh": {"ngaySinh": "20250101"}}


def test_fold_is_accent_insensitive() -> None:
    assert fold("Nguyễn  Văn An") == fold("nguyen van an") == "nguyen van an"
    assert fold("Đặng Thị Đào") == "dang thi dao"


def test_search_dates_and_wildcards_are_bounded(pulled, serve_app) -> None:  # type: ignore[no-untyped-def]
    """Issue #23: tu_ngay=0001-01-01 was a 500 (date arithmetic overflowed); a day out of
    1900..2100, a reversed range or a file number out of range is a 4xx, and ``_`` in
    mã TTHC matches only itself."""
    hub, db, _section = pulled
    server = serve_app(create_api(hub))
    with httpx.Client(base_url=server.url, timeout=10) as api:
        for query in (
            {"tu_ngay": "0001-01-01"},
            {"den_ngay": "9999-12-31"},
            {"tu_ngay": "2026-02-01", "den_ngay": "2026-01-01"},
            {"tu_ngay": "1700000000"},
        ):
            for path in ("/api/v1/lienthong/search", "/api/v1/lienthong/stats"):
                answer = api.get(path, params=query)
                assert answer.status_code == 422, (path, query, answer.text)
                assert answer.json()["errors"]
        target = next(iter(search(hub, Filters())))
        n = api.get(f"/api/v1/lienthong/{target.ma_ho_so}/files/99999999999999999999")
        assert n.status_code == 422
        assert api.get("/api/v1/lienthong/search", params={"ma_tthc": "_"}).json()["items"] == []
        everything = api.get("/api/v1/lienthong/search", params={"tu_ngay": "1900-01-01"})
        assert len(everything.json()["items"]) == 6
    for args in (["--from", "0001-01-01"], ["--from", "2026-02-01", "--to", "2026-01-01"],
                 ["--to", "nope"]):  # fmt: skip
        result = CliRunner().invoke(
            cli, ["lienthong", "search", *args], env={"TTHC_HUB_DATABASE_URL": db}
        )
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output


def test_a_change_after_the_first_pull_reaches_the_search(pulled, mock, serve_app) -> None:  # type: ignore[no-untyped-def]
    """The ministry processes a dossier after it was pulled: the next pull's change feed
    brings the new status and the result file ("File kết quả") to the search and API."""
    hub, _db, _section = pulled
    _server, admin = mock
    target = next(d for d in search(hub, Filters()) if d.ket_qua is None)
    assert target.trang_thai != mapping.STATUS_FROM_LT[4]
    admin.post(f"/_mock/process/{target.ma_ho_so}", json={"trangThai": 4}).raise_for_status()
    outcome = asyncio.run(pull(hub))
    assert outcome.error is None and outcome.new == 0
    (now,) = search(hub, Filters(ma_ho_so=target.ma_ho_so))
    assert now.trang_thai == mapping.STATUS_FROM_LT[4]
    assert now.ket_qua is not None and [f.ma_thanh_phan for f in now.ket_qua.files] == ["KQ"]
    assert hub.store.get_dossier(target.ma_ho_so)["trang_thai"] == int(now.trang_thai)
    # An unchanged feed brings nothing again; the status filter sees the new status.
    assert asyncio.run(pull(hub)).pulled == 0
    assert target.ma_ho_so in [
        d.ma_ho_so for d in search(hub, Filters(trang_thai=int(now.trang_thai)))
    ]
    server = serve_app(create_api(hub))
    with httpx.Client(base_url=server.url, timeout=10) as api:
        row = api.get(f"/api/v1/lienthong/{target.ma_ho_so}").json()
        assert row["trang_thai"] == int(now.trang_thai)
        (result_file,) = row["file_ket_qua"]
        pdf = api.get(f"/api/v1/lienthong/{target.ma_ho_so}/files/{result_file['n']}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_pulled_dossiers_are_kept_for_look_up_not_as_new(pulled) -> None:  # type: ignore[no-untyped-def]
    hub, _db, _section = pulled
    assert hub.store.list_inbox(state="new", connector="lienthong") == []
    assert len(hub.store.list_inbox(state="lookup", connector="lienthong")) == 6


def test_search_includes_dossiers_filed_at_the_province(tmp_path, mock) -> None:  # type: ignore[no-untyped-def]
    """Cách 1: an interlinked dossier filed at the province, sent to liên thông by the
    hub, is found by the same search as the pulled ones."""
    from hub.models import EventType
    from hub.settings import RouteRule, WorkerSettings
    from hub.testing.samples import sample_dossier, sample_event

    server, admin = mock
    hub = Hub(
        HubSettings(
            database_url=f"sqlite:///{tmp_path / 'c1.db'}",
            worker=WorkerSettings(poll_seconds=0.02),
            routes=[RouteRule(connector="lienthong", ma_tthc=["2.000986"])],
            connectors={
                "lienthong": {"base_url": server.url, "user_name": "tinh", "password": PASSWORD}
            },
        )
    )
    dossier = sample_dossier(7, seq=4242).model_copy(update={"ma_tthc": "2.000986"})
    hub.store.ingest([sample_event(dossier, EventType.RECEIVED, seq=1)], hub.router.targets)

    async def scenario() -> None:
        await hub.worker.run_until_idle(timeout=20)
        await hub.pull_once("lienthong")
        await hub.aclose()

    asyncio.run(scenario())
    assert admin.get(f"/_mock/records/{dossier.ma_ho_so}").json()["origin"] == "province"
    found = [d.ma_ho_so for d in search(hub, Filters(ma_tthc="2.000986"))]
    assert dossier.ma_ho_so in found
    assert [d.ma_ho_so for d in search(hub, Filters(ten=dossier.chu_ho_so.ho_ten))] == [
        dossier.ma_ho_so
    ]
    hub.engine.dispose()


def test_rows_an_older_hub_left_new_become_lookup_when_they_change(pulled, mock) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from hub.store.tables import inbox

    hub, _db, _section = pulled
    _server, admin = mock
    with hub.store.begin() as conn:
        conn.execute(update(inbox).values(state="new"))
    target = next(iter(search(hub, Filters())))
    admin.post(f"/_mock/process/{target.ma_ho_so}", json={"trangThai": 6, "ketQua": False})
    assert asyncio.run(pull(hub)).error is None
    states = {r["ma_ho_so"]: r["state"] for r in hub.store.list_inbox(state=None, limit=100)}
    assert states[target.ma_ho_so] == "lookup"
    assert list(states.values()).count("new") == 5  # the others have not changed yet


def test_concurrent_calls_share_one_login_and_one_more_after_expiry(mock) -> None:  # type: ignore[no-untyped-def]
    """Eight calls at once with no token, then eight more once the ministry ended it: one
    login each time, counted by the mock, and every call answered."""
    server, admin = mock
    connector = LienthongConnector(
        LienthongSettings(base_url=server.url, user_name="tinh", password=PASSWORD)
    )
    body = {"trang": 1, "soLuong": 5}

    async def wave() -> list[object]:
        calls = (connector.client.call("POST", "hoso/danhsach", dict(body)) for _ in range(8))
        return list(await asyncio.gather(*calls))

    async def scenario() -> list[object]:
        try:
            first = await wave()
            admin.post("/_mock/expire-tokens").raise_for_status()
            return first + await wave()
        finally:
            await connector.aclose()

    answers = asyncio.run(scenario())
    assert len(answers) == 16 and all(isinstance(a, dict) and "danhSach" in a for a in answers)
    assert admin.get("/_mock/logins").json() == {"logins": 2, "live_tokens": 1}
    assert connector.client.logins == 2


def test_a_token_refused_as_soon_as_issued_is_reported_not_retried_forever(serve_app) -> None:  # type: ignore[no-untyped-def]
    """Tokens that live no time at all (an account the system lets log in but refuses
    everywhere): one login, one more after the first 401, then a clear refusal."""
    server = serve_app(create_app(MockConfig(accept_key=PASSWORD), token_ttl=0.0))
    connector = LienthongConnector(
        LienthongSettings(base_url=server.url, user_name="tinh", password=PASSWORD)
    )

    async def scenario() -> None:
        try:
            await connector.client.call("POST", "hoso/danhsach", {"trang": 1, "soLuong": 5})
        finally:
            await connector.aclose()

    with pytest.raises(RejectedError, match="refused a fresh token"):
        asyncio.run(scenario())
    assert connector.client.logins == 2
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        assert admin.get("/_mock/logins").json()["logins"] == 2
