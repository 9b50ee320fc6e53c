"""Canonical dossier <-> Bộ Xây dựng records: pure, table-driven functions.

No I/O. The field names follow the contracts (``contract/capphep.yaml``,
``contract/quyhoach.yaml``; both designed, see contract/README.md). A dossier lacking
what the ministry requires raises :class:`MappingError` naming the canonical field; a
record that cannot be read raises :class:`ContractError` naming the ministry's field.
Messages never carry values (they may be personal data).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from hub.sdk import (
    ContractError,
    Dossier,
    MappingError,
    ProcessStep,
    RemoteRecord,
    Result,
    Status,
    message,
)

from .messages import APPLICANT_ID
from .permit import GiayPhep

#: Vietnam has no daylight saving: a fixed offset avoids depending on tzdata.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
DATE_FMT = "%Y-%m-%d"
STAMP_FMT = "%Y%m%d%H%M%S"

#: The national portal's TrangThaiHoSo codes: the ministry monitors the province's process.
STATUS_TO_REMOTE: dict[Status, str] = {status: str(int(status)) for status in Status}
STATUS_FROM_REMOTE: dict[str, Status] = {code: s for s, code in STATUS_TO_REMOTE.items()}
#: LoaiCongTrinh on the wire (contract: 1..6).
LOAI_CONG_TRINH = {
    "dan_dung": "1",
    "cong_nghiep": "2",
    "ha_tang_ky_thuat": "3",
    "giao_thong": "4",
    "nong_nghiep": "5",
    "quoc_phong": "6",
}


def format_date(value: date) -> str:
    return value.strftime(DATE_FMT)


def format_stamp(value: datetime) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time; a naive datetime is taken as Vietnam time."""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(STAMP_FMT)


def parse_stamp(value: Any, field: str, system: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), STAMP_FMT).replace(tzinfo=VN_TZ)
    except ValueError:
        raise ContractError(
            message("contract.format", system=system, field=field, expected="yyyyMMddHHmmss"),
            system=system,
        ) from None


def parse_day(value: Any, field: str, system: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), DATE_FMT).date()
    except ValueError:
        raise ContractError(
            message("contract.format", system=system, field=field, expected="yyyy-MM-dd"),
            system=system,
        ) from None


def status_from_remote(code: Any, system: str) -> Status | None:
    """The canonical status of the ministry's code; None when it sent none."""
    if code in (None, ""):
        return None
    try:
        return STATUS_FROM_REMOTE[str(code)]
    except KeyError:
        raise ContractError(
            message("contract.unknown_value", system=system, field="TrangThai"), system=system
        ) from None


# --- to the ministry ---------------------------------------------------------------


def to_ho_so(dossier: Dossier, system: str, ma_don_vi: str) -> dict[str, Any]:
    """The DongBoHoSo request: the dossier's state, every process step, the result."""
    party = dossier.chu_ho_so
    if not party.so_giay_to:
        raise MappingError(
            APPLICANT_ID(system=system),
            field="chu_ho_so.so_giay_to",
            system=system,
        )
    body: dict[str, Any] = {
        "MaDonVi": ma_don_vi,
        "MaHoSo": dossier.ma_ho_so,
        "MaTTHC": dossier.ma_tthc_quoc_gia,
        "TrangThai": STATUS_TO_REMOTE[dossier.trang_thai],
        "NgayNop": format_stamp(dossier.ngay_nop),
        "ChuHoSo": {
            "HoTen": party.ho_ten,
            "SoGiayTo": party.so_giay_to,
            "LoaiDoiTuong": str(party.loai_doi_tuong),
        },
        "QuaTrinhXuLy": [to_buoc(step) for step in dossier.qua_trinh],
    }
    if dossier.ten_tthc:
        body["TenTTHC"] = dossier.ten_tthc
    for key, value in (
        ("NgayTiepNhan", dossier.ngay_tiep_nhan),
        ("NgayHenTra", dossier.ngay_hen_tra),
        ("NgayTra", dossier.ngay_tra),
    ):
        if value is not None:
            body[key] = format_stamp(value)
    if dossier.ket_qua is not None:
        body["KetQua"] = to_ket_qua(dossier.ket_qua)
    return body


def to_buoc(step: ProcessStep) -> dict[str, Any]:
    """One process step: step, office, start, deadline, content, status (the official's
    name stays at the province)."""
    buoc: dict[str, Any] = {
        "TenBuoc": step.buoc,
        "TrangThai": STATUS_TO_REMOTE[step.trang_thai],
        "NgayBatDau": format_stamp(step.bat_dau),
    }
    if step.phong_ban:
        buoc["PhongBanXuLy"] = step.phong_ban
    if step.han_xu_ly is not None:
        buoc["NgayKetThucTheoQuyDinh"] = format_stamp(step.han_xu_ly)
    if step.ket_thuc is not None:
        buoc["NgayKetThuc"] = format_stamp(step.ket_thuc)
    if step.noi_dung:
        buoc["NoiDungXuLy"] = step.noi_dung
    return buoc


