"""Liên thông payloads <-> canonical dossiers: pure functions, no I/O.

The detail's ``data`` is XML with a ``<hoTich>`` root (designed inner shape)::

    <hoTich>
      <chuHoSo><hoTen/><soGiayTo/><ngaySinh>yyyyMMdd</ngaySinh><gioiTinh/>
               <soDienThoai/><diaChi/></chuHoSo>
      <khaiSinh><hoTen/><ngaySinh/><gioiTinh/><noiSinh/></khaiSinh>      (module KS)
      <khaiTu><hoTen/><soGiayTo/><ngayChet/><noiChet/></khaiTu>          (module KT)
    </hoTich>

It is parsed with a parser that loads no DTD, resolves no entity and opens no
network connection; a document with a DOCTYPE is refused outright.

A pulled dossier keeps in ``extra["lien_thong"]`` ``{ma_ho_so_lt, module, ma_don_vi,
ho_tich: {the khaiSinh/khaiTu fields}}``; its files become Attachments with the
sha256 and size of the decoded bytes and ``file_ref`` ``lienthong:<mã hồ sơ>/<n>``
(the connector fetches the bytes again on demand); base64 is never kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from lxml import etree
from pydantic import ValidationError

from hub.sdk import (
    Attachment,
    ContractError,
    Dossier,
    MappingError,
    Origin,
    Party,
    ProcessStep,
    Result,
    Status,
    message,
)

__all__ = [
    "STATUS_FROM_LT",
    "STATUS_TO_LT",
    "SYSTEM",
    "file_ref",
    "from_chi_tiet",
    "parse_ho_tich_xml",
    "to_cap_nhat",
]

SYSTEM = "lienthong"
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
STAMP = "%Y%m%d%H%M%S"

STATUS_FROM_LT = {
    1: Status.DUOC_TIEP_NHAN,
    2: Status.YEU_CAU_BO_SUNG,
    4: Status.DA_XU_LY_XONG,
    6: Status.KHONG_DUOC_TIEP_NHAN,
    7: Status.DANG_XU_LY,  # sent on to the next agency of the group
}
STATUS_TO_LT = {
    Status.DUOC_TIEP_NHAN: 1,
    Status.YEU_CAU_BO_SUNG: 2,
    Status.DANG_XU_LY: 7,
    Status.DA_XU_LY_XONG: 4,
    Status.DA_TRA_KET_QUA: 4,
    Status.KHONG_DUOC_TIEP_NHAN: 6,
}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def _result(files: list[Attachment]) -> Result | None:
    """The result files (``loaiGiayTo`` KQ, the guide's "File kết quả"), if any yet."""
    results = [f for f in files if f.ma_thanh_phan == "KQ"]
    if not results:
        return None
    return Result(loai_giay_to=results[0].ten_thanh_phan[:200], files=results)


def stamp(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(STAMP)


def parse_stamp(value: Any, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(str(value), STAMP).replace(tzinfo=VN_TZ)
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field=field, expected="yyyyMMddHHmmss"),
            system=SYSTEM,
        ) from None


def _date8(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field=field, expected="yyyyMMdd"),
            system=SYSTEM,
        ) from None


# --- canonical -> liên thông --------------------------------------------------------


def to_cap_nhat(dossier: Dossier, *, co_quan_xu_ly: str, at: datetime) -> dict[str, Any]:
    """The status push for the dossier's current status."""
    code = STATUS_TO_LT.get(dossier.trang_thai)
    if code is None:
        raise MappingError(
            message("mapping.no_status_code", system=SYSTEM, status=int(dossier.trang_thai)),
            field="trang_thai",
            system=SYSTEM,
        )
    step = dossier.qua_trinh[-1] if dossier.qua_trinh else None
    lt = dossier.extra.get("lien_thong") or {}
    return {
        "maTTHC": dossier.ma_tthc_quoc_gia,
        "soHoSoLT": str(lt.get("ma_ho_so_lt") or ""),
        "coQuanXuLy": (dossier.don_vi_xu_ly or co_quan_xu_ly)[:300],
        "maHoSo": dossier.ma_ho_so,
        "trangThai": code,
        "thoiGianThucHien": stamp(at),
        "ngayBatDau": stamp(step.bat_dau if step else dossier.ngay_tiep_nhan),
        "ngayKetThucTheoQuyDinh": stamp(step.han_xu_ly if step else dossier.ngay_hen_tra),
        "noiDungXuLy": ((step.noi_dung or step.buoc) if step else "Tiếp nhận hồ sơ")[:2000],
        "nguoiXuLy": ((step.nguoi_xu_ly or "") if step else "")[:200],
    }


# --- liên thông -> canonical --------------------------------------------------------


