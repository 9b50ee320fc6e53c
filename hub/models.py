"""The canonical model: what a dossier (hồ sơ) is, inside the hub.

Connectors translate only between this model and their ministry's format; the
store keeps it as JSON snapshots; the ingest API accepts it. Field names are the
Vietnamese domain terms in ASCII snake_case where those are the real names
(``ma_ho_so``, ``ngay_hen_tra``), English otherwise.

Formats follow the national rules (the observed interfaces, see each connector's
contract/README.md):

* mã hồ sơ (Thông tư 01/2018/TT-VPCP art. 19): ``<agency code>-<YYMMDD>-<NNNN>``,
  the agency code in the QCVN 102:2016/BTTTT form ``V1V2V3.Z1Z2.Y1Y2.MX1X2``,
  e.g. ``000.00.22.H34-231125-0001``;
* mã TTHC: national ``2.000986``; local ``2.000880.000.00.00.H34`` or ``1.011516.H34``;
* the status codes 1-10 of the national portal (``TrangThaiHoSo``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hub.fields import (
    Amount,
    BirthDate,
    Count,
    FreeText2000,
    IdNumber,
    JsonObject,
    SafeDate,
    SafeDatetime,
    Text,
    Text10,
    Text20,
    Text50,
    Text100,
    Text200,
    Text255,
    Text300,
    Text500,
    Text1000,
    clean_text,
)
from hub.status import ALLOWED_TRANSITIONS, FINAL_STATUSES, Status, transition_allowed

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FINAL_STATUSES",
    "Address",
    "Attachment",
    "Channel",
    "DeliveryMethod",
    "Dossier",
    "DossierEvent",
    "EventType",
    "Fee",
    "IdType",
    "OldUnits",
    "Origin",
    "Party",
    "ProcessStep",
    "Result",
    "ResultDelivery",
    "Status",
    "national_ma_tthc",
    "transition_allowed",
]


# --- codes ------------------------------------------------------------------

# re.ASCII: \d is 0-9 only, never fullwidth or Arabic-Indic digits.
_AGENCY = r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}"
MA_HO_SO_RE = re.compile(rf"^(?P<agency>{_AGENCY})-(?P<date>\d{{6}})-(?P<seq>\d{{4,6}})$", re.ASCII)
MA_TTHC_RE = re.compile(rf"^(?P<national>\d\.\d{{6}})(?:\.{_AGENCY}|\.[A-Z]\d{{2}})?$", re.ASCII)
# Vietnamese mobile and landline numbers: 0 + 9 or 10 digits, or +84 for the 0.
PHONE_RE = re.compile(r"^(?:0|\+84)\d{9,10}$", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[ .\-]")


def _check_ma_ho_so(value: str) -> str:
    m = MA_HO_SO_RE.match(value)
    if m is None:
        raise PydanticCustomError(
            "ma_ho_so_format",
            "mã hồ sơ must be <agency code>-<YYMMDD>-<NNNN>, e.g. 000.00.22.H34-231125-0001",
        )
    if not _real_date(m["date"]):
        raise PydanticCustomError(
            "ma_ho_so_date", "the date part of mã hồ sơ is not a real date (YYMMDD)"
        )
    return value


@functools.lru_cache(maxsize=4096)
def _real_date(yymmdd: str) -> bool:
    """Whether YYMMDD is a real date: every event checks two mã hồ sơ, and strptime
    cost more than the rest of the check (a batch shares a few dates)."""
    try:
        datetime.strptime(yymmdd, "%y%m%d")
    except ValueError:
        return False
    return True


def _check_ma_tthc(value: str) -> str:
    if MA_TTHC_RE.match(value) is None:
        raise PydanticCustomError(
            "ma_tthc_format",
            "mã TTHC must be a national code like 2.000986 or a local one like "
            "2.000880.000.00.00.H34 or 1.011516.H34",
        )
    return value


@functools.lru_cache(maxsize=4096)
def national_ma_tthc(ma_tthc: str) -> str:
    """The national procedure code of a local one (drop the agency suffix); cached:
    every ingested event asks three times (catalog check, deadlines, routing)."""
    m = MA_TTHC_RE.match(ma_tthc)
    return m["national"] if m else ma_tthc


def _check_phone(value: str) -> str:
    compact = _PHONE_SEPARATORS.sub("", value)
    if PHONE_RE.match(compact) is None:
        raise PydanticCustomError(
            "phone_format", "số điện thoại must be 10 or 11 digits starting with 0 or +84"
        )
    return compact


MaHoSo = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_ma_ho_so)]
MaTTHC = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_ma_tthc)]
PhoneNumber = Annotated[str, StringConstraints(max_length=20), AfterValidator(_check_phone)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(clean_text),
]


class IdType(IntEnum):
    """``LoaiDinhDanh``: 1 = 12-digit CCCD, 2 = 9-digit CMND."""

    CCCD = 1
    CMND = 2


class Channel(StrEnum):
    """How the dossier was filed (``KenhThucHien``)."""

    TRUC_TIEP = "truc_tiep"  #: at the counter
    TRUC_TUYEN = "truc_tuyen"  #: online
    BUU_CHINH = "buu_chinh"  #: by public postal service (BCCI)


class DeliveryMethod(StrEnum):
    """How the citizen gets the result."""

    TRUC_TIEP = "truc_tiep"  #: at the counter
    BUU_CHINH = "buu_chinh"  #: delivered by VNPost
    TRUC_TUYEN = "truc_tuyen"  #: online (electronic result)


class Origin(StrEnum):
    """Where the dossier was filed."""

    PROVINCE = "province"  #: at the province (counter, provincial portal)
    MINISTRY = "ministry"  #: on a ministry's system, pulled into the inbox


#: Most component files (thành phần hồ sơ) or result files one dossier carries.
MAX_FILES = 200
#: Most processing steps (quá trình xử lý) one dossier carries.
MAX_STEPS = 500
#: Most fees (phí, lệ phí) one dossier carries.
MAX_FEES = 50
#: Longest inline file content (base64 of about 15 MiB).
MAX_CONTENT_B64 = 20 * 1024 * 1024


class _Model(BaseModel):
    # hide_input_in_errors: str(ValidationError) never shows a value (a CCCD, a name).
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=False, hide_input_in_errors=True
    )


# --- guide-reform (issue 22): village code, file content --------------------------
# Kept apart so other changes to this module merge cleanly.


class OldUnits(_Model):
    """The same place in the three-tier units before 1 July 2025 (tỉnh, huyện, xã), for
    a ministry that still takes them; the names are what the conversion to the two-tier
    units reads (hub/addresses.py)."""

    ma_tinh: Text10 | None = None
    ma_huyen: Text10 | None = None
    ma_xa: Text10 | None = None
    ten_tinh: Text100 | None = None
    ten_huyen: Text100 | None = None
    ten_xa: Text100 | None = None


class _AddressVillage(_Model):
    #: mã thôn / tổ dân phố: MOLISA's ``HKTT_MaThon`` / ``NOHT_MaThon``.
    ma_thon: Text20 | None = None
    #: the old three-tier units of the place (before 1 July 2025), where known
    don_vi_cu: OldUnits | None = None


class _FileContent(_Model):
    #: The file itself, base64, for a ministry that takes the content and not only the
    #: link (MOLISA's ``NoiDungTep``); it must be the file of ``sha256`` and ``size``.
    noi_dung: str | None = Field(default=None, max_length=MAX_CONTENT_B64, repr=False)

    @model_validator(mode="after")
    def _content_matches(self) -> _FileContent:
        if self.noi_dung is None:
            return self
        try:
            data = base64.b64decode(self.noi_dung, validate=True)
        except (binascii.Error, ValueError):
            raise PydanticCustomError("file_content_base64", "noi_dung is not base64") from None
        if hashlib.sha256(data).hexdigest() != getattr(self, "sha256", None) or len(
            data
        ) != getattr(self, "size", None):
            raise PydanticCustomError(
                "file_content_mismatch", "noi_dung is not the file of this sha256 and size"
            )
        return self


# --- end guide-reform block -------------------------------------------------------


class Address(_AddressVillage):
    """An address with its administrative unit codes.

    Since 1 July 2025 there are two tiers (province, commune); ``ma_huyen`` is
    kept for the old three-tier codes that ministry APIs still carry.
    """

    ma_tinh: Text10 | None = None
    ma_huyen: Text10 | None = None
    ma_xa: Text10 | None = None
    chi_tiet: Text500 | None = None


class Party(_Model):
    """A person or organisation: chủ hồ sơ (owner) or người nộp (submitter)."""

    ho_ten: Text = Field(min_length=1, max_length=200)
    so_giay_to: IdNumber | None = Field(default=None, description="CCCD (12 digits) or CMND (9)")
    loai_dinh_danh: IdType | None = None
    ngay_sinh: BirthDate | None = None
    gioi_tinh: int | None = Field(default=None, ge=0, le=2, description="1 nam, 2 nữ")
    so_dien_thoai: PhoneNumber | None = None
    email: Email | None = None
    dia_chi: Address | None = None
    loai_doi_tuong: int = Field(
        default=1, ge=1, le=4, description="1 citizen, 2 business, 3 state agency, 4 other"
    )

    @model_validator(mode="after")
    def _check_id_type(self) -> Party:
        if self.so_giay_to is None:
            return self
        kind = IdType.CCCD if len(self.so_giay_to) == 12 else IdType.CMND
        if self.loai_dinh_danh is not None and self.loai_dinh_danh != kind:
            raise PydanticCustomError(
                "id_type_mismatch", "loai_dinh_danh does not match the length of số giấy tờ"
            )
        self.loai_dinh_danh = kind
        return self


class Attachment(_FileContent):
    """A component file (thành phần hồ sơ) or result file; ``duoc_*``: DVCQG's flags."""

    ten_thanh_phan: Text = Field(min_length=1, max_length=500)
    ma_thanh_phan: Text100 | None = None
    file_ref: Text = Field(min_length=1, max_length=2000, description="URL or store key")
    ten_tep: Text255 | None = None
    sha256: Sha256
    mime: Text = Field(default="application/pdf", max_length=100)
    size: Amount
    duoc_so_hoa: bool | None = None
    duoc_tai_su_dung: bool | None = None
    duoc_lay_tu_kho_dmqg: bool | None = None


