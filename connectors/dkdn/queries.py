"""The look-ups of dkdn (user guide §V, "Tra cứu thông tin Đăng ký doanh nghiệp"):
parameters, result rows and the mapping from the gateway's answers. Pure: no I/O.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import Field

from hub.sdk import (
    ContractError,
    DateRangeParams,
    LookupParams,
    LookupRow,
    MaSoDoanhNghiep,
    MaSoThue,
    Query,
    message,
    vietnam_today,
)

__all__ = ["QUERIES", "chu_the_row", "ho_so_row"]

SYSTEM = "dkdn"


class MsdnParams(LookupParams):
    msdn: MaSoDoanhNghiep = Field(title="Mã số doanh nghiệp")


class MstParams(LookupParams):
    mst: MaSoThue = Field(title="Mã số thuế")


class TiepNhanParams(DateRangeParams):
    max_span_days: ClassVar[int] = 31


class TrongNgayParams(LookupParams):
    ngay: date = Field(default_factory=vietnam_today, title="Ngày", description="YYYY-MM-DD; today")


class ChuTheRow(LookupRow):
    """A business, household business or cooperative, with its registered address."""

    ma_so: str = Field(title="Mã số")
    ten: str = Field(title="Tên")
    loai_hinh: str | None = Field(default=None, title="Loại hình")
    ngay_cap: date | None = Field(default=None, title="Ngày đăng ký lần đầu")
    tinh_trang: str | None = Field(default=None, title="Tình trạng")
    dai_dien: str | None = Field(default=None, title="Người đại diện / chủ hộ")
    von: int | None = Field(default=None, title="Vốn (đồng)")
    nganh_nghe: str | None = Field(default=None, title="Ngành nghề chính")
    dia_chi: str | None = Field(default=None, title="Địa chỉ")
    xa: str | None = Field(default=None, title="Xã/phường")
    tinh: str | None = Field(default=None, title="Tỉnh/thành phố")
    ma_xa: str | None = Field(default=None, title="Mã xã")
    ma_tinh: str | None = Field(default=None, title="Mã tỉnh")


class HoSoRow(LookupRow):
    so_ho_so: str = Field(title="Số hồ sơ")
    ma_so: str | None = Field(default=None, title="Mã số doanh nghiệp")
    ten: str | None = Field(default=None, title="Tên doanh nghiệp")
    loai_thu_tuc: str | None = Field(default=None, title="Loại thủ tục")
    ngay_tiep_nhan: date | None = Field(default=None, title="Ngày tiếp nhận")
    ngay_hen_tra: date | None = Field(default=None, title="Ngày hẹn trả")
    trang_thai: str | None = Field(default=None, title="Trạng thái")
    ket_qua: str | None = Field(default=None, title="Kết quả")


QUERIES = (
    Query(
        "chi_tiet_doanh_nghiep",
        "Thông tin chi tiết doanh nghiệp",
        "Enterprise details",
        params=MsdnParams,
        result=ChuTheRow,
        cache_seconds=3600,
    ),
    Query(
        "chi_tiet_ho_kinh_doanh",
        "Thông tin chi tiết hộ kinh doanh",
        "Household business details",
        params=MstParams,
        result=ChuTheRow,
        cache_seconds=3600,
    ),
    Query(
        "chi_tiet_hop_tac_xa",
        "Thông tin chi tiết hợp tác xã",
        "Cooperative details",
        params=MstParams,
        result=ChuTheRow,
        cache_seconds=3600,
    ),
    Query(
        "ho_so_tiep_nhan",
        "Danh sách hồ sơ tiếp nhận trong khoảng thời gian",
        "Dossiers received in a period",
        params=TiepNhanParams,
        result=HoSoRow,
        paged=True,
        cache_seconds=300,
    ),
    Query(
        "ho_so_xu_ly_trong_ngay",
        "Danh sách hồ sơ xử lý trong ngày",
        "Dossiers processed on a day",
        params=TrongNgayParams,
        result=HoSoRow,
        paged=True,
        cache_seconds=120,
    ),
)

#: query -> (gateway path, its parameter name).
DETAIL_PATHS = {
    "chi_tiet_doanh_nghiep": ("DoanhNghiep/chiTietDoanhNghiep", "msdn"),
    "chi_tiet_ho_kinh_doanh": ("HoKinhDoanh/chiTietHoKinhDoanh", "mst"),
    "chi_tiet_hop_tac_xa": ("HopTacXa/chiTietHopTacXa", "mst"),
}


def _day(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value)[:10], "%d/%m/%Y").date()
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field=field, expected="dd/MM/yyyy"),
            system=SYSTEM,
        ) from None


def chu_the_row(data: Any) -> ChuTheRow:
    if not isinstance(data, dict) or not data.get("maSo") or not data.get("ten"):
        raise ContractError(
            message("contract.missing", operation=SYSTEM, field="maSo/ten"), system=SYSTEM
        )
    address = data.get("diaChiTruSo") or {}
    return ChuTheRow(
        ma_so=str(data["maSo"]),
        ten=str(data["ten"]),
        loai_hinh=data.get("loaiHinh"),
        ngay_cap=_day(data.get("ngayCapLanDau"), "ngayCapLanDau"),
        tinh_trang=data.get("tinhTrang"),
        dai_dien=data.get("nguoiDaiDien"),
        von=data.get("von"),
        nganh_nghe=data.get("nganhNgheChinh"),
        dia_chi=address.get("diaChiChiTiet"),
        xa=address.get("tenXa"),
        tinh=address.get("tenTinh"),
        ma_xa=address.get("maXa"),
        ma_tinh=address.get("maTinh"),
    )


def ho_so_row(item: Any) -> HoSoRow:
    if not isinstance(item, dict) or not item.get("soHoSo"):
        raise ContractError(
            message("contract.missing", operation=SYSTEM, field="soHoSo"), system=SYSTEM
        )
    return HoSoRow(
        so_ho_so=str(item["soHoSo"]),
        ma_so=item.get("maSo"),
        ten=item.get("ten"),
        loai_thu_tuc=item.get("loaiThuTuc"),
        ngay_tiep_nhan=_day(item.get("ngayTiepNhan"), "ngayTiepNhan"),
        ngay_hen_tra=_day(item.get("ngayHenTra"), "ngayHenTra"),
        trang_thai=item.get("trangThai"),
        ket_qua=item.get("ketQua"),
    )