def to_ket_qua(result: Result) -> dict[str, Any]:
    """The result document: its number, date, issuer and the hashes of its files."""
    out: dict[str, Any] = {}
    for key, value in (
        ("SoKetQua", result.so),
        ("CoQuanCap", result.co_quan_cap),
        ("TrichYeu", result.trich_yeu),
    ):
        if value:
            out[key] = value
    if result.ngay_ky is not None:
        out["NgayKy"] = format_date(result.ngay_ky)
    out["TepKetQua"] = [
        {"TenTep": f.ten_tep or f.ten_thanh_phan, "Sha256": f.sha256, "DuongDan": f.file_ref}
        for f in result.files
    ]
    return out


def to_giay_phep(
    dossier: Dossier, permit: GiayPhep, content: bytes, ma_don_vi: str
) -> dict[str, Any]:
    """The ``data`` part of DongBoGiayPhep; the file goes in the ``file`` part."""
    place = permit.dia_diem
    owner: dict[str, Any] = {"HoTen": permit.chu_dau_tu.ho_ten}
    if permit.chu_dau_tu.so_giay_to:
        owner["SoGiayTo"] = permit.chu_dau_tu.so_giay_to
    return {
        "MaDonVi": ma_don_vi,
        "MaHoSo": dossier.ma_ho_so,
        "MaTTHC": dossier.ma_tthc_quoc_gia,
        "CapNhat": False,
        "SoGiayPhep": permit.so_giay_phep,
        "NgayCap": format_date(permit.ngay_cap),
        "CoQuanCap": permit.co_quan_cap,
        "LoaiCongTrinh": LOAI_CONG_TRINH[permit.loai_cong_trinh.value],
        "CapCongTrinh": permit.cap_cong_trinh.value,
        "DiaDiemXayDung": {
            "MaTinh": place.ma_tinh,
            "MaXa": place.ma_xa,
            "DiaChiChiTiet": place.chi_tiet,
        },
        "DienTichXayDung": permit.dien_tich_xay_dung,
        "TongDienTichSan": permit.tong_dien_tich_san,
        "ChieuCao": permit.chieu_cao,
        "SoTang": permit.so_tang,
        "ChuDauTu": owner,
        "ThoiHanKhoiCong": format_date(permit.thoi_han_khoi_cong),
        "TepGiayPhep": {
            "TenTep": permit.tep.ten_tep,
            "Sha256": permit.tep.sha256,
            "KichThuoc": len(content),
        },
    }


# --- from the ministry -----------------------------------------------------------------


def from_buoc(item: dict[str, Any], system: str) -> ProcessStep:
    """One step of the ministry's process history (QuaTrinhXuLy)."""
    status = status_from_remote(item.get("TrangThai"), system)
    started = parse_stamp(item.get("NgayBatDau"), "QuaTrinhXuLy.NgayBatDau", system)
    if status is None or started is None or not item.get("TenBuoc"):
        raise ContractError(
            message(
                "contract.missing",
                operation="QuaTrinhXuLy",
                field="TenBuoc/TrangThai/NgayBatDau",
            ),
            system=system,
        )
    return ProcessStep(
        buoc=str(item["TenBuoc"]),
        trang_thai=status,
        phong_ban=item.get("PhongBanXuLy") or None,
        noi_dung=item.get("NoiDungXuLy") or None,
        bat_dau=started,
        han_xu_ly=parse_stamp(
            item.get("NgayKetThucTheoQuyDinh"), "QuaTrinhXuLy.NgayKetThucTheoQuyDinh", system
        ),
        ket_thuc=parse_stamp(item.get("NgayKetThuc"), "QuaTrinhXuLy.NgayKetThuc", system),
    )


def from_result(
    record: dict[str, Any], permit: dict[str, Any] | None, system: str
) -> Result | None:
    """The result the ministry holds: the permit when there is one, else KetQua."""
    if permit:
        return Result(
            so=permit.get("SoGiayPhep") or None,
            ngay_ky=parse_day(permit.get("NgayCap"), "GiayPhep.NgayCap", system),
            loai_giay_to="Giấy phép xây dựng",
            co_quan_cap=permit.get("CoQuanCap") or None,
        )
    ket_qua = record.get("KetQua")
    if not ket_qua:
        return None
    return Result(
        so=ket_qua.get("SoKetQua") or None,
        ngay_ky=parse_day(ket_qua.get("NgayKy"), "KetQua.NgayKy", system),
        co_quan_cap=ket_qua.get("CoQuanCap") or None,
        trich_yeu=ket_qua.get("TrichYeu") or None,
    )


def from_dong(row: dict[str, Any], system: str) -> RemoteRecord:
    """One line of DanhSachHoSo, enough to reconcile against the mirror."""
    if not row.get("MaHoSo"):
        raise ContractError(
            message("contract.missing", operation="DanhSachHoSo", field="MaHoSo"), system=system
        )
    return RemoteRecord(
        ma_ho_so=str(row["MaHoSo"]),
        ma_tthc=row.get("MaTTHC") or None,
        trang_thai=status_from_remote(row.get("TrangThai"), system),
        updated_at=parse_stamp(row.get("NgayCapNhat"), "NgayCapNhat", system),
        result_number=row.get("SoKetQua") or None,
        result_sha256=row.get("Sha256KetQua") or None,
    )
