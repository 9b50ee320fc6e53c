"""Sample construction-permit and planning-information dossiers (the demo, tests).

Built on the hub's sample dossiers (``hub.sdk.sample_lifecycle``): the same party,
dates and files, turned into a procedure of the construction catalog
(``hub/data/catalog/xay_dung.json``) with ngày hẹn trả from the catalog and the
working-day calendar. A permit dossier's lifecycle is received, processing,
processed (with the permit), ``dossier.permit_recorded``, returned.

They live in the connector package, which imports the hub from ``hub.sdk`` only, so
that ``tthc-hub demo`` (connectors/xaydung/demo.py) runs from ``pip install .`` and the
tests draw the same dossiers.
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import timedelta
from typing import Any

from hub.sdk import (
    Dossier,
    DossierEvent,
    EventType,
    Result,
    deadline_plan,
    load_catalog,
    sample_lifecycle,
)

__all__ = [
    "CAPPHEP_CODES",
    "QUYHOACH_CODES",
    "construction_lifecycle",
    "corrected_permit",
    "permit_file",
    "sample_permit",
    "without_permit_field",
]

#: Where the sample party lives when its address names no unit (Quảng Ngãi, Phường Kon Tum).
_PROVINCE, _COMMUNE = "51", "23293"

#: nhà ở riêng lẻ (15 days), công trình (20 days).
CAPPHEP_CODES = ("1.009999", "1.009994")
QUYHOACH_CODES = ("1.008432",)
#: step, office, content, per system.
_STEPS = {
    "capphep": (
        "Thẩm định hồ sơ, kiểm tra thực địa",
        "Phòng Kinh tế - Hạ tầng và Đô thị",
        "Đối chiếu quy hoạch, kiểm tra hiện trạng khu đất; dự thảo giấy phép trình ký",
    ),
    "quyhoach": (
        "Tra cứu, lập văn bản cung cấp thông tin quy hoạch",
        "Phòng Kinh tế",
        "Tra cứu đồ án quy hoạch được duyệt; dự thảo văn bản cung cấp thông tin",
    ),
}


def permit_file(so_giay_phep: str, version: int = 1) -> bytes:
    """The bytes of a sample signed permit (a small PDF-looking document)."""
    digest = hashlib.sha256(f"{so_giay_phep}:{version}".encode()).hexdigest()
    return (
        b"%PDF-1.4\n% giay phep xay dung (sample, signed)\n"
        + f"% {so_giay_phep} v{version}\n{digest * 4}\n%%EOF\n".encode()
    )


def sample_permit(dossier: Dossier, rng: random.Random, *, version: int = 1) -> dict[str, Any]:
    """``extra["giay_phep"]`` for ``dossier``: every field, the file inline with its hash."""
    house = dossier.ma_tthc.startswith(CAPPHEP_CODES[0])
    floors = rng.randint(2, 5) if house else rng.randint(4, 12)
    area = round(rng.uniform(60, 180) if house else rng.uniform(400, 2500), 1)
    so = f"{rng.randint(10, 999)}/GPXD"
    issued = (dossier.ngay_hen_tra or dossier.ngay_nop).date() - timedelta(days=1)
    content = permit_file(so, version)
    address = dossier.chu_ho_so.dia_chi
    return {
        "so_giay_phep": so,
        "ngay_cap": issued.isoformat(),
        "co_quan_cap": dossier.don_vi_xu_ly or "Sở Xây dựng",
        "loai_cong_trinh": "dan_dung",
        "cap_cong_trinh": "III" if house else "II",
        "dia_diem": {
            "ma_tinh": (address.ma_tinh if address and address.ma_tinh else _PROVINCE),
            "ma_xa": (address.ma_xa if address and address.ma_xa else _COMMUNE),
            "chi_tiet": f"Thửa đất số {rng.randint(10, 400)}, tờ bản đồ số {rng.randint(1, 60)}",
        },
        "dien_tich_xay_dung": area,
        "tong_dien_tich_san": round(area * floors, 1),
        "chieu_cao": round(3.6 * floors + 1.2, 1),
        "so_tang": floors,
        "chu_dau_tu": {
            "ho_ten": dossier.chu_ho_so.ho_ten,
            "so_giay_to": dossier.chu_ho_so.so_giay_to,
        },
        "thoi_han_khoi_cong": (issued + timedelta(days=365)).isoformat(),
        "tep": {
            "ten_tep": "giay-phep-xay-dung.pdf",
            "sha256": hashlib.sha256(content).hexdigest(),
            "noi_dung": base64.b64encode(content).decode(),
        },
    }


def construction_lifecycle(
    seed: int | str, system: str = "capphep", *, seq: int | None = None
) -> list[DossierEvent]:
    """The events of one construction (``capphep``) or planning (``quyhoach``) dossier;
    ``seq`` is the NNNN of its mã hồ sơ (default: drawn)."""
    rng = random.Random(f"xaydung:{system}:{seed}")
    codes = CAPPHEP_CODES if system == "capphep" else QUYHOACH_CODES
    procedure = load_catalog().get(rng.choice(codes))
    assert procedure is not None, "the construction catalog is shipped with the hub"
    base = sample_lifecycle(f"xaydung:{seed}", seq=seq)
    first = base[0].snapshot
    assert first.ngay_tiep_nhan is not None
    hen_tra = deadline_plan(procedure, first.ngay_tiep_nhan).ngay_hen_tra
    buoc, phong_ban, noi_dung = _STEPS[system]
    permit: dict[str, Any] | None = None
    out: list[DossierEvent] = []
    for event in base:
        dossier = event.snapshot
        steps = [
            s.model_copy(
                update={
                    "buoc": buoc,
                    "phong_ban": phong_ban,
                    "noi_dung": noi_dung,
                    "han_xu_ly": hen_tra,
                }
            )
            for s in dossier.qua_trinh
        ]
        update: dict[str, Any] = {
            "ma_tthc": procedure.ma_tthc,
            "ten_tthc": procedure.ten,
            "ten_linh_vuc": procedure.linh_vuc,
            "ngay_hen_tra": hen_tra,
            "qua_trinh": steps,
            "trich_yeu": procedure.ten,
        }
        if system == "capphep" and dossier.ket_qua is not None:
            interim = dossier.model_copy(update=update)
            permit = permit or sample_permit(interim, rng)
            update["extra"] = {"giay_phep": permit}
            update["ket_qua"] = _permit_result(dossier.ket_qua, permit)
        out.append(event.model_copy(update={"snapshot": dossier.model_copy(update=update)}))
        if event.type is EventType.RESULT and permit is not None:
            # Staff record the permit at "Chờ trả kết quả", as the result is signed.
            out.append(out[-1].model_copy(update={"type": EventType.PERMIT_RECORDED}))
    # Numbered again: the n-th event of the dossier is evt-<mã hồ sơ>-00n, sequence n.
    return [
        e.model_copy(update={"id": f"evt-{e.ma_ho_so}-{n:03d}", "sequence": n})
        for n, e in enumerate(out, 1)
    ]


def _permit_result(result: Result, permit: dict[str, Any]) -> Result:
    """The result document is the permit: its number, date, issuer and file."""
    content = base64.b64decode(permit["tep"]["noi_dung"])
    files = [
        result.files[0].model_copy(
            update={
                "ten_thanh_phan": "Giấy phép xây dựng",
                "sha256": permit["tep"]["sha256"],
                "size": len(content),
                "ten_tep": permit["tep"]["ten_tep"],
                "noi_dung": permit["tep"]["noi_dung"],  # the same file, with its content
            }
        )
    ]
    return result.model_copy(
        update={
            "so": permit["so_giay_phep"],
            "loai_giay_to": "Giấy phép xây dựng",
            "co_quan_cap": permit["co_quan_cap"],
            "trich_yeu": "Giấy phép xây dựng",
            "files": files,
        }
    )


def corrected_permit(event: DossierEvent, so_tang: int) -> DossierEvent:
    """Staff correct the permit of ``event``'s dossier (số tầng) and attach the re-signed
    file: the permit is recorded again (``dossier.permit_recorded``), an update at the
    ministry, not a second permit."""
    snapshot = event.snapshot
    permit = dict(snapshot.extra["giay_phep"])
    content = permit_file(permit["so_giay_phep"], version=2)
    permit["so_tang"] = so_tang
    permit["tep"] = {
        "ten_tep": "giay-phep-xay-dung-dieu-chinh.pdf",
        "sha256": hashlib.sha256(content).hexdigest(),
        "noi_dung": base64.b64encode(content).decode(),
    }
    extra = {**snapshot.extra, "giay_phep": permit}
    return event.model_copy(
        update={
            "id": f"{event.id}-sua",
            "type": EventType.PERMIT_RECORDED,
            "sequence": None,
            "snapshot": snapshot.model_copy(update={"extra": extra}),
        }
    )


def without_permit_field(event: DossierEvent, field: str) -> DossierEvent:
    """``event`` with its permit lacking ``field`` (a top-level key of ``giay_phep``);
    an event without a permit is returned as it is."""
    extra = event.snapshot.extra
    if "giay_phep" not in extra:
        return event
    permit = {k: v for k, v in extra["giay_phep"].items() if k != field}
    snapshot = event.snapshot.model_copy(update={"extra": {**extra, "giay_phep": permit}})
    return event.model_copy(update={"snapshot": snapshot})
