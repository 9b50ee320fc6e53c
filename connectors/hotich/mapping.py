"""Canonical dossier <-> hộ tịch payloads: pure, table-driven functions, no I/O.

The type-specific data of a civil-status dossier travels in ``Dossier.extra["ho_tich"]``::

    {"module": "LTKS",                        # optional; else from the mã TTHC
     "nguoi_duoc_khai_sinh": Person,          # LTKS: the child
     "me": Person, "cha": Person,             # LTKS: mother (required), father (optional)
     "nguoi_chet": Person, "giay_bao_tu": {"so", "ngay_cap", "co_quan_cap"},   # LTKT
     "chong": Person, "vo": Person,           # LTKH: both spouses
     "nguoi_yeu_cau": Person,                 # LTKS/LTKT: the requester (default chủ hồ sơ)
     "can_bo_tiep_nhan": CanBoTiepNhan}       # every module: the receiving officer's part

    CanBoTiepNhan = {"noi_dang_ky", "loai_dang_ky" (1 đúng hạn, 2 quá hạn, 3 đăng ký lại),
                     "nguoi_thuc_hien", "nguoi_ky", "chuc_vu_nguoi_ky", "ngay_dang_ky",
                     "ghi_chu"}

The receiving officer's part is the guide's "phần thông tin điền của cán bộ tiếp
nhận" of the "Thông tin chi tiết" form, which the officer must tick and fill in full:
where it is registered (the registration authority), the kind of registration, who
received it, who signs and in what capacity; on the wire ``cb*``.

    Person = {"ho_ten", "gioi_tinh" (1 nam, 2 nữ), "ngay_sinh" (ISO date), "so_giay_to",
              "dan_toc", "quoc_tich", "noi_cu_tru", "noi_sinh", "que_quan", "quan_he",
              "ngay_chet", "gio_chet" ("HH:MM"), "noi_chet", "nguyen_nhan"}

Each module's required fields are in :data:`REQUIRED`; a missing one raises
:class:`MappingError` naming the path (``extra.ho_tich.nguoi_duoc_khai_sinh.ngay_sinh``)
and never the value. On the wire (``contract/openapi.yaml``) the same people carry
the prefixes ``nks`` child, ``me``/``cha``, ``nyc`` requester, ``nkt`` deceased,
``gbt`` death notice, ``chong``/``vo``; dates are ``yyyyMMdd``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.sdk import (
    Attachment,
    ContractError,
    Dossier,
    MappingError,
    ProcessStep,
    Result,
    Status,
    message,
    missing,
    national_ma_tthc,
)

from . import messages

__all__ = [
    "MODULES",
    "REQUIRED",
    "STATUS_FROM_HOTICH",
    "SYSTEM",
    "HoTich",
    "Person",
    "certificate_ref",
    "decode_certificate",
    "from_ket_qua",
    "module_of",
    "parse_ho_tich",
    "summary",
    "to_data",
    "to_nhan_dkht",
]

SYSTEM = "hotich"
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
DATETIME_FMT = "%d/%m/%Y %H:%M:%S"
DATE8 = "%Y%m%d"
MODULES = ("LTKS", "LTKT", "LTKH")
Module = Literal["LTKS", "LTKT", "LTKH"]

#: trangThai of LayKetQua -> hub status. 1 "awaiting intake" at the ministry: the
#: province has received the dossier, the ministry has not started on it.
STATUS_FROM_HOTICH = {
    "1": Status.DUOC_TIEP_NHAN,
    "2": Status.YEU_CAU_BO_SUNG,
    "3": Status.DANG_XU_LY,
    "4": Status.DA_XU_LY_XONG,
    "6": Status.KHONG_DUOC_TIEP_NHAN,
}
STEP_NAMES = {
    "1": "Chờ tiếp nhận tại hệ thống hộ tịch",
    "2": "Yêu cầu bổ sung hồ sơ",
    "3": "Xử lý tại hệ thống hộ tịch",
    "4": "Đã có kết quả",
    "6": "Từ chối tiếp nhận",
}
CERTIFICATE_NAMES = {
    "LTKS": "Giấy khai sinh",
    "LTKT": "Trích lục khai tử",
    "LTKH": "Giấy chứng nhận kết hôn",
}


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(_Part):
    ho_ten: str | None = Field(default=None, min_length=1, max_length=200)
    gioi_tinh: Literal[1, 2] | None = None
    ngay_sinh: date | None = None
    so_giay_to: str | None = Field(default=None, pattern=r"^(\d{9}|\d{12})$")
    dan_toc: str | None = Field(default=None, max_length=50)
    quoc_tich: str | None = Field(default=None, max_length=50)
    noi_cu_tru: str | None = Field(default=None, max_length=500)
    noi_sinh: str | None = Field(default=None, max_length=500)
    que_quan: str | None = Field(default=None, max_length=500)
    quan_he: str | None = Field(default=None, max_length=50)
    ngay_chet: date | None = None
    gio_chet: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    noi_chet: str | None = Field(default=None, max_length=500)
    nguyen_nhan: str | None = Field(default=None, max_length=500)


class GiayBaoTu(_Part):
    so: str | None = Field(default=None, max_length=50)
    ngay_cap: date | None = None
    co_quan_cap: str | None = Field(default=None, max_length=300)


class CanBoTiepNhan(_Part):
    """The receiving officer's part of the form ("phần thông tin điền của cán bộ tiếp nhận")."""

    noi_dang_ky: str | None = Field(default=None, max_length=300)
    loai_dang_ky: Literal[1, 2, 3] | None = None
    nguoi_thuc_hien: str | None = Field(default=None, max_length=200)
    nguoi_ky: str | None = Field(default=None, max_length=200)
    chuc_vu_nguoi_ky: str | None = Field(default=None, max_length=200)
    ngay_dang_ky: date | None = None
    ghi_chu: str | None = Field(default=None, max_length=1000)


