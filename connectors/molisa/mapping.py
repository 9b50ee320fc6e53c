"""Canonical dossier <-> MOLISA payloads: pure, table-driven functions, no I/O.

The field names and value codes follow ``contract/openapi.yaml``. A dossier
lacking what MOLISA requires raises :class:`MappingError` naming the canonical
field; a MOLISA record that cannot become a canonical dossier raises
:class:`ContractError` naming the MOLISA field. Messages never carry values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from hub.sdk import (
    Address,
    AddressForm,
    Attachment,
    Channel,
    ContractError,
    DeliveryMethod,
    Dossier,
    IdType,
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

from .extent import build_extent_data, parse_extent_data
from .messages import (
    POST_WITHOUT_ADDRESS,
    RECEPTION_DATE,
    RESULT_CONTENT,
    bad_format,
    lacks,
)

__all__ = [
    "SYSTEM",
    "VN_TZ",
    "build_extent_data",
    "format_date",
    "format_datetime",
    "from_dong_ho_so",
    "from_ho_so",
    "from_xu_ly",
    "latest_step",
    "parse_date",
    "parse_datetime",
    "parse_extent_data",
    "status_from_molisa",
    "to_dong_bo_dvc",
    "to_gui_ket_qua",
    "to_xu_ly_ho_so",
]

SYSTEM = "molisa"
#: Vietnam has no daylight saving: a fixed offset avoids depending on tzdata.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
DATE_FMT = "%d/%m/%Y"
DATETIME_FMT = "%d/%m/%Y %H:%M:%S"

GIOI_TINH_TO_MOLISA = {1: "1034", 2: "1035"}
GIOI_TINH_FROM_MOLISA = {v: k for k, v in GIOI_TINH_TO_MOLISA.items()}
KENH_TO_MOLISA = {Channel.TRUC_TIEP: "1", Channel.TRUC_TUYEN: "2", Channel.BUU_CHINH: "3"}
KENH_FROM_MOLISA = {v: k for k, v in KENH_TO_MOLISA.items()}
HINH_THUC_TRA_TO_MOLISA = {
    DeliveryMethod.TRUC_TIEP: "0",
    DeliveryMethod.BUU_CHINH: "1",
    DeliveryMethod.TRUC_TUYEN: "2",
}
HINH_THUC_TRA_FROM_MOLISA = {v: k for k, v in HINH_THUC_TRA_TO_MOLISA.items()}
LOAI_DU_LIEU = "100"
NOI_NOP_TINH = "2"  #: filed at the province
NOI_NOP_BO = "1"  #: filed at the ministry (designed), pulled and received at the province

#: Dossier fields kept in ``Dossier.extra`` for a lossless round trip.
EXTRA_FIELDS = {
    "DanTocId": "dan_toc_id",
    "CMND_NgayCap": "cmnd_ngay_cap",
    "CMND_NoiCap": "cmnd_noi_cap",
    "MaCSDL": "ma_csdl",
    "UrlDetail": "url_detail",
    "TaiKhoanDuocXacThucVoiVNeID": "vneid",
    "SoTaiKhoan": "so_tai_khoan",
    "NganHang": "ngan_hang",
}


# --- dates and codes -------------------------------------------------------


def format_date(value: date | None) -> str:
    return value.strftime(DATE_FMT) if value is not None else ""


def format_datetime(value: datetime | None) -> str:
    """``dd/MM/yyyy HH:mm:ss`` in Vietnam time; naive datetimes are taken as Vietnam time."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(DATETIME_FMT)


def parse_date(value: str | None, *, field: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, DATE_FMT).date()
    except ValueError:
        raise bad_format(field, "dd/MM/yyyy") from None


#: ``dd/MM/yyyy HH:mm:ss`` read without strptime (8 µs a value: most of a million-row
#: listing's parse); anything else still goes through strptime, so what parses is unchanged.
_WIRE_DATETIME = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d)")


def parse_datetime(value: str | None, *, field: str) -> datetime | None:
    if not value:
        return None
    try:
        if (m := _WIRE_DATETIME.fullmatch(value)) is not None:
            d, mo, y, h, mi, sec = map(int, m.groups())
            return datetime(y, mo, d, h, mi, sec, tzinfo=VN_TZ)
        return datetime.strptime(value, DATETIME_FMT).replace(tzinfo=VN_TZ)
    except ValueError:
        raise bad_format(field, "dd/MM/yyyy HH:mm:ss") from None


