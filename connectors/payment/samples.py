"""Sample dossiers owing fees: the conformance suite's lifecycle and the demo's data."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hub.sdk import DossierEvent, EventType, Fee, ProcessStep, Status, sample_dossier

from .mapping import BUOC_NGHIA_VU

__all__ = ["FEES", "owing_event"]

#: Fees of the sample procedures (phí thẩm định, lệ phí cấp giấy), VND.
FEES = (
    ("PHI-TD", "Phí thẩm định hồ sơ", 150_000),
    ("LP-CAP", "Lệ phí cấp giấy chứng nhận", 50_000),
    ("PHI-SAO", "Phí sao lục", 20_000),
)


def owing_event(
    seed: int, *, at: datetime | None = None, fee_count: int = 2, ma_tthc: str | None = None
) -> DossierEvent:
    """A status-6 event ("Yêu cầu thực hiện nghĩa vụ tài chính") of a received dossier
    that owes ``fee_count`` fees; the request is at ``at`` (default: an hour after
    reception). ``ma_tthc`` replaces the sample procedure's code."""
    rng = random.Random(f"payment:{seed}")
    base = sample_dossier(rng, status=Status.DANG_XU_LY)
    asked = at or (base.ngay_tiep_nhan or base.ngay_nop) + timedelta(hours=1)
    step = ProcessStep(buoc=BUOC_NGHIA_VU, trang_thai=Status.YEU_CAU_NGHIA_VU_TAI_CHINH,
                       noi_dung="Đề nghị nộp phí, lệ phí", bat_dau=asked)  # fmt: skip
    fees = [Fee(ma=ma, ten=ten, so_tien=so_tien) for ma, ten, so_tien in FEES[:fee_count]]
    snapshot = base.model_copy(
        update={
            "trang_thai": Status.YEU_CAU_NGHIA_VU_TAI_CHINH,
            "le_phi": fees,
            "qua_trinh": [*base.qua_trinh, step],
            "buoc_hien_tai": BUOC_NGHIA_VU,
            **({"ma_tthc": ma_tthc} if ma_tthc else {}),
        }
    )
    return DossierEvent(
        id=f"pay-{seed}-{base.ma_ho_so}",
        type=EventType.STATUS_CHANGED,
        occurred_at=asked,
        ma_ho_so=base.ma_ho_so,
        snapshot=snapshot,
    )
