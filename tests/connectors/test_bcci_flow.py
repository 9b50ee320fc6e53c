"""VNPost (bcci) end to end over loopback: the token client, orders written once per
(OrderNumber, OrderType) and per event, cancel, a changed address re-ordered, addresses
checked against the 2025 unit list, and the tracking feed through the hub: shipments,
province updates, status 10 at delivery, an item for operators on a return, and the
cursor kept across restarts."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.bcci.connector import BcciConnector
from connectors.bcci.samples import postal_lifecycle
from hub.errors import MappingError, RejectedError
from hub.models import Address, DossierEvent, EventType, ResultDelivery, Status
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.mock import MockConfig
from mocks.bcci.app import create_app
from tests.connectors.test_bcci_conformance import SECRET, settings

MOVED_TO = Address(ma_tinh="51", ma_xa="23284", chi_tiet="Tổ 5, Phường Đăk Cấm")


@pytest.fixture
def vnpost(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_app(MockConfig(accept_key=SECRET)))
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


def connect(url: str, **extra: Any) -> BcciConnector:
    return BcciConnector(settings(url, **extra))


def push_all(url: str, events: list[DossierEvent], **extra: Any) -> BcciConnector:
    async def go() -> BcciConnector:
        connector = connect(url, **extra)
        try:
            for event in events:
                await connector.push(event, event.snapshot)
        finally:
            await connector.aclose()
        return connector

    return asyncio.run(go())


def once(connector: BcciConnector, call: Any) -> Any:
    """``call(connector)`` in a fresh loop, the connector closed after."""

    async def go() -> Any:
        try:
            return await call(connector)
        finally:
            await connector.aclose()

    return asyncio.run(go())


def orders(admin: httpx.Client) -> list[dict[str, Any]]:
    return list(admin.get("/_mock/bcci/orders").json())


def test_pickup_and_delivery_once_each_with_cod(vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    events = postal_lifecycle("flow-1", seq=8101)
    push_all(server.url, events + events)  # the whole lifecycle sent twice
    held = orders(admin)
    assert sorted(o["OrderType"] for o in held) == ["DELIVERY", "PICKUP"]
    delivery = next(o for o in held if o["OrderType"] == "DELIVERY")
    done = events[-1].snapshot
    assert delivery["OrderNumber"] == done.ma_ho_so
    assert delivery["CODAmount"] == sum(f.so_tien for f in done.le_phi if not f.da_thanh_toan)
    assert delivery["ReceiverProvince"] == "51" and len(delivery["ReceiverDistrict"]) == 5
    pickup = next(o for o in held if o["OrderType"] == "PICKUP")
    assert pickup["ReceiverName"].startswith("Trung tâm")  # the office receives the dossier
    assert admin.get("/_mock/stats").json()["duplicates"] >= 2


def test_same_order_from_another_event_is_not_a_second_order(vnpost) -> None:  # type: ignore[no-untyped-def]
    """A re-sent delivery under a new event id (an operator re-ran it from the current
    state): VNPost already holds (OrderNumber, DELIVERY) with the same data."""
    server, admin = vnpost
    done = postal_lifecycle("flow-2", seq=8102)[-1]
    again = done.model_copy(update={"id": f"{done.id}-rerun"})
    push_all(server.url, [done, again])
    assert len(orders(admin)) == 1


def test_withdrawal_cancels_once(vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    filed = postal_lifecycle("flow-3", seq=8103)[0]
    snap = filed.snapshot.model_copy(
        update={"trang_thai": Status.CONG_DAN_RUT_HO_SO, "ngay_tiep_nhan": filed.occurred_at}
    )
    withdraw = DossierEvent(
        id=f"{filed.id}-rut", type=EventType.STATUS_CHANGED, ma_ho_so=filed.ma_ho_so,
        occurred_at=filed.occurred_at + timedelta(hours=1), snapshot=snap,
    )  # fmt: skip
    push_all(server.url, [filed, withdraw, withdraw])
    stats = admin.get("/_mock/stats").json()
    assert stats["cancels"] == 1
    assert [o["cancelled"] for o in orders(admin)] == [True]


def test_changed_address_cancels_and_orders_again(vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    done = postal_lifecycle("flow-4", seq=8104)[-1]
    moved = done.snapshot.model_copy(
        update={"nhan_ket_qua": ResultDelivery(method=done.snapshot.nhan_ket_qua.method,
                                               dia_chi=MOVED_TO)}
    )  # fmt: skip
    change = DossierEvent(
        id=f"{done.id}-moved", type=EventType.UPDATED, ma_ho_so=done.ma_ho_so,
        occurred_at=done.occurred_at + timedelta(hours=1), snapshot=moved,
    )  # fmt: skip
    push_all(server.url, [done, change, change])
    held = orders(admin)
    assert [o["cancelled"] for o in held] == [True, False]
    assert held[1]["ReceiverDistrict"] == "23284"
    assert admin.get("/_mock/stats").json()["cancels"] == 1


@pytest.mark.parametrize(
    ("address", "why", "why_vi"),
    [
        (Address(ma_tinh="51", ma_xa="99999", chi_tiet="x"), "unknown province",
         "không có trong danh mục đơn vị hành chính"),
        (Address(ma_tinh="01", ma_xa="23284", chi_tiet="x"), "does not belong",
         "Xã 23284 không thuộc tỉnh 01"),
        (Address(ma_tinh="51", ma_xa=None, chi_tiet="x"), "province and commune",
         "Bưu điện cần mã tỉnh và mã xã"),
    ],
)  # fmt: skip
def test_addresses_are_checked_before_sending(  # type: ignore[no-untyped-def]
    vnpost, address: Address, why: str, why_vi: str
) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    done = postal_lifecycle("flow-5", seq=8105)[-1]
    bad = done.snapshot.model_copy(
        update={"nhan_ket_qua": ResultDelivery(method=done.snapshot.nhan_ket_qua.method,
                                               dia_chi=address)}
    )  # fmt: skip
    before = admin.get("/_mock/stats").json()["requests"]
    with pytest.raises(MappingError) as caught:
        once(connect(server.url), lambda c: c.push(done, bad))
    assert why in str(caught.value) and "nhan_ket_qua.dia_chi" in str(caught.value)
    assert why_vi in caught.value.message.vi
    assert "(trường: nhan_ket_qua.dia_chi)" in caught.value.message.vi
    assert admin.get("/_mock/stats").json()["requests"] == before


def test_token_refreshed_before_expiry_and_once_on_401(vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    admin.post("/_mock/bcci/tokens", json={"ttl_seconds": 1})

    async def go() -> BcciConnector:
        connector = connect(server.url)
        try:
            await connector.track_events(None)
            time.sleep(0.6)  # past the refresh point (half of a 1 s token), before expiry
            await connector.track_events(None)
            admin.post("/_mock/bcci/tokens", json={"ttl_seconds": 3600, "revoke": True})
            await connector.track_events(None)  # 401, a fresh token, the call again
        finally:
            await connector.aclose()
        return connector

    connector = asyncio.run(go())
    assert connector.client.tokens_fetched == 3
    assert connector.client.renewed_after_401 == 1
    assert admin.get("/_mock/stats").json()["token_rejections"] == 1


def test_wrong_secret_is_a_rejection_naming_the_setting(vnpost) -> None:  # type: ignore[no-untyped-def]
    server, _admin = vnpost
    wrong = settings(server.url).model_copy(update={"consumer_secret": SecretStr("x")})
    connector = BcciConnector(wrong)
    with pytest.raises(RejectedError, match=r"connectors\.bcci"):
        once(connector, lambda c: c.track_events(None))


# --- through the hub --------------------------------------------------------------------


def hub_for(tmp_path, url: str) -> Hub:  # type: ignore[no-untyped-def]
    # Only this connector (the others' plugins are not loaded): pages of three events.
    return Hub(
        HubSettings(
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            worker=WorkerSettings(
                poll_seconds=0.02,
                retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
            ),
            routes=[RouteRule(connector="bcci")],
        ),
        connectors={"bcci": connect(url, page_size=3)},  # type: ignore[dict-item]
    )


def test_tracking_feed_tells_the_province_and_closes_delivered(tmp_path, vnpost) -> None:  # type: ignore[no-untyped-def]
    server, admin = vnpost
    delivered, returned = (postal_lifecycle(f"feed-{i}", seq=8200 + i) for i in range(2))
    hub = hub_for(tmp_path, server.url)
    hub.store.ingest([*delivered, *returned], hub.router.targets)

    async def first(h: Hub) -> int:
        await h.worker.run_until_idle(timeout=30)
        admin.post("/_mock/bcci/plan", json={"ma_ho_so": returned[0].ma_ho_so, "outcome": "return"})
        admin.post("/_mock/bcci/advance", json={"steps": 8})
        return await h.feed_once("bcci")

    async def again(h: Hub) -> int:
        return await h.feed_once("bcci")

    def run(h: Hub, work: Any) -> Any:
        async def go() -> Any:
            try:
                return await work(h)
            finally:
                await h.aclose()

        return asyncio.run(go())

    stored = run(hub, first)
    assert len(admin.get("/_mock/bcci/orders").json()) == 4
    assert stored == admin.get("/_mock/stats").json()["tracking_events"]  # all, in pages of 3
    hub = hub_for(tmp_path, server.url)  # a restart: the cursor is in the database
    assert run(hub, again) == 0
    hub = hub_for(tmp_path, server.url)
    ma = delivered[0].ma_ho_so
    history = hub.shipment_history("bcci", ma)
    kinds = [u["kind"] for u in history]
    assert kinds == ["registered", "accepted", "collected", "out_for_delivery", "handed_over",
                     "delivered"]  # fmt: skip
    closing = history[-1]
    assert closing["trang_thai"] == int(Status.DA_TRA_KET_QUA)
    assert closing["payload"]["ngay_tra"] == closing["payload"]["event_time"]
    rows = {(r["ma_ho_so"], r["direction"]): r for r in hub.shipments("bcci")}
    assert (
        rows[(ma, "delivery")]["kind"] == "delivered"
        and rows[(ma, "delivery")]["attention"] is None
    )
    back = rows[(returned[0].ma_ho_so, "delivery")]
    assert back["kind"] == "returned" and back["attention"]
    assert [r["ma_ho_so"] for r in hub.shipments("bcci", attention_only=True)] == [
        returned[0].ma_ho_so
    ]
    failed = [u for u in hub.shipment_history("bcci", returned[0].ma_ho_so)
              if u["kind"] == "delivery_failed"]  # fmt: skip
    assert len(failed) == 3
    asyncio.run(hub.aclose())