def status_from_molisa(value: Any, *, field: str = "StatusId") -> Status:
    try:
        return Status(int(value))
    except (TypeError, ValueError):
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field=field), system=SYSTEM
        ) from None


def _ma_tthc_to_molisa(ma_tthc: str, ma_tthc_map: Mapping[str, str]) -> str:
    return ma_tthc_map.get(ma_tthc) or national_ma_tthc(ma_tthc)


def _ma_tthc_from_molisa(code: str, ma_tthc_map: Mapping[str, str]) -> str:
    for local, ministry in ma_tthc_map.items():
        if ministry == code:
            return local
    return code


def _s(value: Any) -> str:
    return "" if value is None else str(value)


# --- canonical -> MOLISA -----------------------------------------------------


def _require(dossier: Dossier) -> None:
    owner = dossier.chu_ho_so
    if not owner.so_giay_to:
        raise missing(SYSTEM, "chu_ho_so.so_giay_to")
    if owner.ngay_sinh is None:
        raise missing(SYSTEM, "chu_ho_so.ngay_sinh")
    if dossier.trang_thai >= Status.DUOC_TIEP_NHAN and dossier.ngay_tiep_nhan is None:
        raise MappingError(RECEPTION_DATE(), field="ngay_tiep_nhan", system=SYSTEM)


def _address_fields(
    prefix: str,
    address: Address | None,
    form: AddressForm,
    field: str,
    converted: dict[tuple[int, str], Address],
) -> dict[str, str]:
    """The address in the form MOLISA is set to take (two- or three-tier), checked.

    ``converted`` keeps each (address, field) converted for one body: the owner's
    address fills three groups of fields (and the HKTT one too, without extra.hktt),
    converted and checked once, not three times."""
    key = (id(address), field)
    a = converted.get(key)
    if a is None:
        a = converted[key] = address_for(address, form, field=field, system=SYSTEM) or Address()
    return {
        f"{prefix}MaTinh": _s(a.ma_tinh),
        f"{prefix}MaHuyen": _s(a.ma_huyen),
        f"{prefix}MaXa": _s(a.ma_xa),
        **({f"{prefix}MaThon": _s(a.ma_thon)} if prefix else {}),
        **({f"{prefix}ChiTiet": _s(a.chi_tiet)} if prefix else {}),
    }


