"""The look-ups of ngansach (user guide §VI, "Tra cứu thông tin mã số ngân sách"):
parameters, result rows and the mapping from the SOAP answers. Pure: no I/O.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

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

__all__ = ["KINDS", "QUERIES", "ho_so_row", "thong_ke_rows"]

SYSTEM = "ngansach"
KINDS = {
    "1": "Đơn vị dự toán",
    "2": "Đơn vị sử dụng ngân sách",
    "3": "Dự án đầu tư",
    "4": "Đơn vị khác có quan hệ với ngân sách",
}


class NgayParams(LookupParams):
    ngay: date = Field(title="Ngày", description="YYYY-MM-DD")


class MaHoSoParams(LookupParams):
    ma_ho_so: MaHoSo = Field(title="Mã hồ sơ")


class KyParams(DateRangeParams):
    max_span_days: ClassVar[int] = 366


class HoSoRow(LookupRow):
    ma_ho_so: str = Field(title="Mã hồ sơ")
    ten_don_vi: str = Field(title="Tên đơn vị")
    loai_hinh: str | None = Field(default=None, title="Loại hình")
    ma_so: str | None = Field(default=None, title="Mã số ĐVQHNS")
    ngay_nop: date | None = Field(default=None, title="Ngày nộp")
    ngay_cap_ma: date | None = Field(default=None, title="Ngày cấp mã")
    trang_thai: str | None = Field(default=None, title="Trạng thái")
    co_quan_chu_quan: str | None = Field(default=None, title="Cơ quan chủ quản")


class HoSoChiTietRow(HoSoRow):
    mau_ke_khai: str | None = Field(default=None, title="Mẫu kê khai")
    dia_chi: str | None = Field(default=None, title="Địa chỉ")
    ma_tinh: str | None = Field(default=None, title="Mã tỉnh")
    ma_xa: str | None = Field(default=None, title="Mã xã")
    qua_trinh: list[str] = Field(default_factory=list, title="Quá trình xử lý")


class ThongKeRow(LookupRow):
    loai_hinh: str = Field(title="Loại hình")
    tiep_nhan: int = Field(title="Tiếp nhận")
    da_cap_ma: int = Field(title="Đã cấp mã")
    tu_choi: int = Field(title="Từ chối")
    dang_xu_ly: int = Field(title="Đang xử lý")


QUERIES = (
    Query("ho_so_theo_ngay", "Danh sách hồ sơ theo ngày", "Dossiers filed on a day",
          params=NgayParams, result=HoSoRow, paged=True, cache_seconds=300),
    Query("chi_tiet_ho_so", "Thông tin chi tiết hồ sơ", "Dossier details",
          params=MaHoSoParams, result=HoSoChiTietRow, cache_seconds=300),
    Query("thong_ke_theo_ky", "Thống kê hồ sơ theo kỳ", "Dossiers per kind over a period",
          params=KyParams, result=ThongKeRow, statistics=True, cache_seconds=900),
)  # fmt: skip


def _status(code: Any) -> str | None:
    if code in (None, ""):
        return None
    try:
        return Status(int(code)).label_vi
    except ValueError:
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field="TrangThai"), system=SYSTEM
        ) from None


def _kind(code: Any) -> str:
    try:
        return KINDS[str(code)]
    except KeyError:
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field="LoaiHinh"), system=SYSTEM
        ) from None


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value not in (None, "") else None


def ho_so_row(item: Any, steps: list[Any] | None = None) -> HoSoRow:
    """A dossier row; with ``steps`` (ChiTietHoSo) the detailed one."""
    if not isinstance(item, dict) or not item.get("MaHoSo") or not item.get("TenDonVi"):
        raise ContractError(
            message("contract.missing", operation="HoSo", field="MaHoSo/TenDonVi"), system=SYSTEM
        )
    fields: dict[str, Any] = {
        "ma_ho_so": item["MaHoSo"],
        "ten_don_vi": item["TenDonVi"],
        "loai_hinh": _kind(item.get("LoaiHinh")),
        "ma_so": item.get("MaSoDVQHNS"),
        "ngay_nop": _day(item.get("NgayNop")),
        "ngay_cap_ma": _day(item.get("NgayCapMa")),
        "trang_thai": _status(item.get("TrangThai")),
        "co_quan_chu_quan": item.get("CoQuanChuQuan"),
    }
    if steps is None:
        return HoSoRow(**fields)
    address = item.get("DiaChi") or {}
    return HoSoChiTietRow(
        **fields,
        mau_ke_khai=item.get("MauKeKhai"),
        dia_chi=address.get("DiaChiChiTiet"),
        ma_tinh=address.get("MaTinh"),
        ma_xa=address.get("MaXa"),
        qua_trinh=[
            f"{s.get('BatDau', '')} {s.get('TenBuoc', '')}: {_status(s.get('TrangThai'))}"
            for s in steps
        ],
    )


COUNTS = {"tiep_nhan": "TiepNhan", "da_cap_ma": "DaCapMa", "tu_choi": "TuChoi",
          "dang_xu_ly": "DangXuLy"}  # fmt: skip


def thong_ke_rows(items: list[Any]) -> tuple[list[ThongKeRow], dict[str, Any]]:
    rows = []
    for item in items:
        try:
            counts = {k: int(item[w]) for k, w in COUNTS.items()}
        except (KeyError, TypeError, ValueError):
            raise ContractError(
                message("contract.missing", operation="DongThongKe", field="SoLuong"),
                system=SYSTEM,
            ) from None
        rows.append(ThongKeRow(loai_hinh=_kind(item.get("LoaiHinh")), **counts))
    totals: dict[str, Any] = {"loai_hinh": "Tổng cộng"}
    totals.update({k: sum(getattr(r, k) for r in rows) for k in COUNTS})
    return rows, totals