#: The officer's part: field -> wire name; the first five are required.
OFFICER_FIELDS = {
    "noi_dang_ky": "cbNoiDangKy",
    "loai_dang_ky": "cbLoaiDangKy",
    "nguoi_thuc_hien": "cbNguoiThucHien",
    "nguoi_ky": "cbNguoiKy",
    "chuc_vu_nguoi_ky": "cbChucVuNguoiKy",
    "ngay_dang_ky": "cbNgayDangKy",
    "ghi_chu": "cbGhiChu",
}
_OFFICER_REQUIRED = tuple(("can_bo_tiep_nhan", name) for name in list(OFFICER_FIELDS)[:5])


class HoTich(_Part):
    """``Dossier.extra["ho_tich"]``, validated."""

    module: Module | None = None
    nguoi_duoc_khai_sinh: Person | None = None
    me: Person | None = None
    cha: Person | None = None
    nguoi_chet: Person | None = None
    giay_bao_tu: GiayBaoTu | None = None
    chong: Person | None = None
    vo: Person | None = None
    nguoi_yeu_cau: Person | None = None
    can_bo_tiep_nhan: CanBoTiepNhan | None = None


#: What each module cannot go without: (part, field). The requester falls back to
#: chủ hồ sơ, so it is checked after that fallback.
REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    "LTKS": (
        ("nguoi_duoc_khai_sinh", "ho_ten"),
        ("nguoi_duoc_khai_sinh", "gioi_tinh"),
        ("nguoi_duoc_khai_sinh", "ngay_sinh"),
        ("nguoi_duoc_khai_sinh", "noi_sinh"),
        ("me", "ho_ten"),
        ("nguoi_yeu_cau", "ho_ten"),
        ("nguoi_yeu_cau", "quan_he"),
        *_OFFICER_REQUIRED,
    ),
    "LTKT": (
        ("nguoi_chet", "ho_ten"),
        ("nguoi_chet", "gioi_tinh"),
        ("nguoi_chet", "ngay_chet"),
        ("nguoi_chet", "noi_chet"),
        ("giay_bao_tu", "so"),
        ("giay_bao_tu", "ngay_cap"),
        ("giay_bao_tu", "co_quan_cap"),
        ("nguoi_yeu_cau", "ho_ten"),
        ("nguoi_yeu_cau", "quan_he"),
        *_OFFICER_REQUIRED,
    ),
    "LTKH": (
        ("chong", "ho_ten"),
        ("chong", "ngay_sinh"),
        ("chong", "so_giay_to"),
        ("vo", "ho_ten"),
        ("vo", "ngay_sinh"),
        ("vo", "so_giay_to"),
        *_OFFICER_REQUIRED,
    ),
}