def to_dong_bo_dvc(
    dossier: Dossier,
    *,
    ma_tthc_map: Mapping[str, str] | None = None,
    don_vi_xu_ly: str = "",
    address_form: AddressForm = AddressForm.HAI_CAP,
) -> dict[str, Any]:
    """The DongBoDVC body (without AcceptKey) for a dossier snapshot; the addresses in
    ``address_form`` (MOLISA's setting), converted and checked before anything is sent."""
    _require(dossier)
    owner = dossier.chu_ho_so
    extra = dossier.extra
    hktt = Address.model_validate(extra["hktt"]) if extra.get("hktt") else owner.dia_chi
    hktt_field = "extra.hktt" if extra.get("hktt") else "chu_ho_so.dia_chi"
    result = dossier.ket_qua or Result()
    converted: dict[tuple[int, str], Address] = {}
    body: dict[str, Any] = {
        "LoaiDuLieu": LOAI_DU_LIEU,
        "MaHoSo": dossier.ma_ho_so,
        "MaLinhVuc": _s(dossier.ma_linh_vuc),
        "TenLinhVuc": _s(dossier.ten_linh_vuc),
        "MaTTHC": _ma_tthc_to_molisa(dossier.ma_tthc, ma_tthc_map or {}),
        "TenTTHC": _s(dossier.ten_tthc),
        "HoVaTen": owner.ho_ten,
        "NgayThangNamSinh": format_date(owner.ngay_sinh),
        "GioiTinhId": GIOI_TINH_TO_MOLISA.get(owner.gioi_tinh or 0, ""),
        "CMND": _s(owner.so_giay_to),
        "SoDienThoai": _s(owner.so_dien_thoai),
        "Email": _s(owner.email),
        **_address_fields("", owner.dia_chi, address_form, "chu_ho_so.dia_chi", converted),
        **_address_fields("HKTT_", hktt, address_form, hktt_field, converted),
        **_address_fields("NOHT_", owner.dia_chi, address_form, "chu_ho_so.dia_chi", converted),
        "KenhThucHien": KENH_TO_MOLISA[dossier.kenh],
        "HinhThucTra": HINH_THUC_TRA_TO_MOLISA[dossier.nhan_ket_qua.method],
        "LoaiDoiTuong": str(owner.loai_doi_tuong),
        "NgayTiepNhan": format_datetime(dossier.ngay_tiep_nhan),
        "DonViXuLy": dossier.don_vi_xu_ly or don_vi_xu_ly,
        # Where it was filed: a ministry-filed dossier received at the province stays one.
        "NoiNopHoSo": NOI_NOP_BO if dossier.origin is Origin.MINISTRY else NOI_NOP_TINH,
        "LoaiDinhDanh": str(int(owner.loai_dinh_danh or IdType.CCCD)),
        "SoDinhDanh": _s(owner.so_giay_to),
        "StatusId": str(int(dossier.trang_thai)),
        "SubmitedDate": format_datetime(dossier.ngay_nop),
        "HoSoCoThanhPhanSoHoa": "1" if dossier.thanh_phan else "0",
        "CertificateExtentData": build_extent_data(dossier),
        "DuocThanhToanTrucTuyen": "1" if any(f.da_thanh_toan for f in dossier.le_phi) else "0",
        "LoaiKetQua": _s(result.loai_giay_to),
        "SoQuyetDinh": _s(result.so),
        "CoQuanBanHanh": _s(result.co_quan_cap),
        "TrichYeu": _s(result.trich_yeu),
        "NgayBanHanh": format_date(result.ngay_ky),
    }
    for molisa_field, key in EXTRA_FIELDS.items():
        body[molisa_field] = _s(extra.get(key))
    if body["TaiKhoanDuocXacThucVoiVNeID"] not in ("", "0", "1"):
        body["TaiKhoanDuocXacThucVoiVNeID"] = "1" if extra.get("vneid") else "0"
    return body


def latest_step(dossier: Dossier) -> ProcessStep:
    """The step a PROGRESS event reports: the last of ``qua_trinh``."""
    if not dossier.qua_trinh:
        raise missing(SYSTEM, "qua_trinh")
    return dossier.qua_trinh[-1]


def to_xu_ly_ho_so(
    dossier: Dossier, step: ProcessStep, *, don_vi_xu_ly: str = ""
) -> dict[str, Any]:
    """The XuLyHoSo body (without AcceptKey) for one processing step."""
    content = f"{step.buoc}: {step.noi_dung}" if step.noi_dung else step.buoc
    return {
        "MaHoSo": dossier.ma_ho_so,
        "NguoiXuLy": _s(step.nguoi_xu_ly),
        "TaiKhoanXuLy": "",
        "ChucDanh": _s(step.chuc_danh),
        "DonViXuLy": step.phong_ban or dossier.don_vi_xu_ly or don_vi_xu_ly,
        "NoiDungXuLy": content[:2000],
        "ThoiDiemXuLy": format_datetime(step.ket_thuc or step.bat_dau),
        "NgayBatDau": format_datetime(step.bat_dau),
        "NgayKetThucTheoQuyDinh": format_datetime(step.han_xu_ly),
        "StatusId": str(int(step.trang_thai)),
    }


def to_gui_ket_qua(
    dossier: Dossier, item: Attachment, *, n: int = 0, content_required: bool = True
) -> dict[str, Any]:
    """The GuiKetQua body (without AcceptKey) for result file ``n``: its link and, as the
    guide sends the result with its file, its content (``NoiDungTep``, base64)."""
    result = dossier.ket_qua or Result()
    if content_required and item.noi_dung is None:
        raise MappingError(
            RESULT_CONTENT(),
            field=f"ket_qua.files[{n}].noi_dung",
            system=SYSTEM,
        )
    content = {"NoiDungTep": item.noi_dung} if item.noi_dung is not None else {}
    return {
        **content,
        "MaHoSo": dossier.ma_ho_so,
        "TenGiayTo": item.ten_thanh_phan,
        "MaThanhPhanHoSo": _s(item.ma_thanh_phan),
        "TenTep": item.ten_tep or item.ten_thanh_phan[:255],
        "Sha256": item.sha256,
        "LoaiTep": item.mime,
        "KichThuoc": item.size,
        "DuongDanTep": item.file_ref,
        "SoQuyetDinh": _s(result.so),
        "NgayBanHanh": format_date(result.ngay_ky),
        "CoQuanBanHanh": _s(result.co_quan_cap),
        "TrichYeu": _s(result.trich_yeu),
    }


