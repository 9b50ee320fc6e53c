"""Realistic, deterministic sample dossiers and events (social assistance, Kon Tum).

Used by the unit tests, the conformance suite and ``tthc-hub demo``. Everything
is drawn from a seeded :class:`random.Random`, so the same seed gives the same
objects on every machine and every day (dates are anchored, not relative to
today). The data looks real on purpose, so that masking and the personal-data
scan are tested against what a province actually holds:

* Vietnamese full names with diacritics;
* 12-digit CCCD numbers: 3-digit province-of-birth code, a century-and-gender
  digit consistent with the birth date and gender (0/1 male/female born in the
  1900s, 2/3 in the 2000s), the last two digits of the birth year, 6 random digits;
* 10-digit mobile numbers with the carriers' real prefixes;
* administrative unit codes of Quảng Ngãi (Kon Tum merged into it on 1 July
  2025), new two-tier commune codes with the old district code kept in ``ma_huyen``;
* mã hồ sơ ``000.00.22.H34-YYMMDD-NNNN``; the social-assistance procedures
  1.001776 and 1.001731, national and local forms;
* attachments whose sha256 is the real hash of :func:`sample_file_content`.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from hub.models import (
    Address,
    Attachment,
    Channel,
    DeliveryMethod,
    Dossier,
    DossierEvent,
    EventType,
    Origin,
    Party,
    ProcessStep,
    Result,
    ResultDelivery,
    Status,
)

__all__ = [
    "AGENCY_CODE",
    "PROCEDURES",
    "VN_TZ",
    "sample_attachment",
    "sample_batch",
    "sample_cccd",
    "sample_dossier",
    "sample_event",
    "sample_file_content",
    "sample_lifecycle",
    "sample_name",
    "sample_party",
    "sample_phone",
    "working_days_after",
]

#: Asia/Ho_Chi_Minh has had no DST since 1975: a fixed offset needs no tzdata.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

#: The receiving agency of the samples (QCVN 102:2016 form; H34 = Kon Tum).
AGENCY_CODE = "000.00.22.H34"

#: Sample dossiers are filed in this window (after the two-tier reform of 1 July 2025).
_FILED_FROM = date(2025, 7, 7)
_FILED_DAYS = 110

FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
_MIDDLE = {
    1: ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh"),
    2: ("Thị", "Ngọc", "Thu", "Minh", "Thanh", "Kim", "Thị Kim", "Hồng"),
}
_GIVEN = {
    1: ("Bình", "Cường", "Dũng", "Hùng", "Hải", "Khoa", "Long", "Nam", "Phúc", "Quân",
        "Sơn", "Tuấn", "Vinh", "Thắng", "Lộc", "Toàn"),
    2: ("Anh", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Mai", "Ngân", "Nhung", "Phương",
        "Thảo", "Trang", "Tuyết", "Yến", "Xuân", "Loan"),
}  # fmt: skip

#: Provinces of birth (CCCD prefix): mostly local, some from elsewhere.
_BIRTH_PROVINCES = ("062", "062", "062", "051", "051", "001", "079", "052", "049")

#: Mobile prefixes in use (Viettel 03x/086/09x, Vinaphone 08x/091/094, MobiFone 07x/089/090/093,
#: Vietnamobile 05x).
_MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "059", "070",
    "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "089",
    "090", "091", "093", "094", "096", "097", "098",
)  # fmt: skip


@dataclass(frozen=True)
class _Commune:
    code: str  # two-tier commune code (since 1 July 2025), ``vietnam-provinces``
    name: str
    old_district: str  # three-tier district code it lay in before the reform
    villages: tuple[str, ...]


#: Quảng Ngãi province (code 51) after the merger; communes of the former Kon Tum.
PROVINCE_CODE = "51"
COMMUNES = (
    _Commune("23293", "Phường Kon Tum", "608", ("Tổ 3", "Tổ 7", "Tổ 12")),
    _Commune("23284", "Phường Đăk Cấm", "608", ("Tổ 1", "Tổ 5", "Thôn Kon Klor")),
    _Commune("23302", "Phường Đăk BLa", "608", ("Thôn Kon Jơ Dri", "Tổ 4")),
    _Commune("23500", "Xã Đăk Hà", "615", ("Thôn 1", "Thôn 4", "Thôn Kon Gung")),
    _Commune("23401", "Xã Đăk Tô", "612", ("Khối 2", "Khối 6", "Thôn Đăk Dé")),
    _Commune("23473", "Xã Măng Đen", "613", ("Thôn Kon Pring", "Tổ dân phố 2")),
    _Commune("23527", "Xã Sa Thầy", "616", ("Thôn 2", "Làng Rắc")),
    _Commune("23425", "Xã Tu Mơ Rông", "617", ("Thôn Đăk Trang", "Thôn Kon Hia 1")),
    _Commune("21025", "Phường Cẩm Thành", "522", ("Tổ 9", "Tổ 14")),
    _Commune("21289", "Xã Sơn Hà", "529", ("Thôn Nước Rinh", "Thôn Gò Da")),
)
_STREETS = ("Trần Hưng Đạo", "Phan Đình Phùng", "Lê Lợi", "Bà Triệu", "Nguyễn Huệ")


@dataclass(frozen=True)
class _Procedure:
    ma_tthc: str
    ten: str
    components: tuple[str, ...]
    working_days: int


_TEN_1001776 = (
    "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí "
    "chăm sóc, nuôi dưỡng hàng tháng"
)
_TEN_1001731 = "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội"
#: The social-assistance procedures, national and local (``.H34``) forms, with the
#: catalog's time limit in working days (hub/data/catalog/tro_giup_xa_hoi.json).
PROCEDURES = (
    _Procedure("1.001776", _TEN_1001776,
               ("Tờ khai đề nghị trợ giúp xã hội (Mẫu số 1a)", "Bản sao Giấy khai sinh"), 22),
    _Procedure("1.001776.000.00.00.H34", _TEN_1001776,
               ("Tờ khai đề nghị trợ giúp xã hội (Mẫu số 1c)", "Giấy xác nhận khuyết tật"), 22),
    _Procedure("1.001731", _TEN_1001731,
               ("Tờ khai đề nghị hỗ trợ chi phí mai táng (Mẫu số 04)", "Bản sao Giấy chứng tử"), 5),
    _Procedure("1.001731.H34", _TEN_1001731,
               ("Tờ khai đề nghị hỗ trợ chi phí mai táng (Mẫu số 04)", "Bản sao Giấy chứng tử"), 5),
)  # fmt: skip

_OFFICIALS = ("Y Thị Hằng", "A Khang", "Nguyễn Thị Hồng Nhung", "Trần Quốc Việt")


def _rng(rng_or_seed: random.Random | int | str) -> random.Random:
    return rng_or_seed if isinstance(rng_or_seed, random.Random) else random.Random(rng_or_seed)


def sample_name(rng: random.Random, gender: int) -> str:
    """A Vietnamese full name (họ, đệm, tên) for gender 1 (nam) or 2 (nữ)."""
    return " ".join(
        (rng.choice(FAMILY_NAMES), rng.choice(_MIDDLE[gender]), rng.choice(_GIVEN[gender]))
    )


def sample_cccd(rng: random.Random, birth: date, gender: int) -> str:
    """A well-formed 12-digit CCCD for someone born on ``birth`` of ``gender`` (1/2)."""
    century = (birth.year // 100) - 19  # 1900s -> 0, 2000s -> 1
    gender_digit = 2 * century + (gender - 1)
    serial = rng.randrange(1_000_000)
    return f"{rng.choice(_BIRTH_PROVINCES)}{gender_digit}{birth.year % 100:02d}{serial:06d}"


def sample_phone(rng: random.Random) -> str:
    """A 10-digit mobile number with a real carrier prefix."""
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"


def _birth_date(rng: random.Random, group: str) -> date:
    years = {"elderly": (1930, 1965), "child": (2010, 2022), "adult": (1966, 2005)}[group]
    start = date(years[0], 1, 1)
    end = date(years[1], 12, 31)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _address(rng: random.Random) -> tuple[Address, _Commune]:
    commune = rng.choice(COMMUNES)
    village = rng.choice(commune.villages)
    if commune.name.startswith("Phường") and rng.random() < 0.6:
        detail = f"Số {rng.randint(2, 250)} {rng.choice(_STREETS)}, {village}"
    else:
        detail = village
    address = Address(
        ma_tinh=PROVINCE_CODE,
        ma_huyen=commune.old_district,
        ma_xa=commune.code,
        chi_tiet=f"{detail}, {commune.name}, tỉnh Quảng Ngãi",
    )
    return address, commune


def sample_party(
    rng: random.Random, *, group: str = "adult", gender: int | None = None,
    address: Address | None = None, with_phone: bool = True,
) -> Party:  # fmt: skip
    """A citizen with a name, CCCD, birth date, phone and address that agree."""
    gender = gender or rng.choice((1, 2))
    birth = _birth_date(rng, group)
    return Party(
        ho_ten=sample_name(rng, gender),
        so_giay_to=sample_cccd(rng, birth, gender),
        ngay_sinh=birth,
        gioi_tinh=gender,
        so_dien_thoai=sample_phone(rng) if with_phone else None,
        dia_chi=address or _address(rng)[0],
    )


def sample_file_content(file_ref: str) -> bytes:
    """The bytes of a sample file: a small PDF-looking document named by ``file_ref``.

    A pure function of the reference, so a mock or the demo can serve the file and
    a test can check that the attachment's sha256 and size are real.
    """
    body = hashlib.sha256(file_ref.encode()).hexdigest() * 4
    return (
        b"%PDF-1.4\n% tthc-hub sample document\n"
        + f"% {file_ref}\n".encode()
        + body.encode()
        + b"\n%%EOF\n"
    )


def sample_attachment(
    ma_ho_so: str, name: str, index: int, *, kind: str = "tp", with_content: bool = False
) -> Attachment:
    """An attachment of dossier ``ma_ho_so`` whose hash and size are those of its bytes;
    ``with_content``: the bytes ride along (``noi_dung``, base64), as result files do."""
    file_ref = f"https://dvc.kontum.gov.vn/files/{ma_ho_so}/{kind}{index:02d}.pdf"
    content = sample_file_content(file_ref)
    return Attachment(
        ten_thanh_phan=name,
        ma_thanh_phan=f"{kind.upper()}{index:02d}",
        file_ref=file_ref,
        ten_tep=f"{kind}{index:02d}.pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        mime="application/pdf",
        size=len(content),
        noi_dung=base64.b64encode(content).decode("ascii") if with_content else None,
    )


def _at(day: date, rng: random.Random, start_hour: int = 7, end_hour: int = 16) -> datetime:
    minute = rng.randrange((end_hour - start_hour) * 60)
    return datetime.combine(day, time(start_hour + minute // 60, minute % 60), VN_TZ)


def working_days_after(day: date, n: int) -> date:
    """``n`` working days (Monday to Friday) after ``day``."""
    return _working_days_after(day, n)


def _working_days_after(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def sample_dossier(
    rng_or_seed: random.Random | int | str,
    *,
    status: Status = Status.DUOC_TIEP_NHAN,
    seq: int | None = None,
    filed_on: date | None = None,
    origin: Origin = Origin.PROVINCE,
    ma_tthc: str | None = None,
) -> Dossier:
    """One social-assistance dossier in ``status``, with the fields that status implies.

    ``seq`` is the NNNN of the mã hồ sơ (default: drawn); ``filed_on`` the filing day
    (default: drawn from a fixed window in 2025). Received dossiers carry
    ``ngay_tiep_nhan`` and ``ngay_hen_tra``; processing ones a process step; processed
    ones a result with its file; returned ones ``ngay_tra``.
    """
    rng = _rng(rng_or_seed)
    procedure = next((p for p in PROCEDURES if p.ma_tthc == ma_tthc), None) or rng.choice(
        PROCEDURES
    )
    filed = filed_on or _FILED_FROM + timedelta(days=rng.randrange(_FILED_DAYS))
    while filed.weekday() >= 5 and filed_on is None:
        filed += timedelta(days=1)
    number = seq if seq is not None else rng.randint(1, 9999)
    ma_ho_so = f"{AGENCY_CODE}-{filed:%y%m%d}-{number:04d}"

    address, commune = _address(rng)
    burial = procedure.ma_tthc.startswith("1.001731")
    group = "adult" if burial else rng.choice(("elderly", "elderly", "child", "adult"))
    chu_ho_so = sample_party(rng, group=group, address=address, with_phone=group != "child")
    nguoi_nop = None
    if group == "child":
        # A child's application is filed by a parent or guardian, whose phone is the contact.
        nguoi_nop = sample_party(rng, group="adult", address=address)
        chu_ho_so = chu_ho_so.model_copy(update={"so_dien_thoai": nguoi_nop.so_dien_thoai})

    kenh = Channel.TRUC_TUYEN if status is Status.MOI_DANG_KY else rng.choice(list(Channel))
    ngay_nop = _at(filed, rng, 7, 11)
    don_vi = f"Ủy ban nhân dân {commune.name.replace('Phường', 'phường').replace('Xã', 'xã')}"
    received = status not in (Status.MOI_DANG_KY, Status.KHONG_DUOC_TIEP_NHAN)
    ngay_tiep_nhan = ngay_nop + timedelta(minutes=rng.randint(5, 240)) if received else None
    due = _working_days_after(filed, procedure.working_days)
    ngay_hen_tra = datetime.combine(due, time(16, 30), VN_TZ) if received else None

    # Draw every later-stage field whatever the status, so that one seed gives the same
    # dossier at every status (sample_lifecycle relies on it).
    delivery = rng.choice(list(DeliveryMethod))
    step = _progress_step(rng, ngay_tiep_nhan or ngay_nop, ngay_hen_tra, don_vi)
    signed = _working_days_after(filed, max(1, procedure.working_days - rng.randint(1, 2)))
    finished = _at(signed, rng, 7, 9)
    result = Result(
        so=f"{rng.randint(100, 2999)}/QĐ-UBND",
        ngay_ky=signed,
        loai_giay_to="Quyết định",
        co_quan_cap=don_vi,
        trich_yeu=f"Quyết định về việc {procedure.ten[0].lower()}{procedure.ten[1:]}",
        files=[sample_attachment(ma_ho_so, "Quyết định", 1, kind="kq", with_content=True)],
    )
    returned = _at(signed, rng, 9, 16) + timedelta(days=rng.randint(1, 3))

    steps = [step] if received and status >= Status.DANG_XU_LY else []
    ket_qua = None
    ngay_tra = None
    if status in (Status.DA_XU_LY_XONG, Status.DA_TRA_KET_QUA):
        steps = [step.model_copy(update={"ket_thuc": finished})]
        ket_qua = result
        ngay_tra = returned if status is Status.DA_TRA_KET_QUA else None
    return Dossier(
        ma_ho_so=ma_ho_so,
        ma_tthc=procedure.ma_tthc,
        ten_tthc=procedure.ten,
        ten_linh_vuc="Bảo trợ xã hội",
        kenh=kenh,
        origin=origin,
        origin_system="molisa" if origin is Origin.MINISTRY else None,
        don_vi_xu_ly=don_vi,
        chu_ho_so=chu_ho_so,
        nguoi_nop=nguoi_nop,
        trich_yeu=f"{procedure.ten} - {chu_ho_so.ho_ten}",
        ngay_nop=ngay_nop,
        ngay_tiep_nhan=ngay_tiep_nhan,
        ngay_hen_tra=ngay_hen_tra,
        ngay_tra=ngay_tra,
        trang_thai=status,
        buoc_hien_tai=steps[-1].buoc if steps else None,
        qua_trinh=steps,
        thanh_phan=[
            sample_attachment(ma_ho_so, name, i) for i, name in enumerate(procedure.components, 1)
        ],
        nhan_ket_qua=ResultDelivery(
            method=delivery, dia_chi=address if delivery is DeliveryMethod.BUU_CHINH else None
        ),
        ket_qua=ket_qua,
    )


def _progress_step(
    rng: random.Random, start: datetime, due: datetime | None, don_vi: str
) -> ProcessStep:
    return ProcessStep(
        buoc="Thẩm định hồ sơ",
        trang_thai=Status.DANG_XU_LY,
        nguoi_xu_ly=rng.choice(_OFFICIALS),
        chuc_danh="Công chức Văn hóa - Xã hội",
        phong_ban=don_vi,
        noi_dung="Kiểm tra, xác minh điều kiện hưởng; trình Chủ tịch UBND xem xét quyết định",
        bat_dau=start + timedelta(minutes=rng.randint(30, 120)),  # handed on the same day
        han_xu_ly=due,
    )


_EVENT_STATUS = {
    EventType.CREATED: Status.MOI_DANG_KY,
    EventType.RECEIVED: Status.DUOC_TIEP_NHAN,
    EventType.PROGRESS: Status.DANG_XU_LY,
    EventType.RESULT: Status.DA_XU_LY_XONG,
    EventType.RETURNED: Status.DA_TRA_KET_QUA,
}


def sample_event(dossier: Dossier, type: EventType, *, seq: int) -> DossierEvent:
    """An event of ``type`` about ``dossier`` (its snapshot), the ``seq``-th of that dossier.

    ``occurred_at`` is the moment the snapshot's state was reached; the id is unique
    per (dossier, seq).
    """
    if type is EventType.RETURNED and dossier.ngay_tra is not None:
        at = dossier.ngay_tra
    elif type is EventType.RESULT and dossier.qua_trinh and dossier.qua_trinh[-1].ket_thuc:
        at = dossier.qua_trinh[-1].ket_thuc
    elif type is EventType.PROGRESS and dossier.qua_trinh:
        at = dossier.qua_trinh[-1].bat_dau
    else:
        at = dossier.ngay_tiep_nhan or dossier.ngay_nop
    return DossierEvent(
        id=f"evt-{dossier.ma_ho_so}-{seq:03d}",
        type=type,
        occurred_at=at,
        ma_ho_so=dossier.ma_ho_so,
        sequence=seq,
        snapshot=dossier,
    )


_LIFECYCLE = (EventType.RECEIVED, EventType.PROGRESS, EventType.RESULT, EventType.RETURNED)


def sample_lifecycle(seed: int | str, *, seq: int | None = None) -> list[DossierEvent]:
    """The events of one dossier: received (2), processing (4), processed (9), returned (10).

    Each snapshot is the same dossier further along: the same party, dates and
    attachments, the process step added at (4), the result at (9), ``ngay_tra`` at (10).
    """
    events = []
    for n, type_ in enumerate(_LIFECYCLE, 1):
        # The same seed draws the same dossier; only the fields of later statuses are added.
        dossier = sample_dossier(random.Random(seed), status=_EVENT_STATUS[type_], seq=seq)
        events.append(sample_event(dossier, type_, seq=n))
    return events


def sample_batch(n: int, seed: int | str = 0) -> list[list[DossierEvent]]:
    """``n`` lifecycles with distinct mã hồ sơ (NNNN = 1..n), deterministic per ``seed``."""
    return [sample_lifecycle(f"{seed}:{i}", seq=i) for i in range(1, n + 1)]
