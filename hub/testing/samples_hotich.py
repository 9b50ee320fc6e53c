"""Realistic, deterministic civil-status samples: births, deaths, marriages (Kon Tum).

Like :mod:`hub.testing.samples` (whose people, communes and files they reuse),
everything is drawn from a seeded :class:`random.Random`. A dossier's
type-specific detail is in ``extra["ho_tich"]`` in the shape the hộ tịch
connector documents (``connectors/hotich/mapping.py``):

* birth (``LTKS``, mã TTHC 1.001193): the child (``nguoi_duoc_khai_sinh``), mother,
  father, requester (a parent, who is also chủ hồ sơ);
* death (``LTKT``, 1.000656): the deceased (``nguoi_chet``), the death notice
  (``giay_bao_tu``), the requester (a relative, chủ hồ sơ);
* marriage (``LTKH``, 1.000894): both spouses (``chong``, ``vo``); the husband is chủ hồ sơ.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.models import Dossier, DossierEvent, EventType, Party, ProcessStep, Status
from hub.testing.samples import (
    AGENCY_CODE,
    COMMUNES,
    VN_TZ,
    sample_attachment,
    sample_name,
    sample_party,
    working_days_after,
)

__all__ = [
    "HO_TICH_PROCEDURES",
    "sample_ho_tich_batch",
    "sample_ho_tich_dossier",
    "sample_ho_tich_extra",
    "sample_ho_tich_lifecycle",
]

#: module -> (national mã TTHC, name, components)
HO_TICH_PROCEDURES = {
    "LTKS": ("1.001193", "Thủ tục đăng ký khai sinh",
             ("Tờ khai đăng ký khai sinh", "Giấy chứng sinh")),
    "LTKT": ("1.000656", "Thủ tục đăng ký khai tử",
             ("Tờ khai đăng ký khai tử", "Giấy báo tử")),
    "LTKH": ("1.000894", "Thủ tục đăng ký kết hôn",
             ("Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân")),
}  # fmt: skip
_FILED_FROM = date(2025, 9, 1)
_HOSPITALS = (
    "Bệnh viện Đa khoa tỉnh Kon Tum",
    "Trung tâm Y tế huyện Đăk Hà",
    "Trung tâm Y tế huyện Đăk Tô",
    "Trạm Y tế xã Măng Đen",
)
_CAUSES = ("Bệnh già", "Bệnh lý tim mạch", "Tai biến mạch máu não", "Ung thư phổi")
#: Civil-status officers (công chức tư pháp - hộ tịch) and signers of the samples.
_OFFICERS = ("Y Thị Hằng", "A Khang", "Trần Thị Mỹ Dung")
_SIGNERS = ("Nguyễn Văn Thành", "A Tuấn", "Lê Thị Thu")


def _person(party: Party, **more: Any) -> dict[str, Any]:
    """A party as a hộ tịch Person (JSON-ready)."""
    out: dict[str, Any] = {
        "ho_ten": party.ho_ten,
        "gioi_tinh": party.gioi_tinh,
        "ngay_sinh": party.ngay_sinh.isoformat() if party.ngay_sinh else None,
        "so_giay_to": party.so_giay_to,
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "noi_cu_tru": party.dia_chi.chi_tiet if party.dia_chi else None,
    }
    out.update(more)
    return {k: v for k, v in out.items() if v is not None}


def _officer(rng: random.Random, commune_name: str, filed: date) -> dict[str, Any]:
    """The receiving officer's part ("phần thông tin điền của cán bộ tiếp nhận")."""
    unit = commune_name.replace("Phường", "phường").replace("Xã", "xã")
    return {
        "noi_dang_ky": f"Ủy ban nhân dân {unit}, tỉnh Quảng Ngãi",
        "loai_dang_ky": 1,
        "nguoi_thuc_hien": rng.choice(_OFFICERS),
        "nguoi_ky": rng.choice(_SIGNERS),
        "chuc_vu_nguoi_ky": "Phó Chủ tịch Ủy ban nhân dân",
        "ngay_dang_ky": filed.isoformat(),
    }


def sample_ho_tich_extra(
    rng: random.Random, module: str, filed: date
) -> tuple[dict[str, Any], Party]:
    """(``extra["ho_tich"]``, chủ hồ sơ) of one civil-status dossier filed on ``filed``."""
    commune = rng.choice(COMMUNES)
    extra, owner = _detail(rng, module, filed, commune)
    return {**extra, "can_bo_tiep_nhan": _officer(rng, commune.name, filed)}, owner