# --- MOLISA -> canonical -----------------------------------------------------


def _address_from(record: Mapping[str, Any], prefix: str) -> Address | None:
    values = {
        "ma_tinh": record.get(f"{prefix}MaTinh") or None,
        "ma_huyen": record.get(f"{prefix}MaHuyen") or None,
        "ma_xa": record.get(f"{prefix}MaXa") or None,
        "ma_thon": record.get(f"{prefix}MaThon") or None,
        "chi_tiet": record.get(f"{prefix}ChiTiet") or None,
    }
    return Address(**values) if any(values.values()) else None


def _attachments_from(record: Mapping[str, Any]) -> list[Attachment]:
    return [
        Attachment(
            ten_thanh_phan=f.get("TenThanhPhan") or f["TenTepDinhKem"],
            ma_thanh_phan=f.get("MaThanhPhanHoSo") or None,
            file_ref=f["DuongDanTaiTepTin"],
            ten_tep=f["TenTepDinhKem"],
            sha256=f["Sha256"],
            mime=f.get("LoaiTep") or "application/pdf",
            size=f["KichThuoc"],
        )
        for f in record.get("DanhSachTepDinhKem") or []
    ]


def _result_from(record: Mapping[str, Any]) -> Result | None:
    result = Result(
        so=record.get("SoQuyetDinh") or None,
        loai_giay_to=record.get("LoaiKetQua") or None,
        co_quan_cap=record.get("CoQuanBanHanh") or None,
        trich_yeu=record.get("TrichYeu") or None,
        ngay_ky=parse_date(record.get("NgayBanHanh"), field="NgayBanHanh"),
    )
    return result if result != Result() else None


def from_ho_so(
    record: Mapping[str, Any],
    *,
    origin: Origin = Origin.MINISTRY,
    status: Status | None = None,
    ma_tthc_map: Mapping[str, str] | None = None,
) -> Dossier:
    """A canonical dossier from a MOLISA record (LayDanhSachHoSoMoi, TraCuuHoSo).

    :param status: force the canonical status (a pulled dossier is "Mới đăng ký").
    :raises ContractError: the record cannot be mapped; the reason names the field.
    """
    where = f"record {record.get('MaHoSo', '?')}"
    try:
        owner_address = _address_from(record, "NOHT_") or _address_from(record, "HKTT_")
        hktt = _address_from(record, "HKTT_")
        method = HINH_THUC_TRA_FROM_MOLISA.get(
            _s(record.get("HinhThucTra")), DeliveryMethod.TRUC_TIEP
        )
        extra: dict[str, Any] = {
            key: record[f] for f, key in EXTRA_FIELDS.items() if record.get(f) not in (None, "")
        }
        if hktt is not None and hktt != owner_address:
            extra["hktt"] = hktt.model_dump(exclude_none=True)
        if record.get("HoSoId"):
            extra["molisa_id"] = record["HoSoId"]
        if method is DeliveryMethod.BUU_CHINH and owner_address is None:
            raise ContractError(
                POST_WITHOUT_ADDRESS(where=where),
                system=SYSTEM,
            )
        so_giay_to = record.get("SoDinhDanh") or record.get("CMND") or None
        owner = Party(
            ho_ten=record["HoVaTen"],
            so_giay_to=so_giay_to,
            ngay_sinh=parse_date(record.get("NgayThangNamSinh"), field="NgayThangNamSinh"),
            gioi_tinh=GIOI_TINH_FROM_MOLISA.get(_s(record.get("GioiTinhId"))),
            so_dien_thoai=record.get("SoDienThoai") or None,
            email=record.get("Email") or None,
            dia_chi=owner_address,
            loai_doi_tuong=int(record.get("LoaiDoiTuong") or 1),
        )
        ngay_nop = parse_datetime(record.get("NgayNop"), field="NgayNop") or parse_datetime(
            record.get("SubmitedDate"), field="SubmitedDate"
        )
        if ngay_nop is None:
            raise lacks(where, "NgayNop/SubmitedDate")
        return Dossier(
            ma_ho_so=record["MaHoSo"],
            ma_tthc=_ma_tthc_from_molisa(record["MaTTHC"], ma_tthc_map or {}),
            ten_tthc=record.get("TenTTHC") or None,
            ma_linh_vuc=record.get("MaLinhVuc") or None,
            ten_linh_vuc=record.get("TenLinhVuc") or None,
            kenh=KENH_FROM_MOLISA.get(_s(record.get("KenhThucHien")), Channel.TRUC_TUYEN),
            origin=origin,
            origin_system=SYSTEM if origin is Origin.MINISTRY else None,
            don_vi_xu_ly=record.get("DonViXuLy") or None,
            chu_ho_so=owner,
            ngay_nop=ngay_nop,
            ngay_tiep_nhan=parse_datetime(record.get("NgayTiepNhan"), field="NgayTiepNhan"),
            trang_thai=status or status_from_molisa(record.get("StatusId")),
            thanh_phan=_attachments_from(record),
            nhan_ket_qua=ResultDelivery(method=method, dia_chi=owner_address),
            ket_qua=_result_from(record),
            extra=extra,
        )
    except KeyError as exc:
        raise lacks(where, str(exc.args[0])) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"]) or "(record)"
        raise ContractError(
            message("contract.record", system=SYSTEM, detail=f"{where}: {path} ({first['type']})"),
            system=SYSTEM,
        ) from None


