"""Pure functions between the canonical model and MONRE's XSD types (``contract/monre.xsd``).

No I/O. Requests are dicts of the XSD element names that zeep serialises; answers
are the plain dicts the client makes of zeep's objects. What MONRE requires and
the dossier lacks raises :class:`MappingError` naming the field, never its value.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from hub.sdk import (
    Address,
    Attachment,
    Channel,
    ContractError,
    DeliveryMethod,
    Dossier,
    Origin,
    Party,
    ProcessStep,
    RemoteRecord,
    Result,
    ResultDelivery,
    Status,
    message,
    missing,
    national_ma_tthc,
)

__all__ = [
    "CHANNEL_TO_MONRE",
    "DELIVERY_TO_MONRE",
    "from_buoc_xu_ly",
    "from_dong",
    "from_ho_so_moi",
    "from_ket_qua",
    "latest_step",
    "require_reception_fields",
    "status_from_monre",
    "to_cap_nhat_tien_do",
    "to_luu_vao_kho",
    "to_tep",
    "to_tiep_nhan",
    "to_tra_ket_qua",
]

SYSTEM = "monre"
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

CHANNEL_TO_MONRE = {Channel.TRUC_TIEP: 1, Channel.TRUC_TUYEN: 2, Channel.BUU_CHINH: 3}
CHANNEL_FROM_MONRE = {v: k for k, v in CHANNEL_TO_MONRE.items()}
DELIVERY_TO_MONRE = {
    DeliveryMethod.TRUC_TIEP: 0,
    DeliveryMethod.BUU_CHINH: 1,
    DeliveryMethod.TRUC_TUYEN: 2,
}
DELIVERY_FROM_MONRE = {v: k for k, v in DELIVERY_TO_MONRE.items()}


def _vn(moment: datetime) -> datetime:
    """On the wire with the +07:00 offset; a naive time is Vietnam wall-clock time."""
    return moment.replace(tzinfo=VN_TZ) if moment.tzinfo is None else moment.astimezone(VN_TZ)


def status_from_monre(value: Any) -> Status | None:
    try:
        return Status(int(value))
    except (TypeError, ValueError):
        return None


# --- to MONRE -----------------------------------------------------------------


def require_reception_fields(dossier: Dossier) -> None:
    """The user guide: Ngày sinh and Số điện thoại of the applicant may not be left empty."""
    if dossier.chu_ho_so.ngay_sinh is None:
        raise missing(SYSTEM, "chu_ho_so.ngay_sinh")
    if not dossier.chu_ho_so.so_dien_thoai:
        raise missing(SYSTEM, "chu_ho_so.so_dien_thoai")


def _dia_chi(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "MaTinh": address.ma_tinh,
        "MaHuyen": address.ma_huyen,
        "MaXa": address.ma_xa,
        "ChiTiet": address.chi_tiet,
    }


def to_tep(item: Attachment) -> dict[str, Any]:
    return {
        "TenThanhPhan": item.ten_thanh_phan,
        "MaThanhPhan": item.ma_thanh_phan,
        "TenTep": item.ten_tep,
        "DuongDan": item.file_ref,
        "Sha256": item.sha256,
        "LoaiTep": item.mime,
        "KichThuoc": item.size,
    }


def to_tiep_nhan(dossier: Dossier) -> dict[str, Any]:
    """``TiepNhanHoSo``: the dossier as received (an upsert by MaHoSo)."""
    require_reception_fields(dossier)
    party = dossier.chu_ho_so
    return {
        "HoSo": {
            "MaHoSo": dossier.ma_ho_so,
            "MaTTHC": dossier.ma_tthc_quoc_gia,
            "TenTTHC": dossier.ten_tthc,
            "TrangThai": int(dossier.trang_thai),
            "KenhThucHien": CHANNEL_TO_MONRE[dossier.kenh],
            "DonViXuLy": dossier.don_vi_xu_ly,
            "ChuHoSo": {
                "HoTen": party.ho_ten,
                "LoaiDinhDanh": int(party.loai_dinh_danh) if party.loai_dinh_danh else None,
                "SoDinhDanh": party.so_giay_to,
                "NgaySinh": party.ngay_sinh,
                "GioiTinh": party.gioi_tinh,
                "SoDienThoai": party.so_dien_thoai,
                "Email": party.email,
                "DiaChi": _dia_chi(party.dia_chi),
            },
            "TrichYeu": dossier.trich_yeu,
            "NgayNop": _vn(dossier.ngay_nop),
            "NgayTiepNhan": _vn(dossier.ngay_tiep_nhan) if dossier.ngay_tiep_nhan else None,
            "NgayHenTra": _vn(dossier.ngay_hen_tra) if dossier.ngay_hen_tra else None,
            "HinhThucTra": DELIVERY_TO_MONRE[dossier.nhan_ket_qua.method],
            "TepDinhKem": [to_tep(item) for item in dossier.thanh_phan],
        }
    }


def latest_step(dossier: Dossier) -> ProcessStep:
    if not dossier.qua_trinh:
        raise missing(SYSTEM, "qua_trinh")
    return dossier.qua_trinh[-1]


def to_cap_nhat_tien_do(
    dossier: Dossier, step: ProcessStep, *, phong_ban: str = "", han_xu_ly: datetime | None = None
) -> dict[str, Any]:
    """``CapNhatTienDo``: one internal process step (bước, phòng ban, start, deadline, content).

    :param phong_ban: the office when the step names none (the connector's setting).
    :param han_xu_ly: the deadline when the step has none (e.g. from the catalog).
    """
    where = f"qua_trinh[{len(dossier.qua_trinh) - 1}]" if dossier.qua_trinh else "qua_trinh"
    office = step.phong_ban or phong_ban or dossier.don_vi_xu_ly
    if not office:
        raise missing(SYSTEM, f"{where}.phong_ban")
    deadline = step.han_xu_ly or han_xu_ly or dossier.ngay_hen_tra
    if deadline is None:
        raise missing(SYSTEM, f"{where}.han_xu_ly")
    return {
        "MaHoSo": dossier.ma_ho_so,
        "BuocXuLy": {
            "Buoc": step.buoc,
            "TrangThai": int(step.trang_thai),
            "PhongBan": office,
            "NguoiXuLy": step.nguoi_xu_ly,
            "ChucDanh": step.chuc_danh,
            "BatDau": _vn(step.bat_dau),
            "HanXuLy": _vn(deadline),
            "KetThuc": _vn(step.ket_thuc) if step.ket_thuc else None,
            "NoiDung": step.noi_dung or step.buoc,
        },
    }


def _ket_qua(dossier: Dossier) -> dict[str, Any]:
    result = dossier.ket_qua
    if result is None:
        raise missing(SYSTEM, "ket_qua")
    for name in ("so", "ngay_ky", "loai_giay_to", "co_quan_cap"):
        if not getattr(result, name):
            raise missing(SYSTEM, f"ket_qua.{name}")
    return {
        "So": result.so,
        "NgayKy": result.ngay_ky,
        "LoaiGiayTo": result.loai_giay_to,
        "CoQuanCap": result.co_quan_cap,
        "TrichYeu": result.trich_yeu,
        "TepKetQua": [to_tep(item) for item in result.files],
    }


def to_tra_ket_qua(dossier: Dossier, status: Status) -> dict[str, Any]:
    """``TraKetQua``: the result (status 9), or its return (10, with ngày trả)."""
    if status is Status.DA_TRA_KET_QUA and dossier.ngay_tra is None:
        raise missing(SYSTEM, "ngay_tra")
    return {
        "MaHoSo": dossier.ma_ho_so,
        "TrangThai": int(status),
        "KetQua": _ket_qua(dossier),
        "NgayTra": _vn(dossier.ngay_tra) if dossier.ngay_tra else None,
        "HinhThucTra": DELIVERY_TO_MONRE[dossier.nhan_ket_qua.method],
    }


def to_luu_vao_kho(dossier: Dossier, index: int) -> dict[str, Any]:
    """``LuuVaoKho``: result file ``index`` into the citizen's store, with its extracted data."""
    ket_qua = _ket_qua(dossier)
    assert dossier.ket_qua is not None  # _ket_qua checked it
    if index >= len(dossier.ket_qua.files):
        raise missing(SYSTEM, f"ket_qua.files[{index}]")
    owner = dossier.chu_ho_so
    if not owner.so_giay_to:
        raise missing(SYSTEM, "chu_ho_so.so_giay_to")
    return {
        "MaHoSo": dossier.ma_ho_so,
        "GiayTo": {
            "So": ket_qua["So"],
            "NgayKy": ket_qua["NgayKy"],
            "LoaiGiayTo": ket_qua["LoaiGiayTo"],
            "CoQuanCap": ket_qua["CoQuanCap"],
            "ChuSoHuu": {"HoTen": owner.ho_ten, "SoDinhDanh": owner.so_giay_to},
            "TepGiayTo": to_tep(dossier.ket_qua.files[index]),
        },
    }


# --- from MONRE ---------------------------------------------------------------


def _tz(moment: Any, field: str) -> datetime:
    if isinstance(moment, datetime):
        return _vn(moment)
    raise ContractError(
        message("contract.format", system=SYSTEM, field=field, expected="xs:dateTime"),
        system=SYSTEM,
    )


def _attachment(record: dict[str, Any]) -> Attachment:
    return Attachment(
        ten_thanh_phan=record["TenThanhPhan"],
        ma_thanh_phan=record.get("MaThanhPhan"),
        file_ref=record["DuongDan"],
        ten_tep=record.get("TenTep"),
        sha256=record["Sha256"],
        mime=record.get("LoaiTep") or "application/pdf",
        size=int(record["KichThuoc"]),
    )


def _address(record: dict[str, Any] | None) -> Address | None:
    if not record:
        return None
    return Address(
        ma_tinh=record.get("MaTinh"),
        ma_huyen=record.get("MaHuyen"),
        ma_xa=record.get("MaXa"),
        chi_tiet=record.get("ChiTiet"),
    )


def from_ho_so_moi(record: dict[str, Any]) -> Dossier:
    """A dossier filed on the ministry portal (``HoSoMoi``), as "Mới đăng ký" in the inbox."""
    try:
        owner = record["ChuHoSo"]
        party = Party(
            ho_ten=owner["HoTen"],
            so_giay_to=owner.get("SoDinhDanh"),
            ngay_sinh=owner.get("NgaySinh"),
            gioi_tinh=owner.get("GioiTinh"),
            so_dien_thoai=owner.get("SoDienThoai"),
            email=owner.get("Email"),
            dia_chi=_address(owner.get("DiaChi")),
        )
        method = DELIVERY_FROM_MONRE.get(record.get("HinhThucTra") or 0, DeliveryMethod.TRUC_TIEP)
        if method is DeliveryMethod.BUU_CHINH and party.dia_chi is None:
            method = DeliveryMethod.TRUC_TIEP
        return Dossier(
            ma_ho_so=record["MaHoSo"],
            ma_tthc=record["MaTTHC"],
            ten_tthc=record.get("TenTTHC"),
            kenh=Channel.TRUC_TUYEN,
            origin=Origin.MINISTRY,
            origin_system=SYSTEM,
            chu_ho_so=party,
            trich_yeu=record.get("TrichYeu"),
            ngay_nop=_tz(record.get("NgayNop"), "NgayNop"),
            trang_thai=Status.MOI_DANG_KY,
            thanh_phan=[_attachment(t) for t in record.get("TepDinhKem") or []],
            nhan_ket_qua=ResultDelivery(
                method=method, dia_chi=party.dia_chi if method is DeliveryMethod.BUU_CHINH else None
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        # pydantic's ValidationError is a ValueError; its text may hold values: not kept.
        raise ContractError(
            message("contract.record", system=SYSTEM, detail=type(exc).__name__), system=SYSTEM
        ) from None


def from_buoc_xu_ly(record: dict[str, Any]) -> ProcessStep:
    return ProcessStep(
        buoc=record["Buoc"],
        trang_thai=Status(int(record["TrangThai"])),
        phong_ban=record.get("PhongBan"),
        nguoi_xu_ly=record.get("NguoiXuLy"),
        chuc_danh=record.get("ChucDanh"),
        noi_dung=record.get("NoiDung"),
        bat_dau=_tz(record.get("BatDau"), "BatDau"),
        han_xu_ly=_tz(record["HanXuLy"], "HanXuLy") if record.get("HanXuLy") else None,
        ket_thuc=_tz(record["KetThuc"], "KetThuc") if record.get("KetThuc") else None,
    )


def from_ket_qua(record: dict[str, Any] | None) -> Result | None:
    if not record:
        return None
    return Result(
        so=record.get("So"),
        ngay_ky=record.get("NgayKy") if isinstance(record.get("NgayKy"), date) else None,
        loai_giay_to=record.get("LoaiGiayTo"),
        co_quan_cap=record.get("CoQuanCap"),
        trich_yeu=record.get("TrichYeu"),
        files=[_attachment(t) for t in record.get("TepKetQua") or []],
    )


def from_dong(row: dict[str, Any]) -> RemoteRecord:
    """A line of ``DanhSachHoSo``."""
    updated = row.get("NgayCapNhat")
    return RemoteRecord(
        ma_ho_so=row["MaHoSo"],
        ma_tthc=national_ma_tthc(row["MaTTHC"]) if row.get("MaTTHC") else None,
        trang_thai=status_from_monre(row.get("TrangThai")),
        updated_at=_vn(updated) if isinstance(updated, datetime) else None,
        result_number=row.get("SoKetQua") or None,
        result_sha256=row.get("Sha256KetQua") or None,
    )
