"""bcci mapping: orders from dossiers (direction, sender and receiver, COD, the 2025
unit codes) and tracking rows to the hub's events (labels, status 10 at delivery, an
item for operators when the last attempt fails or the parcel goes back)."""

from __future__ import annotations

import pytest

from connectors.bcci import mapping
from connectors.bcci.samples import postal_lifecycle, result_by_post
from hub.errors import MappingError
from hub.models import DeliveryMethod, Status
from tests.connectors.test_bcci_conformance import settings

CONF = settings("http://127.0.0.1:9")


def row(code: str, **extra: str) -> dict[str, str]:
    return {"Id": "7", "OrderNumber": "000.00.22.H34-251003-8004", "OrderType": "DELIVERY",
            "ItemCode": "E12345678VN", "StatusCode": code, "StatusMessage": "x",
            "EventTime": "2025-10-20 09:15:00", "POSID": "531020", **extra}  # fmt: skip


def test_orders_face_the_right_way() -> None:
    filed, _received, _progress, done = postal_lifecycle(5, seq=8700)
    pickup = mapping.pickup_order(filed.snapshot, CONF)
    delivery = mapping.delivery_order(done.snapshot, CONF)
    assert pickup["OrderType"] == "PICKUP" and delivery["OrderType"] == "DELIVERY"
    assert pickup["ReceiverName"] == CONF.office_name == delivery["SenderName"]
    assert pickup["OrderNumber"] == delivery["OrderNumber"] == done.ma_ho_so
    assert pickup["CODAmount"] == 0
    assert (pickup["SenderProvince"], len(pickup["SenderDistrict"])) == ("51", 5)


def test_cod_is_what_is_still_owed() -> None:
    done = postal_lifecycle(5, seq=8700)[-1].snapshot
    owed = result_by_post(done, owed=50_000)
    paid_fee = owed.le_phi[0].model_copy(update={"da_thanh_toan": True})
    assert mapping.cod_amount(owed) == 50_000
    assert mapping.cod_amount(owed.model_copy(update={"le_phi": [paid_fee]})) == 0


def test_only_a_result_by_post_is_delivered() -> None:
    done = postal_lifecycle(5, seq=8700)[-1].snapshot
    counter = done.model_copy(update={"nhan_ket_qua": done.nhan_ket_qua.model_copy(
        update={"method": DeliveryMethod.TRUC_TIEP})})  # fmt: skip
    assert mapping.wants_delivery(done) and not mapping.wants_delivery(counter)
    with pytest.raises(MappingError, match=r"nhan_ket_qua\.method"):
        mapping.delivery_order(counter, CONF)


def test_a_wrong_office_commune_is_named() -> None:
    bad = CONF.model_copy(update={"office_commune": "00070"})  # a Hà Nội ward
    with pytest.raises(MappingError, match="office_commune"):
        mapping.pickup_order(postal_lifecycle(5, seq=8700)[0].snapshot, bad)
    with pytest.raises(ValueError, match="not in province 51"):  # refused when loaded
        settings("http://127.0.0.1:9", office_commune="00070")


@pytest.mark.parametrize(
    ("code", "kind", "vi"),
    [("1", "registered", "Đã đăng ký thu gom"), ("2", "collected", "Đã thu gom hồ sơ từ công dân"),
     ("3", "handed_over", "Đã giao hồ sơ cho cơ quan"), ("11", "out_for_delivery", "Đang phát"),
     ("12", "delivered", "Đã phát thành công"), ("14", "returned", "Đã chuyển hoàn")],
)  # fmt: skip
def test_states_have_kinds_and_vietnamese_labels(code: str, kind: str, vi: str) -> None:
    order_type = "PICKUP" if int(code) < 10 else "DELIVERY"
    event = mapping.tracked_event(row(code, OrderType=order_type))
    assert event is not None and event.kind == kind
    assert event.payload["trang_thai_buu_gui_vi"] == vi
    assert event.payload["post_office"] == "531020" and event.event_id == "7"


def test_delivery_closes_the_return_step_at_the_delivery_time() -> None:
    event = mapping.tracked_event(row("12"))
    assert event is not None and event.status == Status.DA_TRA_KET_QUA
    assert event.payload["ngay_tra"] == "2025-10-20T09:15:00+07:00"
    assert mapping.tracked_event(row("11")).status is None  # type: ignore[union-attr]


def test_the_last_failed_attempt_and_a_return_need_an_operator() -> None:
    assert mapping.tracked_event(row("13", Notes="Lần phát 1/3")).attention is None  # type: ignore[union-attr]
    assert mapping.tracked_event(row("13", Notes="Lần phát 3/3")).attention  # type: ignore[union-attr]
    assert mapping.tracked_event(row("14")).attention  # type: ignore[union-attr]
    assert mapping.tracked_event(row("99")) is None  # a code the hub does not know


def test_the_contract_is_valid_openapi() -> None:
    from pathlib import Path

    import yaml

    from mocks.bcci.app import CONTRACT_PATH

    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(yaml.safe_load(Path(CONTRACT_PATH).read_text(encoding="utf-8")))