def _detail(
    rng: random.Random, module: str, filed: date, commune: Any
) -> tuple[dict[str, Any], Party]:
    if module == "LTKS":
        mother = sample_party(rng, group="adult", gender=2)
        father = sample_party(rng, group="adult", gender=1, address=mother.dia_chi)
        gender = rng.choice((1, 2))
        born = filed - timedelta(days=rng.randint(3, 55))
        family = father.ho_ten.split()[0]
        given = sample_name(rng, gender).split(maxsplit=1)[1]
        child = {
            "ho_ten": f"{family} {given}",
            "gioi_tinh": gender,
            "ngay_sinh": born.isoformat(),
            "noi_sinh": rng.choice(_HOSPITALS),
            "dan_toc": "Kinh",
            "quoc_tich": "Việt Nam",
            "que_quan": f"{commune.name}, tỉnh Quảng Ngãi",
        }
        requester = rng.choice((father, mother))
        quan_he = "Cha" if requester is father else "Mẹ"
        return {
            "module": "LTKS",
            "nguoi_duoc_khai_sinh": child,
            "me": _person(mother),
            "cha": _person(father),
            "nguoi_yeu_cau": _person(requester, quan_he=quan_he),
        }, requester
    if module == "LTKT":
        deceased = sample_party(rng, group="elderly", with_phone=False)
        died = filed - timedelta(days=rng.randint(1, 14))
        requester = sample_party(rng, group="adult", address=deceased.dia_chi)
        return {
            "module": "LTKT",
            "nguoi_chet": _person(
                deceased,
                ngay_chet=died.isoformat(),
                gio_chet=f"{rng.randint(0, 23):02d}:{rng.randrange(60):02d}",
                noi_chet=rng.choice((*_HOSPITALS, "Tại nhà riêng")),
                nguyen_nhan=rng.choice(_CAUSES),
            ),
            "giay_bao_tu": {
                "so": f"{rng.randint(10, 999)}/GBT",
                "ngay_cap": (died + timedelta(days=1)).isoformat(),
                "co_quan_cap": rng.choice(_HOSPITALS),
            },
            "nguoi_yeu_cau": _person(requester, quan_he=rng.choice(("Con", "Vợ", "Chồng"))),
        }, requester
    husband = sample_party(rng, group="adult", gender=1)
    wife = sample_party(rng, group="adult", gender=2)
    return {"module": "LTKH", "chong": _person(husband), "vo": _person(wife)}, husband


def sample_ho_tich_dossier(
    rng_or_seed: random.Random | int | str,
    module: str,
    *,
    status: Status = Status.DUOC_TIEP_NHAN,
    seq: int | None = None,
) -> Dossier:
    """One civil-status dossier of ``module`` (LTKS, LTKT, LTKH) in ``status``."""
    rng = rng_or_seed if isinstance(rng_or_seed, random.Random) else random.Random(rng_or_seed)
    ma_tthc, ten, components = HO_TICH_PROCEDURES[module]
    filed = _FILED_FROM + timedelta(days=rng.randrange(60))
    while filed.weekday() >= 5:
        filed += timedelta(days=1)
    number = seq if seq is not None else rng.randint(1, 9999)
    ma_ho_so = f"{AGENCY_CODE}-{filed:%y%m%d}-{number:04d}"
    ho_tich, owner = sample_ho_tich_extra(rng, module, filed)
    ngay_nop = datetime.combine(filed, time(7, rng.randrange(60)), VN_TZ)
    ngay_tiep_nhan = ngay_nop + timedelta(minutes=rng.randint(10, 120))
    step = ProcessStep(
        buoc="Chuyển hệ thống hộ tịch xử lý",
        trang_thai=Status.DANG_XU_LY,
        nguoi_xu_ly="Y Thị Hằng",
        chuc_danh="Công chức Tư pháp - Hộ tịch",
        bat_dau=ngay_tiep_nhan + timedelta(minutes=5),
    )
    return Dossier(
        ma_ho_so=ma_ho_so,
        ma_tthc=ma_tthc,
        ten_tthc=ten,
        ten_linh_vuc="Hộ tịch",
        chu_ho_so=owner,
        trich_yeu=ten,
        ngay_nop=ngay_nop,
        ngay_tiep_nhan=ngay_tiep_nhan,
        # The catalog's time limit: 1 working day (hub/data/catalog/ho_tich.json).
        ngay_hen_tra=datetime.combine(working_days_after(filed, 1), time(16, 30), VN_TZ),
        trang_thai=status,
        buoc_hien_tai=step.buoc if status >= Status.DANG_XU_LY else None,
        qua_trinh=[step] if status >= Status.DANG_XU_LY else [],
        thanh_phan=[sample_attachment(ma_ho_so, c, i) for i, c in enumerate(components, 1)],
        extra={"ho_tich": ho_tich},
    )


def sample_ho_tich_lifecycle(
    seed: int | str, *, module: str | None = None, seq: int | None = None
) -> list[DossierEvent]:
    """Received at the province (2), then handed to the hộ tịch system (4, processing)."""
    module = module or ("LTKS", "LTKT", "LTKH")[random.Random(f"module:{seed}").randrange(3)]
    events = []
    for n, (type_, status) in enumerate(
        (
            (EventType.RECEIVED, Status.DUOC_TIEP_NHAN),
            (EventType.STATUS_CHANGED, Status.DANG_XU_LY),
        ),
        1,
    ):
        dossier = sample_ho_tich_dossier(random.Random(seed), module, status=status, seq=seq)
        at = dossier.qua_trinh[-1].bat_dau if dossier.qua_trinh else dossier.ngay_tiep_nhan
        assert at is not None
        events.append(
            DossierEvent(
                id=f"evt-{dossier.ma_ho_so}-{n:03d}",
                type=type_,
                occurred_at=at,
                ma_ho_so=dossier.ma_ho_so,
                sequence=n,
                snapshot=dossier,
            )
        )
    return events


def sample_ho_tich_batch(n: int, seed: int | str = 0) -> list[DossierEvent]:
    """``n`` reception events, births, deaths and marriages in turn, distinct mã hồ sơ."""
    return [
        sample_ho_tich_lifecycle(f"{seed}:{i}", module=("LTKS", "LTKT", "LTKH")[i % 3], seq=i + 1)[
            0
        ]
        for i in range(n)
    ]