def parse_ho_tich_xml(xml: str) -> dict[str, dict[str, str]]:
    """``{section: {tag: text}}`` of a ``<hoTich>`` document; refuses DTDs and entities."""
    raw = xml.encode("utf-8")
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise ContractError(message("contract.xml_entities", what="hoTich"), system=SYSTEM)
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError:
        raise ContractError(message("contract.xml_broken", what="hoTich"), system=SYSTEM) from None
    if root.tag != "hoTich":
        raise ContractError(
            message("contract.missing", operation="data", field="<hoTich>"), system=SYSTEM
        )
    return {
        str(section.tag): {
            str(c.tag): (c.text or "").strip() for c in section if isinstance(c.tag, str)
        }
        for section in root
        if isinstance(section.tag, str)
    }


def file_ref(ma_ho_so: str, n: int) -> str:
    """``lienthong:<mã hồ sơ>/<n>``: the n-th file (1-based) of the detail."""
    return f"lienthong:{ma_ho_so}/{n}"


def decode_file(item: Mapping[str, Any], n: int) -> bytes:
    try:
        return base64.b64decode(str(item["duLieuTepDinhKem"]), validate=True)
    except (KeyError, binascii.Error, ValueError):
        raise ContractError(
            message("contract.format", system=SYSTEM, field=f"fileDinhKem[{n}]", expected="base64"),
            system=SYSTEM,
        ) from None


def from_chi_tiet(record: Mapping[str, Any]) -> Dossier:
    """A canonical dossier (origin MINISTRY) from a detail record."""
    ma = str(record.get("maHoSo") or "")
    try:
        sections = parse_ho_tich_xml(str(record["data"]))
        owner = sections.get("chuHoSo", {})
        gender = owner.get("gioiTinh")
        party = Party(
            ho_ten=owner["hoTen"],
            so_giay_to=owner.get("soGiayTo") or None,
            ngay_sinh=_date8(owner.get("ngaySinh"), "chuHoSo.ngaySinh"),
            gioi_tinh=int(gender) if gender in ("1", "2") else None,
            so_dien_thoai=owner.get("soDienThoai") or None,
        )
        received = parse_stamp(record["ngayTiepNhan"], "ngayTiepNhan")
        assert received is not None
        files = []
        for n, item in enumerate(record.get("fileDinhKem") or [], 1):
            content = decode_file(item, n)
            files.append(
                Attachment(
                    ten_thanh_phan=str(item.get("tenGiayTo") or item["tenTepDinhKem"])[:500],
                    ma_thanh_phan=str(item.get("loaiGiayTo") or "") or None,
                    file_ref=file_ref(ma, n),
                    ten_tep=str(item["tenTepDinhKem"])[:255],
                    sha256=hashlib.sha256(content).hexdigest(),
                    mime="application/pdf",
                    size=len(content),
                )
            )
        module = str(record["module"])
        detail = sections.get("khaiSinh" if module == "KS" else "khaiTu", {})
        code = record.get("trangThai", 1)
        status = STATUS_FROM_LT.get(int(code)) if str(code).isdigit() else None
        if status is None:
            raise ContractError(
                message("contract.unknown_value", system=SYSTEM, field="trangThai"), system=SYSTEM
            )
        return Dossier(
            ma_ho_so=ma,
            ma_tthc=str(record["maTTHC"]),
            ten_linh_vuc="Hộ tịch",
            origin=Origin.MINISTRY,
            origin_system=SYSTEM,
            don_vi_xu_ly=str(record.get("maDonVi") or "") or None,
            chu_ho_so=party,
            ngay_nop=received,
            ngay_tiep_nhan=received,
            trang_thai=status,
            thanh_phan=[f for f in files if f.ma_thanh_phan != "KQ"],
            ket_qua=_result(files),
            extra={
                "lien_thong": {
                    "ma_ho_so_lt": str(record.get("maHoSoLT") or ""),
                    "module": module,
                    "ma_don_vi": str(record.get("maDonVi") or ""),
                    "ho_tich": detail,
                    "files": [f.model_dump(mode="json") for f in files],
                }
            },
        )
    except KeyError as exc:
        raise ContractError(
            message("contract.record", system=SYSTEM, detail=f"{ma or '?'}: {exc.args[0]}"),
            system=SYSTEM,
        ) from None
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        path = ".".join(str(p) for p in first["loc"]) or "(record)"
        raise ContractError(
            message(
                "contract.record", system=SYSTEM, detail=f"{ma or '?'}: {path} ({first['type']})"
            ),
            system=SYSTEM,
        ) from None


def from_qua_trinh(item: Mapping[str, Any]) -> ProcessStep:
    code = int(item.get("trangThai", 1))
    at = parse_stamp(item.get("thoiGianThucHien"), "quaTrinh.thoiGianThucHien") or datetime.now(
        VN_TZ
    )
    return ProcessStep(
        buoc=str(item.get("noiDungXuLy") or "Cập nhật trạng thái")[:300],
        trang_thai=STATUS_FROM_LT.get(code, Status.DANG_XU_LY),
        nguoi_xu_ly=str(item.get("nguoiXuLy") or "")[:200] or None,
        phong_ban=str(item.get("coQuanXuLy") or "")[:300] or None,
        bat_dau=at,
    )
