"""Dossiers that go by post, for the demo and the conformance suite: filed by post (the
paper dossier is collected from the citizen) and answered by post (the result is
delivered, COD for the fees still owed)."""

from __future__ import annotations

import random
from datetime import timedelta

from hub.sdk import (
    Channel,
    DeliveryMethod,
    Dossier,
    DossierEvent,
    EventType,
    Fee,
    ResultDelivery,
    Status,
    sample_dossier,
)

__all__ = ["postal_lifecycle", "result_by_post"]

FEE = 50_000  # VND, lệ phí a few procedures charge at the return


def result_by_post(dossier: Dossier, *, owed: int = 0) -> Dossier:
    """``dossier`` with its result to be delivered to the owner's address by post."""
    fees = [Fee(ma="LP", ten="Lệ phí cấp giấy", so_tien=owed)] if owed else []
    delivery = ResultDelivery(method=DeliveryMethod.BUU_CHINH, dia_chi=dossier.chu_ho_so.dia_chi)
    return dossier.model_copy(update={"nhan_ket_qua": delivery, "le_phi": fees})


def _event(dossier: Dossier, type_: EventType, n: int) -> DossierEvent:
    when = dossier.ngay_tiep_nhan or dossier.ngay_nop
    if dossier.ket_qua is not None and dossier.qua_trinh:
        when = dossier.qua_trinh[-1].ket_thuc or dossier.qua_trinh[-1].bat_dau
    return DossierEvent(
        id=f"bcci-{dossier.ma_ho_so}-{n}",
        type=type_,
        occurred_at=when + timedelta(minutes=n),
        ma_ho_so=dossier.ma_ho_so,
        snapshot=dossier,
    )


def postal_lifecycle(seed: int | str, *, seq: int | None = None) -> list[DossierEvent]:
    """Filed by post (1: a pickup), received and processed (2, 4: nothing for VNPost),
    processed with the result to be sent by post (9: a delivery, COD for about half)."""
    owed = FEE if random.Random(f"owed:{seed}").random() < 0.5 else 0

    def at(status: Status) -> Dossier:
        return sample_dossier(random.Random(seed), status=status, seq=seq)

    filed = at(Status.MOI_DANG_KY).model_copy(update={"kenh": Channel.BUU_CHINH})
    received = at(Status.DUOC_TIEP_NHAN).model_copy(update={"kenh": Channel.BUU_CHINH})
    progress = at(Status.DANG_XU_LY).model_copy(update={"kenh": Channel.BUU_CHINH})
    done = result_by_post(at(Status.DA_XU_LY_XONG), owed=owed)
    done = done.model_copy(update={"kenh": Channel.BUU_CHINH})
    return [
        _event(filed, EventType.CREATED, 1),
        _event(received, EventType.RECEIVED, 2),
        _event(progress, EventType.PROGRESS, 3),
        _event(done, EventType.RESULT, 4),
    ]
