"""The hub's dossiers to VNPost orders, and VNPost's tracking rows to tracked events:
pure functions.

Two directions (OrderType): ``PICKUP`` collects the citizen's paper dossier and brings
it to the office (the citizen filed by post, kênh bưu chính); ``DELIVERY`` takes the
result to the address the citizen gave (HinhThuc = 1, nhận kết quả qua bưu chính),
with COD for the fees still owed. OrderNumber is the mã hồ sơ in both.

Addresses: since 1 July 2025 there are no districts. ``SenderProvince`` /
``ReceiverProvince`` carry the 2-digit province code and ``SenderDistrict`` /
``ReceiverDistrict`` carry the 5-digit **commune** code of the two-tier list (the only
lower unit that exists now); both are checked against ``vietnam-provinces`` before
anything is sent (contract/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.sdk import (
    Address,
    Channel,
    DeliveryMethod,
    Dossier,
    MappingError,
    Party,
    Status,
    TrackedEvent,
    mask_text,
)

from . import messages as M
from .settings import BcciSettings

__all__ = [
    "DELIVERY",
    "PICKUP",
    "STATES",
    "State",
    "cod_amount",
    "delivery_order",
    "pickup_order",
    "tracked_event",
]

SYSTEM = "bcci"
PICKUP = "pickup"
DELIVERY = "delivery"
ORDER_TYPE = {PICKUP: "PICKUP", DELIVERY: "DELIVERY"}
DIRECTION_OF = {v: k for k, v in ORDER_TYPE.items()}
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


@dataclass(frozen=True, slots=True)
class State:
    """A VNPost status code: the province update kind and its labels."""

    kind: str
    vi: str
    en: str


#: VNPost StatusCode -> state. 1-4 are the pickup states seen (0 is not used); the
#: delivery states 10-14 are designed in the same style (contract/README.md).
STATES: dict[str, State] = {
    "1": State("registered", "Đã đăng ký thu gom", "pickup registered"),
    "2": State("collected", "Đã thu gom hồ sơ từ công dân", "collected from the citizen"),
    "3": State("handed_over", "Đã giao hồ sơ cho cơ quan", "handed to the office"),
    "4": State("cancelled", "Đã hủy", "cancelled"),
    "10": State("accepted", "Bưu cục đã nhận kết quả", "accepted at the post office"),
    "11": State("out_for_delivery", "Đang phát", "out for delivery"),
    "12": State("delivered", "Đã phát thành công", "delivered"),
    "13": State("delivery_failed", "Phát không thành công", "delivery attempt failed"),
    "14": State("returned", "Đã chuyển hoàn", "returned to sender"),
}
DELIVERED = "12"
FAILED = "13"
RETURNED = "14"
_ATTEMPT = re.compile(r"(\d+)\s*/\s*(\d+)")


def _last_attempt(notes: Any) -> bool:
    """VNPost's note on a failed attempt says which of how many ("Lần phát 3/3")."""
    found = _ATTEMPT.search(str(notes or ""))
    return found is not None and int(found[1]) >= int(found[2]) > 0


def _check_units(province: str | None, commune: str | None, field: str) -> tuple[str, str]:
    """The province and commune codes, checked against the post-2025 list."""
    from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

    if not province or not commune:
        raise MappingError(M.UNITS_REQUIRED(), field=field, system=SYSTEM)
    try:
        Province.from_code(ProvinceCode(int(province)))
        ward = Ward.from_code(WardCode(int(commune)))
    except (ValueError, KeyError):
        raise MappingError(
            M.UNKNOWN_UNIT(province=province, commune=commune),
            field=field,
            system=SYSTEM,
        ) from None
    if int(ward.province_code) != int(province):
        raise MappingError(
            M.UNIT_ELSEWHERE(commune=commune, province=province),
            field=field,
            system=SYSTEM,
        )
    return f"{int(province):02d}", f"{int(commune):05d}"


def _contact(dossier: Dossier) -> tuple[Party, str]:
    """The citizen VNPost deals with: the submitter when there is one, else the owner."""
    party = dossier.nguoi_nop or dossier.chu_ho_so
    where = "nguoi_nop" if dossier.nguoi_nop else "chu_ho_so"
    tel = party.so_dien_thoai or dossier.chu_ho_so.so_dien_thoai
    if not tel:
        raise MappingError(M.PHONE_REQUIRED(), field=f"{where}.so_dien_thoai", system=SYSTEM)
    return party, tel


def _place(address: Address | None, field: str) -> tuple[str, str, str]:
    if address is None or not address.chi_tiet:
        raise MappingError(M.STREET_REQUIRED(), field=field, system=SYSTEM)
    province, commune = _check_units(address.ma_tinh, address.ma_xa, field)
    return address.chi_tiet, province, commune


def _office(settings: BcciSettings) -> dict[str, str]:
    province, commune = _check_units(
        settings.office_province, settings.office_commune, "connectors.bcci.office_commune"
    )
    return {
        "Name": settings.office_name,
        "Address": settings.office_address,
        "Tel": settings.office_tel,
        "Province": province,
        "District": commune,
    }