class Fee(_Model):
    """A fee or charge (phí, lệ phí) in VND."""

    ma: Text50 | None = None
    ten: Text = Field(min_length=1, max_length=500)
    so_tien: Amount = Field(description="VND")
    hinh_thuc_thu: Text50 | None = None
    da_thanh_toan: bool = False


class ResultDelivery(_Model):
    """How and where the result is returned."""

    method: DeliveryMethod = DeliveryMethod.TRUC_TIEP
    dia_chi: Address | None = None

    @model_validator(mode="after")
    def _address_for_post(self) -> ResultDelivery:
        if self.method is DeliveryMethod.BUU_CHINH and self.dia_chi is None:
            raise PydanticCustomError(
                "delivery_address_required", "a result delivered by post needs an address"
            )
        return self


class Result(_Model):
    """The outcome document (kết quả): số, ngày ký, loại giấy tờ, cơ quan cấp, files."""

    so: Text100 | None = Field(default=None, description="số / số quyết định")
    ngay_ky: SafeDate | None = None
    loai_giay_to: Text200 | None = None
    co_quan_cap: Text300 | None = None
    trich_yeu: FreeText2000 | None = None
    files: list[Attachment] = Field(default_factory=list, max_length=MAX_FILES)


class ProcessStep(_Model):
    """One step of the processing history (quá trình xử lý, "Quy trình")."""

    buoc: Text = Field(min_length=1, max_length=300, description="step name or number")
    trang_thai: Status
    nguoi_xu_ly: Text200 | None = None
    chuc_danh: Text200 | None = None
    phong_ban: Text300 | None = None
    noi_dung: FreeText2000 | None = None
    bat_dau: SafeDatetime
    han_xu_ly: SafeDatetime | None = None
    ket_thuc: SafeDatetime | None = None


