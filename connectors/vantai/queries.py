"""The look-ups of vantai (user guide §VII, "Tra cứu thông tin Đăng ký vận tải"):
their parameters, result rows and the mapping from the ministry's answers. Pure: no I/O.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from hub.sdk import (
    ContractError,
    DateRangeParams,
    LookupParams,
    LookupRow,
    MaHoSo,
    Query,
    Status,
    message,
)

__all__ = ["QUERIES", "ho_so_row", "status_name", "tai_lieu_row", "thong_ke_rows"]

SYSTEM = "vantai"


class DanhSachParams(DateRangeParams):
    don_vi_xu_ly: str = Field(
        min_length=1, max_length=50, title="Đơn vị xử lý", description="the office's code"
    )


class MaHoSoParams(LookupParams):
    ma_ho_so: MaHoSo = Field(title="Mã hồ sơ")


class ThongKeParams(LookupParams):
    nam: int = Field(ge=2000, le=2100, title="Năm")
    don_vi_xu_ly: str | None = Field(
        default=None, min_length=1, max_length=50, title="Đơn vị xử lý"
    )


class HoSoRow(LookupRow):
    ma_ho_so: str = Field(title="Mã hồ sơ")
    ma_tthc: str | None = Field(default=None, title="Mã TTHC")
    ten_tthc: str | None = Field(default=None, title="Thủ tục")
    chu_ho_so: str | None = Field(default=None, title="Chủ hồ sơ")
    ngay_nhan: date | None = Field(default=None, title="Ngày nhận")
    ngay_hen_tra: date | None = Field(default=None, title="Ngày hẹn trả")
    trang_thai: str | None = Field(default=None, title="Trạng thái")
    don_vi_xu_ly: str | None = Field(default=None, title="Đơn vị xử lý")


class HoSoChiTietRow(HoSoRow):
    qua_trinh: list[str] = Field(default_factory=list, title="Quá trình xử lý")


class TaiLieuRow(LookupRow):
    ten_tai_lieu: str = Field(title="Tên tài liệu")
    ma_thanh_phan: str | None = Field(default=None, title="Mã thành phần")
    ten_tep: str | None = Field(default=None, title="Tên tệp")
    dung_luong: int | None = Field(default=None, title="Dung lượng (byte)")
    duong_dan: str | None = Field(default=None, title="Đường dẫn")


class ThongKeRow(LookupRow):
    thang: int = Field(title="Tháng")
    tiep_nhan: int = Field(title="Tiếp nhận")
    da_giai_quyet: int = Field(title="Đã giải quyết")
    dang_giai_quyet: int = Field(title="Đang giải quyết")
    tre_han: int = Field(title="Trễ hạn")


QUERIES = (
    Query(
        "danh_sach_ho_so",
        "Lấy danh sách hồ sơ",
        "Dossiers an office received",
        params=DanhSachParams,
        result=HoSoRow,
        paged=True,
        cache_seconds=120,
    ),
    Query(
        "tra_cuu_ho_so",
        "Tra cứu hồ sơ",
        "Look a dossier up",
        params=MaHoSoParams,
        result=HoSoChiTietRow,
        cache_seconds=60,
    ),
    Query(
        "tai_lieu_ho_so",
        "Tài liệu hồ sơ",
        "The documents of a dossier",
        params=MaHoSoParams,
        result=TaiLieuRow,
        cache_seconds=300,
    ),
    Query(
        "thong_ke_theo_thang",
        "Thống kê hồ sơ theo tháng",
        "Dossiers per month",
        params=ThongKeParams,
        result=ThongKeRow,
        statistics=True,
        cache_seconds=900,
    ),
)


def status_name(code: Any) -> str | None:
    """The Vietnamese name of a TrangThaiHoSo code."""
    if code in (None, ""):
        return None
    try:
        return Status(int(code)).label_vi
    except ValueError:
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field="trangThai"), system=SYSTEM
        ) from None


def _day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value)[:10], "%Y-%m-%d").date()
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field=field, expected="yyyy-MM-dd"),
            system=SYSTEM,
        ) from None


def ho_so_row(item: dict[str, Any], *, detail: bool = False) -> HoSoRow:
    if not isinstance(item, dict) or not item.get("mahoso"):
        raise ContractError(
            message("contract.missing", operation=SYSTEM, field="mahoso"), system=SYSTEM
        )
    fields: dict[str, Any] = {
        "ma_ho_so": str(item["mahoso"]),
        "ma_tthc": item.get("maTTHC"),
        "ten_tthc": item.get("tenTTHC"),
        "chu_ho_so": item.get("chuHoSo"),
        "ngay_nhan": _day(item.get("ngayNhan"), "ngayNhan"),
        "ngay_hen_tra": _day(item.get("ngayHenTra"), "ngayHenTra"),
        "trang_thai": status_name(item.get("trangThai")),
        "don_vi_xu_ly": item.get("donViXuLy"),
    }
    if not detail:
        return HoSoRow(**fields)
    steps = [
        f"{s.get('thoiDiem', '')} {s.get('tenBuoc', '')}: {status_name(s.get('trangThai'))}"
        for s in item.get("quaTrinhXuLy") or []
    ]
    return HoSoChiTietRow(**fields, qua_trinh=steps)


def tai_lieu_row(item: dict[str, Any]) -> TaiLieuRow:
    if not isinstance(item, dict) or not item.get("tenTaiLieu"):
        raise ContractError(
            message("contract.missing", operation=SYSTEM, field="tenTaiLieu"), system=SYSTEM
        )
    return TaiLieuRow(
        ten_tai_lieu=str(item["tenTaiLieu"]),
        ma_thanh_phan=item.get("maThanhPhan"),
        ten_tep=item.get("tenTep"),
        dung_luong=item.get("dungLuong"),
        duong_dan=item.get("duongDan"),
    )


COUNTS = ("tiep_nhan", "da_giai_quyet", "dang_giai_quyet", "tre_han")
_WIRE = {
    "tiep_nhan": "tiepNhan",
    "da_giai_quyet": "daGiaiQuyet",
    "dang_giai_quyet": "dangGiaiQuyet",
    "tre_han": "treHan",
}


def thong_ke_rows(items: list[Any]) -> tuple[list[ThongKeRow], dict[str, Any]]:
    """The rows per month and the totals row."""
    rows = []
    for item in items:
        try:
            rows.append(
                ThongKeRow(thang=int(item["thang"]), **{k: int(item[w]) for k, w in _WIRE.items()})
            )
        except (KeyError, TypeError, ValueError):
            raise ContractError(
                message("contract.missing", operation=SYSTEM, field="thongKe"), system=SYSTEM
            ) from None
    totals: dict[str, Any] = {"thang": "Tổng cộng"}
    totals.update({k: sum(getattr(r, k) for r in rows) for k in COUNTS})
    return rows, totals