#: Person field -> wire suffix (after the prefix: nksHoTen, meNgaySinh ...).
PERSON_FIELDS = {
    "ho_ten": "HoTen",
    "gioi_tinh": "GioiTinh",
    "ngay_sinh": "NgaySinh",
    "so_giay_to": "SoGiayTo",
    "dan_toc": "DanToc",
    "quoc_tich": "QuocTich",
    "noi_cu_tru": "NoiCuTru",
    "noi_sinh": "NoiSinh",
    "que_quan": "QueQuan",
    "quan_he": "QuanHe",
    "ngay_chet": "NgayChet",
    "gio_chet": "GioPhutChet",
    "noi_chet": "NoiChet",
    "nguyen_nhan": "NguyenNhanChet",
}
_SPOUSE = ("ho_ten", "ngay_sinh", "so_giay_to", "dan_toc", "quoc_tich", "noi_cu_tru")
#: Which person fields each (module, part) sends, under which prefix.
WIRE_PARTS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "LTKS": (
        ("nguoi_duoc_khai_sinh", "nks",
         ("ho_ten", "gioi_tinh", "ngay_sinh", "noi_sinh", "dan_toc", "quoc_tich", "que_quan")),
        ("me", "me", ("ho_ten", "ngay_sinh", "so_giay_to", "dan_toc", "quoc_tich", "noi_cu_tru")),
        ("cha", "cha", ("ho_ten", "ngay_sinh", "so_giay_to", "dan_toc", "quoc_tich", "noi_cu_tru")),
        ("nguoi_yeu_cau", "nyc", ("ho_ten", "so_giay_to", "quan_he")),
    ),
    "LTKT": (
        ("nguoi_chet", "nkt",
         ("ho_ten", "gioi_tinh", "ngay_sinh", "so_giay_to", "dan_toc", "quoc_tich", "noi_cu_tru",
          "ngay_chet", "gio_chet", "noi_chet", "nguyen_nhan")),
        ("nguoi_yeu_cau", "nyc", ("ho_ten", "so_giay_to", "quan_he")),
    ),
    "LTKH": (
        ("chong", "chong", _SPOUSE),
        ("vo", "vo", _SPOUSE),
    ),
}  # fmt: skip


# --- canonical -> hộ tịch ---------------------------------------------------------


def format_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(DATETIME_FMT)


def parse_ho_tich(dossier: Dossier) -> HoTich:
    """``extra["ho_tich"]`` as a :class:`HoTich`; a wrong shape names the field, not the value."""
    raw = dossier.extra.get("ho_tich")
    if not isinstance(raw, Mapping):
        raise missing(SYSTEM, "extra.ho_tich")
    try:
        return HoTich.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        path = ".".join(str(p) for p in first["loc"])
        raise MappingError(
            messages.DETAIL_INVALID(kind=first["type"]),
            field=f"extra.ho_tich.{path}",
            system=SYSTEM,
        ) from None


def module_of(dossier: Dossier, ho_tich: HoTich, modules: Mapping[str, str]) -> str:
    """The module: named in the detail, else by mã TTHC (local or national form)."""
    if ho_tich.module is not None:
        return ho_tich.module
    module = modules.get(dossier.ma_tthc) or modules.get(national_ma_tthc(dossier.ma_tthc))
    if module is None:
        raise MappingError(
            messages.NO_MODULE(),
            field="extra.ho_tich.module",
            system=SYSTEM,
        )
    return module