class Dossier(_Model):
    """A dossier (hồ sơ) as the province sees it."""

    ma_ho_so: MaHoSo
    ma_tthc: MaTTHC
    ten_tthc: Text1000 | None = None
    ma_linh_vuc: Text50 | None = None
    ten_linh_vuc: Text500 | None = None
    kenh: Channel = Channel.TRUC_TIEP
    origin: Origin = Origin.PROVINCE
    origin_system: Text50 | None = Field(
        default=None, description="the connector a ministry-filed dossier came from"
    )
    don_vi_xu_ly: Text300 | None = None
    chu_ho_so: Party
    nguoi_nop: Party | None = None
    trich_yeu: FreeText2000 | None = None
    ngay_nop: SafeDatetime
    ngay_tiep_nhan: SafeDatetime | None = None
    ngay_hen_tra: SafeDatetime | None = None
    ngay_tra: SafeDatetime | None = None
    trang_thai: Status
    buoc_hien_tai: Text300 | None = None
    qua_trinh: list[ProcessStep] = Field(default_factory=list, max_length=MAX_STEPS)
    thanh_phan: list[Attachment] = Field(default_factory=list, max_length=MAX_FILES)
    le_phi: list[Fee] = Field(default_factory=list, max_length=MAX_FEES)
    nhan_ket_qua: ResultDelivery = Field(default_factory=ResultDelivery)
    ket_qua: Result | None = None
    extra: JsonObject = Field(
        default_factory=dict,
        description="procedure-specific data (e-form fields) a connector may need",
    )

    @model_validator(mode="after")
    def _check_dates(self) -> Dossier:
        if self.ngay_tiep_nhan is not None and self.ngay_tiep_nhan < self.ngay_nop:
            raise PydanticCustomError("date_order", "ngay_tiep_nhan is earlier than ngay_nop")
        if (
            self.trang_thai >= Status.DUOC_TIEP_NHAN
            and self.trang_thai != Status.KHONG_DUOC_TIEP_NHAN
        ):
            if self.ngay_tiep_nhan is None:
                raise PydanticCustomError(
                    "reception_date_required",
                    "ngay_tiep_nhan is required once the dossier is received",
                )
        if self.trang_thai == Status.DA_TRA_KET_QUA and self.ngay_tra is None:
            raise PydanticCustomError(
                "return_date_required", "ngay_tra is required when the result is returned"
            )
        return self

    @property
    def ma_tthc_quoc_gia(self) -> str:
        return national_ma_tthc(self.ma_tthc)

    # --- fees owed (online payment, connectors/payment) ---------------------------------
    @property
    def le_phi_con_no(self) -> list[Fee]:
        """The fees not yet paid (``da_thanh_toan`` false): what a payment asks for."""
        return [fee for fee in self.le_phi if not fee.da_thanh_toan]

    @property
    def so_tien_con_no(self) -> int:
        """The sum of :attr:`le_phi_con_no`, in VND."""
        return sum(fee.so_tien for fee in self.le_phi_con_no)


