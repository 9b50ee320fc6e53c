"""VNPost's part of ``tthc-hub demo``: dossiers collected from citizens and results
delivered by post.

Dossiers of one procedure (chứng thực bản sao, routed to ``bcci`` alone and to the
national portal) are filed by post (a pickup each), received and processed with the
result to be sent by post (a delivery each, COD where a fee is still owed). One is
withdrawn before collection (its pickup cancelled once), one citizen changes the
delivery address (the delivery is cancelled and ordered again). Once the worker has
drained: every token is revoked (the next call gets a 401 and a fresh token), the
delivery and cancel jobs are run again (no second order, no second cancel), one
delivery is planned to fail, the shipments move to their end, and the hub reads the
tracking feed in pages. The province then closes each delivered dossier (status 10,
NgàyTrả = the delivery time) and the national portal receives it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hub.sdk import (
    Address,
    Bilingual,
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    DemoTable,
    DossierEvent,
    EventType,
    ResultDelivery,
    Status,
)

from .mapping import VN_TZ
from .samples import postal_lifecycle

if TYPE_CHECKING:
    from hub.sdk import Hub

__all__ = ["BcciDemo"]

CODE = "2.000815"  # chứng thực bản sao từ bản chính: results often sent by post
TITLE = Bilingual("Bưu chính công ích (VNPost)", "Public postal service (VNPost)")
MOVED_TO = Address(ma_tinh="51", ma_xa="23284", chi_tiet="Tổ 5, Phường Đăk Cấm, tỉnh Quảng Ngãi")


def _lifecycles(options: DemoOptions) -> list[list[DossierEvent]]:
    n = max(6, options.dossiers // 8)
    out = []
    for i in range(n):
        events = postal_lifecycle(f"bcci:{options.seed}:{i}", seq=8001 + i)
        for j, event in enumerate(events):
            snap = event.snapshot.model_copy(
                update={"ma_tthc": CODE, "ten_tthc": "Chứng thực bản sao từ bản chính"}
            )
            events[j] = event.model_copy(update={"snapshot": snap})
        out.append(events)
    return out


def _withdrawn(events: list[DossierEvent]) -> list[DossierEvent]:
    """Filed by post, then withdrawn before VNPost came: the pickup is cancelled."""
    filed, received = events[0], events[1].snapshot
    snap = filed.snapshot.model_copy(
        update={"trang_thai": Status.CONG_DAN_RUT_HO_SO, "ngay_tiep_nhan": received.ngay_tiep_nhan}
    )
    withdraw = DossierEvent(
        id=f"{filed.id}-rut", type=EventType.STATUS_CHANGED, ma_ho_so=filed.ma_ho_so,
        occurred_at=filed.occurred_at + timedelta(hours=1), snapshot=snap,
    )  # fmt: skip
    return [filed, withdraw]


def _moved(events: list[DossierEvent]) -> list[DossierEvent]:
    """After the result, the citizen gives another address: cancel and order again."""
    done = events[-1]
    snap = done.snapshot.model_copy(
        update={"nhan_ket_qua": ResultDelivery(method=done.snapshot.nhan_ket_qua.method,
                                               dia_chi=MOVED_TO)}
    )  # fmt: skip
    change = DossierEvent(
        id=f"{done.id}-doi-dia-chi", type=EventType.UPDATED, ma_ho_so=done.ma_ho_so,
        occurred_at=done.occurred_at + timedelta(hours=2), snapshot=snap,
    )  # fmt: skip
    return [*events, change]


async def _drain(hub: Hub, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while hub.store.has_unfinished_jobs() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)


class BcciDemo(DemoScenario):
    name = "bcci"

    def __init__(self) -> None:
        self.lifecycles: list[list[DossierEvent]] = []
        self.returned_one = ""
        self.closed: list[str] = []
        self.before: dict[str, Any] = {}
        self.after_rerun: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}
        self.renewed = 0
        self.pages = 0
        self.feed_events = 0
        self.history_of = ""

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        rate = options.fault_rate / 2
        faults = [{"kind": "http_503", "rate": rate}, {"kind": "reset", "rate": rate / 2}]
        # audit=False: events that ask nothing of VNPost (a reception) succeed without a
        # write; check() holds the orders against the jobs instead.
        return [DemoMock("bcci", faults=faults if rate else [], audit=False)]

    def settings(self, mock_urls: Any) -> dict[str, dict[str, Any]]:
        return {
            "bcci": {
                "base_url": mock_urls["bcci"],
                "consumer_key": "ubnd-tinh-quang-ngai",
                "consumer_secret": "test-key",  # the mock's test secret
                "customer_code": "C0051001",
                "office_name": "Trung tâm Phục vụ hành chính công tỉnh",
                "office_address": "Số 96 Phan Đình Phùng, Phường Kon Tum",
                "office_tel": "02603862555",
                "office_province": "51",
                "office_commune": "23293",
                "page_size": 10,  # the feed is read in several pages
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        return [{"connector": "bcci", "ma_tthc": [CODE]}]

    def events(self, options: DemoOptions) -> list[dict[str, Any]]:
        lifecycles = _lifecycles(options)
        lifecycles[0] = _withdrawn(lifecycles[0])
        lifecycles[1] = _moved(lifecycles[1])
        self.lifecycles = lifecycles
        self.returned_one = lifecycles[2][0].ma_ho_so
        self.history_of = lifecycles[3][0].ma_ho_so
        return [e.model_dump(mode="json") for events in lifecycles for e in events]

    async def after_drain(self, ctx: DemoContext) -> None:
        url, hub = ctx.mock_url("bcci"), ctx.hub
        connector: Any = hub.connectors["bcci"]
        self.before = (await ctx.http.get(f"{url}/_mock/stats")).json()
        # Every token revoked: the next call is answered 401 and renews it once.
        await ctx.http.post(f"{url}/_mock/bcci/tokens", json={"revoke": True})
        renewed = connector.client.renewed_after_401
        # The delivery and the cancel jobs run again: the same keys, nothing new at VNPost.
        for events in (self.lifecycles[0], self.lifecycles[3]):
            await connector.push(events[-1], events[-1].snapshot)
        self.after_rerun = (await ctx.http.get(f"{url}/_mock/stats")).json()
        self.renewed = connector.client.renewed_after_401 - renewed
        plan = {"ma_ho_so": self.returned_one, "outcome": "return"}
        await ctx.http.post(f"{url}/_mock/bcci/plan", json=plan)
        await ctx.http.post(f"{url}/_mock/bcci/advance", json={"steps": 8})
        while True:  # the scheduler's job, run by hand: page after page
            stored = await hub.feed_once("bcci", max_pages=1)
            if not stored:
                break
            self.pages += 1
            self.feed_events += stored
        self.stats = (await ctx.http.get(f"{url}/_mock/stats")).json()
        await self._close_delivered(ctx)

    async def _close_delivered(self, ctx: DemoContext) -> None:
        """The province applies each "delivered" update: status 10, NgàyTrả = delivery."""
        done = {events[0].ma_ho_so: events for events in self.lifecycles}
        closing = []
        for row in ctx.hub.shipments("bcci", limit=1000):
            if row["direction"] != "delivery" or row["kind"] != "delivered":
                continue
            last = done[row["ma_ho_so"]][-1]
            ngay_tra = row["event_time"]
            snap = last.snapshot.model_copy(
                update={"trang_thai": Status.DA_TRA_KET_QUA, "ngay_tra": ngay_tra}
            )
            closing.append(
                DossierEvent(
                    id=f"{last.id}-da-tra", type=EventType.RETURNED, ma_ho_so=last.ma_ho_so,
                    occurred_at=ngay_tra, snapshot=snap,
                ).model_dump(mode="json")
            )  # fmt: skip
            self.closed.append(last.ma_ho_so)
        await ctx.ingest(closing)
        await _drain(ctx.hub)

    async def check(self, ctx: DemoContext) -> list[str]:
        url = ctx.mock_url("bcci")
        orders = (await ctx.http.get(f"{url}/_mock/bcci/orders")).json()
        per = Counter((o["OrderNumber"], o["OrderType"]) for o in orders if not o["cancelled"])
        lost = [f"bcci: {n} open {k} orders for {m}" for (m, k), n in per.items() if n != 1]
        if self.after_rerun.get("orders") != self.before.get("orders"):
            lost.append("bcci: re-running a delivery job created another order")
        if self.after_rerun.get("cancels") != self.before.get("cancels"):
            lost.append("bcci: re-running a cancel job cancelled again")
        for events in self.lifecycles[3:]:
            mirror = ctx.hub.store.get_dossier(events[0].ma_ho_so)
            if mirror is None or mirror["trang_thai"] != int(Status.DA_TRA_KET_QUA):
                lost.append(f"bcci: delivered {events[0].ma_ho_so} was not closed (status 10)")
        return lost

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        hub = ctx.hub
        rows = hub.shipments("bcci", limit=1000)
        kinds = Counter((r["direction"], r["kind"]) for r in rows)
        attention = [r for r in rows if r["attention"]]
        first_ngay_tra = next((r["event_time"] for r in rows if r["kind"] == "delivered"), None)
        table = DemoTable(TITLE)
        table.rows = [
            (Bilingual("Đơn thu gom hồ sơ đã tạo", "Pickup orders created"),
             sum(n for (d, _k), n in kinds.items() if d == "pickup")),
            (Bilingual("Hồ sơ đã thu gom, giao cơ quan", "Dossiers collected, handed over"),
             kinds[("pickup", "handed_over")]),
            (Bilingual("Đơn thu gom đã hủy (rút hồ sơ)", "Pickups cancelled (withdrawn)"),
             kinds[("pickup", "cancelled")]),
            (Bilingual("Kết quả phát thành công", "Results delivered"),
             kinds[("delivery", "delivered")]),
            (Bilingual("Hồ sơ đóng (10), NgàyTrả = giờ phát", "Closed (10) at delivery"),
             len(self.closed)),
            (Bilingual("Chuyển hoàn, cần xử lý", "Returned to sender, for operators"),
             len(attention)),
            (Bilingual("Đổi địa chỉ: hủy và tạo lại đơn phát", "Address changed: re-ordered"),
             int(self.stats.get("cancels", 0)) - kinds[("pickup", "cancelled")]),
            (Bilingual("Chạy lại việc phát/hủy: đơn mới tại VNPost", "Re-run jobs: new orders"),
             int(self.after_rerun.get("orders", 0)) - int(self.before.get("orders", 0))),
            (Bilingual("Token bị thu hồi, đã lấy lại (401)", "Token revoked, renewed (401)"),
             self.renewed),
            (Bilingual("Sự kiện hành trình đã đọc (trang)", "Tracking events read (pages)"),
             f"{self.feed_events} ({self.pages})"),
        ]  # fmt: skip
        if first_ngay_tra is not None:
            when = first_ngay_tra.astimezone(VN_TZ)
            table.notes.append(f"  NgàyTrả = {when:%Y-%m-%d %H:%M:%S} (giờ phát / delivery time)")
        return [table, self._history(hub)]

    def _history(self, hub: Hub) -> DemoTable:
        """One dossier's shipments, step by step: time, state (vi/en), post office."""
        from .mapping import STATES

        ma = self.history_of
        table = DemoTable(
            Bilingual(f"Hành trình bưu gửi hồ sơ {ma}", f"Shipment history of dossier {ma}")
        )
        for update in hub.shipment_history("bcci", ma):
            payload = update["payload"] or {}
            state = STATES.get(payload.get("status_code") or "")
            if state is None:
                continue
            when = (payload.get("event_time") or "")[:19].replace("T", " ")
            item = payload.get("item_code") or ""
            table.rows.append(
                (Bilingual(f"{when}  {state.vi} ({item})", f"{when}  {state.en} ({item})"),
                 payload.get("post_office") or "")
            )  # fmt: skip
        return table