def _order(
    kind: str, dossier: Dossier, settings: BcciSettings, citizen: dict[str, str], cod: int
) -> dict[str, Any]:
    office = _office(settings)
    sender, receiver = (citizen, office) if kind == PICKUP else (office, citizen)
    what = "Thu gom hồ sơ" if kind == PICKUP else "Phát kết quả"
    description = f"{what} {dossier.ma_ho_so}: {dossier.ten_tthc or dossier.ma_tthc}"
    return {
        "CustomerCode": settings.customer_code,
        "OrderNumber": dossier.ma_ho_so,
        "OrderType": ORDER_TYPE[kind],
        "CODAmount": cod,
        **{f"Sender{k}": v for k, v in sender.items()},
        **{f"Receiver{k}": v for k, v in receiver.items()},
        "Description": description[:500],
    }


def pickup_order(dossier: Dossier, settings: BcciSettings) -> dict[str, Any]:
    """The order that collects the citizen's dossier (filed by post) for the office."""
    party, tel = _contact(dossier)
    where = "nguoi_nop" if dossier.nguoi_nop else "chu_ho_so"
    address = party.dia_chi or dossier.chu_ho_so.dia_chi
    detail, province, commune = _place(address, f"{where}.dia_chi")
    citizen = {
        "Name": party.ho_ten,
        "Address": detail,
        "Tel": tel,
        "Province": province,
        "District": commune,
    }
    return _order(PICKUP, dossier, settings, citizen, 0)


def cod_amount(dossier: Dossier) -> int:
    """The fees still owed, collected on delivery (VND)."""
    return int(sum(fee.so_tien for fee in dossier.le_phi if not fee.da_thanh_toan))


def delivery_order(dossier: Dossier, settings: BcciSettings) -> dict[str, Any]:
    """The order that takes the result to the address the citizen chose."""
    if dossier.nhan_ket_qua.method is not DeliveryMethod.BUU_CHINH:
        raise MappingError(M.NOT_BY_POST(), field="nhan_ket_qua.method", system=SYSTEM)
    party, tel = _contact(dossier)
    detail, province, commune = _place(dossier.nhan_ket_qua.dia_chi, "nhan_ket_qua.dia_chi")
    citizen = {
        "Name": party.ho_ten,
        "Address": detail,
        "Tel": tel,
        "Province": province,
        "District": commune,
    }
    return _order(DELIVERY, dossier, settings, citizen, cod_amount(dossier))


def wants_pickup(dossier: Dossier) -> bool:
    """Filed by post and not received yet: the dossier is to be collected."""
    return dossier.kenh is Channel.BUU_CHINH and dossier.trang_thai == Status.MOI_DANG_KY


def wants_delivery(dossier: Dossier) -> bool:
    """Processed, with the result to be sent by post."""
    return (
        dossier.trang_thai == Status.DA_XU_LY_XONG
        and dossier.nhan_ket_qua.method is DeliveryMethod.BUU_CHINH
    )


def _time(value: Any) -> datetime | None:
    """VNPost's ``EventTime`` (``yyyy-MM-dd HH:mm:ss``, Vietnam time) as an aware time."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=VN_TZ)
    except ValueError:
        return None


def tracked_event(row: dict[str, Any]) -> TrackedEvent | None:
    """One tracking row as the hub's event; None for a status code the hub does not know."""
    code = str(row.get("StatusCode", "")).strip()
    state = STATES.get(code)
    if state is None:
        return None
    fallback = DELIVERY if int(code) >= 10 else PICKUP
    direction = DIRECTION_OF.get(str(row.get("OrderType") or ""), fallback)
    when = _time(row.get("EventTime"))
    payload: dict[str, Any] = {
        "ma_ho_so": row["OrderNumber"],
        "direction": direction,
        "item_code": row.get("ItemCode"),
        "status_code": code,
        "trang_thai_buu_gui_vi": state.vi,
        "trang_thai_buu_gui_en": state.en,
        "post_office": row.get("POSID"),
        "event_time": when.isoformat() if when else None,
        "note": mask_text(str(row.get("Notes") or ""))[:300] or None,
        "event_id": str(row["Id"]),
    }
    status = None
    attention = None
    if direction == DELIVERY and code == DELIVERED and when is not None:
        status = Status.DA_TRA_KET_QUA  # the return step closes at the delivery time
        payload["trang_thai"] = int(status)
        payload["ngay_tra"] = when.isoformat()
    if direction == DELIVERY and code == FAILED and _last_attempt(row.get("Notes")):
        attention = "Phát không thành công ở lần phát cuối"
    if direction == DELIVERY and code == RETURNED:
        attention = "Phát không thành công sau lần phát cuối, bưu gửi đã chuyển hoàn"
    return TrackedEvent(
        ma_ho_so=str(row["OrderNumber"]),
        direction=direction,
        kind=state.kind,
        payload=payload,
        event_id=str(row["Id"]),
        item_code=row.get("ItemCode"),
        status_code=code,
        post_office=row.get("POSID"),
        event_time=when,
        status=status,
        attention=attention,
    )