class EventType(StrEnum):
    """What happened to a dossier at the province."""

    CREATED = "dossier.created"  #: filed online, not yet received (Mới đăng ký)
    RECEIVED = "dossier.received"  #: received (tiếp nhận) or refused at reception
    PROGRESS = "dossier.progress"  #: a processing step started or finished
    STATUS_CHANGED = "dossier.status_changed"  #: supplement, financial duty, stop, withdrawal
    RESULT = "dossier.result"  #: processed: the result is ready (Đã xử lý xong)
    RETURNED = "dossier.returned"  #: the result was returned (Đã trả kết quả)
    UPDATED = "dossier.updated"  #: data corrected without a status change
    #: a permit (giấy phép xây dựng) was recorded or corrected: its data and signed file
    #: ride in ``extra["giay_phep"]`` ("Đồng bộ giấy phép BXD")
    PERMIT_RECORDED = "dossier.permit_recorded"
    #: "Lưu vào kho" (issue 22): after the result was returned, the officer saves it to the
    #: citizen's store with the data they extracted, in ``extra["luu_vao_kho"]``
    STORED = "dossier.stored"


class DossierEvent(_Model):
    """An event of the province about one dossier, with the dossier as it was then.

    ``id`` is the province's event id: sending the same id again is accepted once.
    ``sequence`` is assigned by the hub on ingest, per dossier, in order of receipt.
    """

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    type: EventType
    occurred_at: SafeDatetime
    ma_ho_so: MaHoSo
    sequence: Count | None = None
    snapshot: Dossier

    @model_validator(mode="after")
    def _same_dossier(self) -> DossierEvent:
        if self.snapshot.ma_ho_so != self.ma_ho_so:
            raise PydanticCustomError(
                "snapshot_mismatch", "snapshot.ma_ho_so differs from the event's ma_ho_so"
            )
        return self