def _with_requester(dossier: Dossier, ho_tich: HoTich, module: str) -> HoTich:
    if module == "LTKH":
        return ho_tich
    owner = dossier.chu_ho_so
    requester = ho_tich.nguoi_yeu_cau or Person()
    filled = requester.model_copy(
        update={
            "ho_ten": requester.ho_ten or owner.ho_ten,
            "so_giay_to": requester.so_giay_to or owner.so_giay_to,
        }
    )
    return ho_tich.model_copy(update={"nguoi_yeu_cau": filled})


def _require(ho_tich: HoTich, module: str) -> None:
    for part, name in REQUIRED[module]:
        holder = getattr(ho_tich, part)
        if holder is None or getattr(holder, name) in (None, ""):
            raise MappingError(
                messages.MODULE_REQUIRES(module=module),
                field=f"extra.ho_tich.{part}.{name}",
                system=SYSTEM,
            )


def _wire(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime(DATE8)
    return str(value)


def to_data(dossier: Dossier, modules: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """(module, the ``data`` object) for a dossier; raises MappingError before any I/O."""
    ho_tich = parse_ho_tich(dossier)
    module = module_of(dossier, ho_tich, modules)
    ho_tich = _with_requester(dossier, ho_tich, module)
    _require(ho_tich, module)
    data: dict[str, str] = {}
    for part, prefix, fields in WIRE_PARTS[module]:
        holder = getattr(ho_tich, part)
        if holder is None:
            continue
        for name in fields:
            value = getattr(holder, name)
            if value not in (None, ""):
                data[prefix + PERSON_FIELDS[name]] = _wire(value)
    if module == "LTKT" and ho_tich.giay_bao_tu is not None:
        gbt = ho_tich.giay_bao_tu
        for name, suffix in (("so", "So"), ("ngay_cap", "NgayCap"), ("co_quan_cap", "CoQuanCap")):
            value = getattr(gbt, name)
            if value not in (None, ""):
                data["gbt" + suffix] = _wire(value)
    officer = ho_tich.can_bo_tiep_nhan
    assert officer is not None  # _require checked it
    for name, wire in OFFICER_FIELDS.items():
        value = getattr(officer, name)
        if value not in (None, ""):
            data[wire] = _wire(value)
    return module, data


def to_nhan_dkht(
    dossier: Dossier,
    *,
    ma_don_vi: str,
    modules: Mapping[str, str],
    ma_ho_so_lt: str = "",
) -> dict[str, Any]:
    """The NhanDKHT body for a dossier received at the province."""
    if dossier.ngay_tiep_nhan is None:
        raise MappingError(
            messages.NOT_RECEIVED(),
            field="ngay_tiep_nhan",
            system=SYSTEM,
        )
    module, data = to_data(dossier, modules)
    return {
        "maDonVi": ma_don_vi,
        "module": module,
        "maHoSoLT": ma_ho_so_lt,
        "maHoSoMCDT": dossier.ma_ho_so,
        "ngayTiepNhan": format_datetime(dossier.ngay_tiep_nhan),
        "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        "fileDinhKem": [
            {
                **({"maThanhPhan": f.ma_thanh_phan} if f.ma_thanh_phan else {}),
                "tenGiayTo": f.ten_thanh_phan,
                "tenTep": f.ten_tep or f.ten_thanh_phan[:255],
                "duongDan": f.file_ref,
                "sha256": f.sha256,
                "kichThuoc": f.size,
            }
            for f in dossier.thanh_phan
        ],
    }


def summary(body: Mapping[str, Any]) -> dict[str, Any]:
    """What of a NhanDKHT body the attempts log keeps: no personal data at all."""
    data = json.loads(body["data"])
    return {
        "maDonVi": body["maDonVi"],
        "module": body["module"],
        "maHoSoMCDT": body["maHoSoMCDT"],
        "ngayTiepNhan": body["ngayTiepNhan"],
        "data": sorted(data),  # the field names sent, never their values
        "fileDinhKem": len(body.get("fileDinhKem", [])),
    }


# --- hộ tịch -> canonical ------------------------------------------------------------


def _parse_datetime(value: Any, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(str(value), DATETIME_FMT).replace(tzinfo=VN_TZ)
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field=field, expected="dd/MM/yyyy HH:mm:ss"),
            system=SYSTEM,
        ) from None


