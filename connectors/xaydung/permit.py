"""The construction permit (giấy phép xây dựng) as the province records it.

Staff fill "Thông tin giấy phép" at "Chờ trả kết quả" and attach the signed permit;
the province sends it with a ``dossier.permit_recorded`` event (or with the result) in
``Dossier.extra["giay_phep"]``::

    "giay_phep": {
      "so_giay_phep": "125/GPXD", "ngay_cap": "2025-10-08", "co_quan_cap": "UBND xã ...",
      "loai_cong_trinh": "dan_dung", "cap_cong_trinh": "III",
      "dia_diem": {"ma_tinh": "51", "ma_xa": "23020", "chi_tiet": "Thôn 3"},
      "dien_tich_xay_dung": 120.5, "tong_dien_tich_san": 361.5, "chieu_cao": 12.6,
      "so_tang": 3, "chu_dau_tu": {"ho_ten": "...", "so_giay_to": "..."},
      "thoi_han_khoi_cong": "2026-10-08",
      "tep": {"ten_tep": "gpxd.pdf", "sha256": "...", "noi_dung": "<base64>"}
    }

:func:`read_permit` validates it before anything is sent; a missing or malformed field
is a :class:`MappingError` naming it (``extra.giay_phep.so_tang``), never its value.

Addresses follow the two-tier units in force since 1 July 2025: a province code
(2 digits, one of the 34 current provinces) and a commune code (5 digits); there is
no district. ``vietnam-provinces`` is not a runtime dependency of the hub, so the
codes are checked by format and the province against :data:`PROVINCES_2025`
(the tests check that table and the sample communes against the package).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hub.sdk import MappingError

from . import messages

__all__ = [
    "PROVINCES_2025",
    "CapCongTrinh",
    "ChuDauTu",
    "DiaDiem",
    "GiayPhep",
    "LoaiCongTrinh",
    "TepGiayPhep",
    "read_permit",
]

#: The 34 province-level units since 1 July 2025 (Nghị quyết 202/2025/QH15), GSO codes.
PROVINCES_2025 = frozenset(
    "01 04 08 11 12 14 15 19 20 22 24 25 31 33 37 38 40 42 44 46 48 51 52 56 66 68 75 "
    "79 80 82 86 91 92 96".split()
)
#: Largest signed permit file carried inline (it rides in the ingest body, 5 MiB by default).
MAX_FILE_BYTES = 4 * 1024 * 1024

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class LoaiCongTrinh(StrEnum):
    """Loại công trình (Nghị định 06/2021/NĐ-CP, Phụ lục I)."""

    DAN_DUNG = "dan_dung"  #: công trình dân dụng (nhà ở riêng lẻ included)
    CONG_NGHIEP = "cong_nghiep"  #: công trình công nghiệp
    HA_TANG_KY_THUAT = "ha_tang_ky_thuat"  #: công trình hạ tầng kỹ thuật
    GIAO_THONG = "giao_thong"  #: công trình giao thông
    NONG_NGHIEP = "nong_nghiep"  #: công trình nông nghiệp và phát triển nông thôn
    QUOC_PHONG = "quoc_phong"  #: công trình quốc phòng, an ninh


class CapCongTrinh(StrEnum):
    """Cấp công trình: đặc biệt, I, II, III, IV."""

    DAC_BIET = "DB"  #: cấp đặc biệt
    I = "I"  # noqa: E741  (the grade's own name)
    II = "II"
    III = "III"
    IV = "IV"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class DiaDiem(_Model):
    """Địa điểm xây dựng: the two-tier unit codes and the detail (số nhà, thôn, tờ, thửa)."""

    ma_tinh: str = Field(pattern=r"^\d{2}$")
    ma_xa: str = Field(pattern=r"^\d{5}$")
    chi_tiet: Text

    @model_validator(mode="after")
    def _current_province(self) -> DiaDiem:
        if self.ma_tinh not in PROVINCES_2025:
            raise ValueError("ma_tinh is not one of the 34 provinces in force since 1 July 2025")
        return self


class ChuDauTu(_Model):
    """Chủ đầu tư: a person (CCCD) or an organisation (mã số doanh nghiệp / thuế)."""

    ho_ten: Text  #: a person's full name or an organisation's name
    so_giay_to: str | None = Field(default=None, pattern=r"^(\d{9}|\d{10}|\d{12}|\d{10}-\d{3})$")


class TepGiayPhep(_Model):
    """The signed permit file, inline; ``sha256`` is checked against the bytes."""

    ten_tep: Text
    mime: str = Field(default="application/pdf", max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    noi_dung: str = Field(min_length=4, description="the file, base64")

    def content(self) -> bytes:
        try:
            data = base64.b64decode(self.noi_dung, validate=True)
        except (binascii.Error, ValueError):
            raise messages.FileRefused(messages.FILE_NOT_BASE64()) from None
        if len(data) > MAX_FILE_BYTES:
            raise messages.FileRefused(messages.FILE_TOO_LARGE(limit=MAX_FILE_BYTES))
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise messages.FileRefused(messages.FILE_HASH_MISMATCH())
        return data


class GiayPhep(_Model):
    """The permit record the ministry requires, every field checked."""

    so_giay_phep: Text
    ngay_cap: date
    co_quan_cap: Text
    loai_cong_trinh: LoaiCongTrinh
    cap_cong_trinh: CapCongTrinh
    dia_diem: DiaDiem
    dien_tich_xay_dung: float = Field(gt=0, le=10_000_000, description="m²")
    tong_dien_tich_san: float = Field(gt=0, le=100_000_000, description="m²")
    chieu_cao: float = Field(gt=0, le=1_000, description="m")
    so_tang: int = Field(ge=1, le=200)
    chu_dau_tu: ChuDauTu
    thoi_han_khoi_cong: date
    tep: TepGiayPhep

    @model_validator(mode="after")
    def _dates(self) -> GiayPhep:
        if self.thoi_han_khoi_cong < self.ngay_cap:
            raise ValueError("thoi_han_khoi_cong is before ngay_cap")
        return self


def read_permit(extra: dict[str, Any], system: str) -> tuple[GiayPhep, bytes] | None:
    """The permit in ``extra["giay_phep"]`` and its file's bytes; None when there is none.

    :raises MappingError: naming the first missing or malformed field.
    """
    raw = extra.get("giay_phep")
    if raw is None:
        return None
    where = "extra.giay_phep"
    try:
        permit = GiayPhep.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join([where, *(str(p) for p in error["loc"])])
        what = (
            messages.PERMIT_FIELD_MISSING(system=system)
            if error["type"] == "missing"
            else messages.PERMIT_FIELD_BAD(system=system, kind=error["type"])
        )
        raise MappingError(what, field=field, system=system) from None
    try:
        content = permit.tep.content()
    except messages.FileRefused as exc:
        raise MappingError(
            messages.PERMIT_FILE(system=system, detail=exc.words),
            field=f"{where}.tep",
            system=system,
        ) from None
    return permit, content
