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
    AddressForm,
    Attachment,
    Channel,
    ContractError,
    DeliveryMethod,
    Dossier,
    MappingError,
    Origin,
    Party,
    ProcessStep,
    RemoteRecord,
    Result,
    ResultDelivery,
    Status,
    address_for,
    message,
    missing,
    national_ma_tthc,
)

from .messages import KHO_AFTER_RETURN, KHO_BAD_DATE

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


def _dia_chi(address: Address | None, form: AddressForm, field: str) -> dict[str, Any] | None:
    """The address in the form MONRE is set to take, converted and checked."""
    address = address_for(address, form, field=field, system=SYSTEM)
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


def _nguoi_nop(dossier: Dossier, form: AddressForm) -> dict[str, Any] | None:
    """The filer (người nộp), kept apart from the owner (chủ hồ sơ); None when the owner filed."""
    filer = dossier.nguoi_nop
    if filer is None:
        return None
    return {
        "HoTen": filer.ho_ten,
        "LoaiDinhDanh": int(filer.loai_dinh_danh) if filer.loai_dinh_danh else None,
        "SoDinhDanh": filer.so_giay_to,
        "NgaySinh": filer.ngay_sinh,
        "GioiTinh": filer.gioi_tinh,
        "SoDienThoai": filer.so_dien_thoai,
        "Email": filer.email,
        "DiaChi": _dia_chi(filer.dia_chi, form, "nguoi_nop.dia_chi"),
    }


def to_tiep_nhan(
    dossier: Dossier, address_form: AddressForm = AddressForm.HAI_CAP
) -> dict[str, Any]:
    """``TiepNhanHoSo``: the dossier as received (an upsert by MaHoSo); the owner and the
    filer apart; addresses in ``address_form`` (MONRE's setting)."""
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
                "DiaChi": _dia_chi(party.dia_chi, address_form, "chu_ho_so.dia_chi"),
            },
            "NguoiNop": _nguoi_nop(dossier, address_form),
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


#: The officer's extracted data of "Lưu vào kho" (``extra["luu_vao_kho"]``): key, tag, label.
KHO_FIELDS = (
    ("so", "So", "số"),
    ("ngay_ky", "NgayKy", "ngày ký"),
    ("loai_giay_to", "LoaiGiayTo", "loại giấy tờ"),
    ("co_quan_cap", "CoQuanCap", "cơ quan cấp"),
)


def kho_fields(dossier: Dossier) -> dict[str, Any]:
    """The document's data as the officer extracted it at "Lưu vào kho", after the return:
    ``extra["luu_vao_kho"] = {so, ngay_ky (YYYY-MM-DD), loai_giay_to, co_quan_cap,
    chu_so_huu: {ho_ten, so_dinh_danh}}``. The owner (chủ sở hữu) defaults to the
    dossier's owner (chủ hồ sơ), never to its filer (người nộp)."""
    if dossier.trang_thai != Status.DA_TRA_KET_QUA:
        raise MappingError(
            KHO_AFTER_RETURN(),
            field="trang_thai",
            system=SYSTEM,
        )
    data = dossier.extra.get("luu_vao_kho")
    if not isinstance(data, dict):
        raise missing(SYSTEM, "extra.luu_vao_kho")
    out: dict[str, Any] = {}
    for key, tag, _label in KHO_FIELDS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise missing(SYSTEM, f"extra.luu_vao_kho.{key}")
        out[tag] = value.strip()
    try:
        out["NgayKy"] = date.fromisoformat(out["NgayKy"])
    except ValueError:
        raise MappingError(
            KHO_BAD_DATE(),
            field="extra.luu_vao_kho.ngay_ky",
            system=SYSTEM,
        ) from None
    given = data.get("chu_so_huu")
    owner: dict[str, Any] = given if isinstance(given, dict) else {}
    ho_ten = str(owner.get("ho_ten") or dossier.chu_ho_so.ho_ten)
    so = str(owner.get("so_dinh_danh") or dossier.chu_ho_so.so_giay_to or "")
    if not (so.isascii() and so.isdigit() and len(so) in (9, 12)):
        raise missing(SYSTEM, "extra.luu_vao_kho.chu_so_huu.so_dinh_danh")
    out["ChuSoHuu"] = {"HoTen": ho_ten, "SoDinhDanh": so}
    return out


def to_luu_vao_kho(dossier: Dossier, index: int) -> dict[str, Any]:
    """``LuuVaoKho``: result file ``index`` into the citizen's store with the officer's
    extracted data, the dossier's components saved with it (the guide's "Lưu vào kho")."""
    fields = kho_fields(dossier)
    result = dossier.ket_qua
    if result is None or index >= len(result.files):
        raise missing(SYSTEM, f"ket_qua.files[{index}]")
    return {
        "MaHoSo": dossier.ma_ho_so,
        "GiayTo": {**fields, "TepGiayTo": to_tep(result.files[index])},
        "ThanhPhanHoSo": [to_tep(item) for item in dossier.thanh_phan],
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