def certificate_ref(module: str, ma_ho_so: str, file_name: str) -> str:
    """Where a certificate can be fetched again: ``hotich:LayKetQua/<module>/<mã>/<file>``.

    The hub does not keep files; the hộ tịch connector resolves this reference with
    another LayKetQua call (:meth:`HotichConnector.download_result`).
    """
    return f"hotich:LayKetQua/{module}/{ma_ho_so}/{file_name}"


def decode_certificate(ket_qua: Mapping[str, Any]) -> bytes:
    try:
        return base64.b64decode(str(ket_qua["noiDungTep"]), validate=True)
    except (KeyError, binascii.Error, ValueError):
        raise ContractError(
            message("contract.format", system=SYSTEM, field="noiDungTep", expected="base64"),
            system=SYSTEM,
        ) from None


def _result(module: str, ma_ho_so: str, ket_qua: Mapping[str, Any]) -> Result:
    content = decode_certificate(ket_qua)
    name = str(ket_qua.get("tenTep") or f"{module.lower()}.pdf")[:255]
    label = str(ket_qua.get("loaiGiayTo") or CERTIFICATE_NAMES[module])
    ngay_cap = ket_qua.get("ngayCap")
    try:
        signed = datetime.strptime(str(ngay_cap), DATE8).date() if ngay_cap else None
    except ValueError:
        raise ContractError(
            message(
                "contract.format", system=SYSTEM, field="ketQuaXuLy.ngayCap", expected="yyyyMMdd"
            ),
            system=SYSTEM,
        ) from None
    return Result(
        so=str(ket_qua.get("soGiayTo") or "")[:100] or None,
        ngay_ky=signed,
        loai_giay_to=label[:200],
        co_quan_cap=(str(ket_qua.get("coQuanCap") or "")[:300] or None),
        files=[
            Attachment(
                ten_thanh_phan=label[:500],
                ma_thanh_phan=module,
                file_ref=certificate_ref(module, ma_ho_so, name),
                ten_tep=name,
                sha256=hashlib.sha256(content).hexdigest(),
                mime=str(ket_qua.get("loaiTep") or "application/pdf")[:100],
                size=len(content),
            )
        ],
    )


def from_ket_qua(item: Mapping[str, Any], module: str) -> dict[str, Any]:
    """The fields of a RemoteDossier from one LayKetQua value (pure; no I/O)."""
    code = str(item.get("trangThai"))
    status = STATUS_FROM_HOTICH.get(code)
    if status is None:
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field="trangThai"), system=SYSTEM
        )
    ma = str(item.get("maHoSoMCDT") or "")
    updated = _parse_datetime(item.get("ngayCapNhat"), "ngayCapNhat")
    note = str(item.get("ghiChu") or item.get("noiDungXuLy") or "") or None
    step = ProcessStep(
        buoc=STEP_NAMES[code],
        trang_thai=status,
        nguoi_xu_ly=(str(item.get("nguoiXuLy") or "")[:200] or None),
        noi_dung=(str(item.get("noiDungXuLy") or "")[:2000] or None),
        bat_dau=updated or datetime.now(VN_TZ),
    )
    ket_qua = item.get("ketQuaXuLy")
    result = _result(module, ma, ket_qua) if code == "4" and isinstance(ket_qua, Mapping) else None
    return {
        "trang_thai": status,
        "raw_status": code,
        "remote_id": str(item.get("maHoSoLT") or "") or None,
        "history": [step],
        "result": result,
        "deadline": _parse_datetime(item.get("hanBoSungHoSo"), "hanBoSungHoSo")
        if code == "2"
        else None,
        "note": note[:2000] if note and code in ("2", "6") else None,
    }
