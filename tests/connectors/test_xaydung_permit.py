"""The permit record: validated before sending, its file checked at the mock; the
construction catalog and its deadlines; the two-tier unit codes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.xaydung.connector import CapPhepConnector
from connectors.xaydung.permit import PROVINCES_2025
from connectors.xaydung.samples import construction_lifecycle
from connectors.xaydung.settings import CapPhepSettings
from hub.calendar import deadline_plan
from hub.catalog import load_catalog
from hub.errors import MappingError
from hub.models import DossierEvent, EventType
from hub.testing.mock.admin import MockConfig
from hub.testing.samples import VN_TZ
from mocks.xaydung.app import create_app

KEY = "k"


@pytest.fixture
def capphep(serve_app: Any) -> Iterator[tuple[str, httpx.Client]]:
    server = serve_app(create_app(MockConfig(accept_key=KEY), system="capphep"))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server.url, admin


def permit_event(seed: int = 1) -> DossierEvent:
    return next(e for e in construction_lifecycle(seed) if e.type is EventType.PERMIT_RECORDED)


def with_permit(event: DossierEvent, **changes: Any) -> DossierEvent:
    permit = dict(event.snapshot.extra["giay_phep"])
    for key, value in changes.items():
        if value is None:
            permit.pop(key, None)
        else:
            permit[key] = value
    snapshot = event.snapshot.model_copy(update={"extra": {"giay_phep": permit}})
    return event.model_copy(update={"snapshot": snapshot})


def push(url: str, *events: DossierEvent) -> list[Any]:
    async def main() -> list[Any]:
        connector = CapPhepConnector(
            CapPhepSettings(base_url=url, api_key=KEY, ma_don_vi="000.00.00.H34")
        )
        out: list[Any] = []
        try:
            for event in events:
                try:
                    out.append(await connector.push(event, event.snapshot))
                except Exception as exc:  # the test looks at which error
                    out.append(exc)
        finally:
            await connector.aclose()
        return out

    return asyncio.run(main())


_OTHER = base64.b64encode(b"%PDF-1.4 another file").decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"so_giay_phep": None}, "extra.giay_phep.so_giay_phep"),  # missing
        ({"ngay_cap": "08/10/2025"}, "extra.giay_phep.ngay_cap"),  # not an ISO date
        ({"so_tang": 0}, "extra.giay_phep.so_tang"),  # below one floor
        ({"chieu_cao": None}, "extra.giay_phep.chieu_cao"),  # missing
        ({"loai_cong_trinh": "nha_o"}, "extra.giay_phep.loai_cong_trinh"),  # not a type
        ({"cap_cong_trinh": "V"}, "extra.giay_phep.cap_cong_trinh"),  # no grade V
        # three-tier: a district code where the commune goes
        ({"dia_diem": {"ma_tinh": "51", "ma_xa": "608", "chi_tiet": "x"}},
         "extra.giay_phep.dia_diem.ma_xa"),
        # Kon Tum's old province code (62): merged into Quảng Ngãi (51) on 1 July 2025
        ({"dia_diem": {"ma_tinh": "62", "ma_xa": "23293", "chi_tiet": "x"}},
         "extra.giay_phep.dia_diem"),
        # the deadline to start building before the permit's own date
        ({"thoi_han_khoi_cong": "2000-01-01"}, "extra.giay_phep"),
        # a file whose declared hash is not that of its bytes
        ({"tep": {"ten_tep": "gp.pdf", "sha256": "0" * 64, "noi_dung": _OTHER}},
         "extra.giay_phep.tep"),
        ({"tep": None}, "extra.giay_phep.tep"),  # no file
    ],
    ids=[
        "no_so_giay_phep", "bad_ngay_cap", "zero_floors", "no_chieu_cao", "unknown_loai",
        "unknown_cap", "district_code", "old_province", "start_before_issue", "hash_mismatch",
        "no_file",
    ],
)  # fmt: skip
def test_a_bad_permit_is_refused_before_anything_is_sent(
    capphep: tuple[str, httpx.Client], changes: dict[str, Any], field: str
) -> None:
    url, admin = capphep
    (error,) = push(url, with_permit(permit_event(), **changes))
    assert isinstance(error, MappingError), error
    assert error.field == field and field in str(error)
    assert admin.get("/_mock/stats").json()["requests"] == 0  # nothing sent at all


def test_a_second_sync_updates_the_permit_in_place(capphep: tuple[str, httpx.Client]) -> None:
    url, admin = capphep
    event = permit_event(2)
    again = event.model_copy(update={"id": f"{event.id}-2"})
    twice = push(url, event, event, again)  # the same event re-sent, then recorded again
    assert not [r for r in twice if isinstance(r, Exception)], twice
    record = admin.get(f"/_mock/records/{event.ma_ho_so}").json()
    assert record["permit"]["PhienBan"] == 2  # created, then updated once: one permit
    written = [w["operation"] for w in admin.get("/_mock/received").json()]
    assert written == ["DongBoHoSo", "DongBoGiayPhep", "DongBoHoSo", "DongBoGiayPhep"]
    assert admin.get("/_mock/stats").json()["duplicates"] == 2  # the re-sent event


def test_the_mock_refuses_a_file_that_does_not_match_its_hash(
    capphep: tuple[str, httpx.Client],
) -> None:
    url, admin = capphep
    event = permit_event(3)
    push(url, event.model_copy(update={"type": EventType.RECEIVED}))
    data = {
        "MaDonVi": "000.00.00.H34", "MaHoSo": event.ma_ho_so, "MaTTHC": "1.009999",
        "CapNhat": False, "SoGiayPhep": "1/GPXD", "NgayCap": "2025-10-01",
        "CoQuanCap": "UBND", "LoaiCongTrinh": "1", "CapCongTrinh": "III",
        "DiaDiemXayDung": {"MaTinh": "51", "MaXa": "23293", "DiaChiChiTiet": "Tổ 3"},
        "DienTichXayDung": 100, "TongDienTichSan": 300, "ChieuCao": 12, "SoTang": 3,
        "ChuDauTu": {"HoTen": "Công ty A"}, "ThoiHanKhoiCong": "2026-10-01",
        "TepGiayPhep": {"TenTep": "gp.pdf", "Sha256": hashlib.sha256(b"x").hexdigest(),
                        "KichThuoc": 1},
    }  # fmt: skip
    files = {"data": (None, json.dumps(data), "application/json"),
             "file": ("gp.pdf", b"y", "application/pdf")}  # fmt: skip
    answer = admin.post("/api/DongBoGiayPhep", files=files, headers={"ApiKey": KEY}).json()
    assert answer["error_code"] == "5"
    del files["file"]
    answer = admin.post("/api/DongBoGiayPhep", files=files, headers={"ApiKey": KEY}).json()
    assert answer["error_code"] == "2" and "file" in answer["message"]
    record = admin.get(f"/_mock/records/{event.ma_ho_so}").json()
    assert record["permit"] is None


def test_the_construction_procedures_are_in_the_catalog_with_their_deadlines() -> None:
    catalog = load_catalog()
    received = datetime(2025, 10, 6, 9, 0, tzinfo=VN_TZ)  # a Monday
    expected = {"1.009999": 15, "1.009994": 20, "1.008432": 15}
    for code, days in expected.items():
        procedure = catalog.get(code)
        assert procedure is not None and procedure.thoi_han_ngay_lam_viec == days
        plan = deadline_plan(procedure, received)
        # N working days, weekends skipped (no holiday in October 2025).
        assert plan.ngay_hen_tra.date() == _working_days_after(received, days)
    assert len(catalog.search(sector="Xây dựng")) == 3


def _working_days_after(start: datetime, n: int) -> date:
    day = start.date()
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def test_the_province_table_is_the_current_one() -> None:
    vp = pytest.importorskip("vietnam_provinces", reason="a test extra: pip install -e '.[test]'")
    codes = {f"{int(p.code):02d}" for p in vp.Province.iter_all()}
    assert codes == PROVINCES_2025
    for seed in range(1, 6):
        permit = permit_event(seed).snapshot.extra["giay_phep"]
        ward = vp.Ward.from_code(vp.WardCode(int(permit["dia_diem"]["ma_xa"])))
        assert f"{int(ward.province_code):02d}" == permit["dia_diem"]["ma_tinh"]