def from_xu_ly(entry: Mapping[str, Any]) -> ProcessStep:
    """A canonical process step from a QuaTrinhXuLy entry (XuLyHoSo shape)."""
    content = _s(entry.get("NoiDungXuLy"))
    buoc, _, noi_dung = content.partition(": ")
    at = parse_datetime(entry.get("ThoiDiemXuLy"), field="QuaTrinhXuLy.ThoiDiemXuLy")
    start = parse_datetime(entry.get("NgayBatDau"), field="QuaTrinhXuLy.NgayBatDau") or at
    if start is None:
        raise lacks("QuaTrinhXuLy", "ThoiDiemXuLy")
    try:
        return ProcessStep(
            buoc=(buoc or "Xử lý")[:300],
            trang_thai=status_from_molisa(entry.get("StatusId"), field="QuaTrinhXuLy.StatusId"),
            nguoi_xu_ly=entry.get("NguoiXuLy") or None,
            chuc_danh=entry.get("ChucDanh") or None,
            phong_ban=entry.get("DonViXuLy") or None,
            noi_dung=noi_dung or None,
            bat_dau=start,
            han_xu_ly=parse_datetime(
                entry.get("NgayKetThucTheoQuyDinh"), field="QuaTrinhXuLy.NgayKetThucTheoQuyDinh"
            ),
            ket_thuc=at if at != start else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise ContractError(
            message(
                "contract.record", system=SYSTEM, detail=f"QuaTrinhXuLy: {path} ({first['type']})"
            ),
            system=SYSTEM,
        ) from None


def from_dong_ho_so(
    row: Mapping[str, Any], *, ma_tthc_map: Mapping[str, str] | None = None
) -> RemoteRecord:
    """A reconciliation line from a DanhSachHoSo row."""
    if not row.get("MaHoSo"):
        raise lacks("DanhSachHoSo", "MaHoSo")
    ma_tthc = row.get("MaTTHC") or None
    return RemoteRecord(
        ma_ho_so=row["MaHoSo"],
        ma_tthc=_ma_tthc_from_molisa(ma_tthc, ma_tthc_map or {}) if ma_tthc else None,
        trang_thai=status_from_molisa(row.get("StatusId"), field="DanhSach.StatusId"),
        updated_at=parse_datetime(row.get("NgayCapNhat"), field="DanhSach.NgayCapNhat"),
        result_number=row.get("SoQuyetDinh") or None,
        result_sha256=row.get("Sha256KetQua") or None,
    )
