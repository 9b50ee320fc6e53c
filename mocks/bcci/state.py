"""The VNPost mock's state: tokens, orders, shipments moving through their states, and
the tracking feed.

A pickup goes 1 registered -> 2 collected -> 3 handed over; a delivery 10 accepted ->
11 out for delivery -> 12 delivered, or, planned to fail, three times 11 -> 13 (attempt
failed) and then 14 returned to sender. Orders move one step per :meth:`BcciState.tick`
when ``step_seconds`` has passed (the mock's own clock) or per admin call
(:meth:`BcciState.advance`). Every step is a tracking event with the next id.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.testing.mock import MockConfig, MockState

__all__ = ["BcciState", "Order"]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
MESSAGES = {
    "1": "Đã đăng ký thu gom",
    "2": "Đã thu gom",
    "3": "Đã giao cho cơ quan",
    "4": "Đã hủy",
    "10": "Đã nhận bưu gửi",
    "11": "Đang phát",
    "12": "Phát thành công",
    "13": "Phát không thành công: vắng nhà",
    "14": "Đã chuyển hoàn",
}
PICKUP_PATH = ["1", "2", "3"]
DELIVERY_PATH = ["10", "11", "12"]
ATTEMPTS = 3
RETURN_PATH = ["10", *(["11", "13"] * ATTEMPTS), "14"]
#: the last state an order may still be cancelled in, per direction
CANCELLABLE = {"PICKUP": {"1"}, "DELIVERY": {"10"}}
POST_OFFICES = ("530000", "531020", "532100")


@dataclass
class Order:
    body: dict[str, Any]
    item_code: str
    path: list[str]
    pos: int = 0
    cancelled: bool = False
    next_at: float = 0.0

    @property
    def status(self) -> str:
        return "4" if self.cancelled else self.path[self.pos]

    @property
    def open(self) -> bool:
        return not self.cancelled and self.pos < len(self.path) - 1

    def same_data(self, body: dict[str, Any]) -> bool:
        return {k: v for k, v in self.body.items() if k != "ItemCode"} == {
            k: v for k, v in body.items() if k != "ItemCode"
        }


@dataclass
class Tokens:
    ttl_seconds: int = 3600
    issued: dict[str, float] = field(default_factory=dict)  # token -> expiry (monotonic)
    rejected: int = 0  # calls answered 401

    def issue(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(24)
        self.issued[token] = time.monotonic() + self.ttl_seconds
        return token, self.ttl_seconds

    def valid(self, token: str | None) -> bool:
        ok = token is not None and self.issued.get(token, 0.0) > time.monotonic()
        if not ok:
            self.rejected += 1
        return ok


class BcciState(MockState):
    def __init__(self, config: MockConfig, *, step_seconds: float | None = None) -> None:
        super().__init__(config, busy_body={"Status": "99", "Message": "Hệ thống đang bận"})
        self.step_seconds = step_seconds
        self.tokens = Tokens()
        self.orders: dict[tuple[str, str], Order] = {}
        self.history: list[Order] = []  # replaced (cancelled) orders too
        self.events: list[dict[str, Any]] = []
        self.plans: dict[str, str] = {}  # mã hồ sơ -> "return": its delivery fails for good
        self.cancels = 0
        self.unsent: list[dict[str, Any]] = []  # events not yet sent as notices

    # --- ministry records (the shared admin API) ---

    def clear_records(self) -> None:
        self.orders.clear()
        self.history.clear()
        self.events.clear()
        self.plans.clear()
        self.unsent.clear()
        self.cancels = 0
        self.tokens = Tokens(ttl_seconds=self.tokens.ttl_seconds)

    def record_count(self) -> int:
        return len({number for number, _ in self.orders})

    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        mine = {kind: o for (number, kind), o in self.orders.items() if number == ma_ho_so}
        if not mine:
            return None
        return {
            "record": {
                kind: {"ItemCode": o.item_code, "StatusCode": o.status, **o.body}
                for kind, o in mine.items()
            },
            "history": [e for e in self.events if e["OrderNumber"] == ma_ho_so],
        }

    def seed(self, count: int, seed: int) -> list[str]:
        return []  # VNPost files no dossiers of its own

    # --- orders ---

    def create(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        number, kind = body["OrderNumber"], body["OrderType"]
        held = self.orders.get((number, kind))
        if held is not None and not held.cancelled:
            if held.same_data(body):
                self.journal.duplicates += 1
                return {"Status": "2", "Message": "Đơn hàng đã tồn tại", "ItemCode": held.item_code}
            return {"Status": "3", "Message": "Đơn hàng đã tồn tại với thông tin khác"}
        path = PICKUP_PATH if kind == "PICKUP" else DELIVERY_PATH
        order = Order(
            body=dict(body),
            item_code=f"E{secrets.randbelow(10**8):08d}VN",
            path=list(path),
            next_at=time.monotonic() + (self.step_seconds or 0),
        )
        self.orders[(number, kind)] = order
        self.history.append(order)
        self.journal.record_write("CreateOrder", number, key, kind)
        self._event(order)
        return {"Status": "0", "Message": "Thành công", "ItemCode": order.item_code}

    def cancel(self, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        number, kind = body["OrderNumber"], body.get("OrderType")
        found = [
            o
            for (n, k), o in self.orders.items()
            if n == number and (kind is None or k == kind) and not o.cancelled and o.open
        ]
        if not found:
            return {"Status": "4", "Message": "Không tìm thấy đơn hàng"}
        late = [o for o in found if o.status not in CANCELLABLE[o.body["OrderType"]]]
        if late:
            return {"Status": "5", "Message": "Bưu gửi đã được thu gom hoặc đang phát"}
        for order in found:
            order.cancelled = True
            self.cancels += 1
            self._event(order)
        self.journal.record_write("CancelOrder", number, key, kind)
        return {"Status": "0", "Message": "Đã hủy"}

    # --- the clock ---

    def _step(self, order: Order) -> None:
        number = order.body["OrderNumber"]
        planned = self.plans.get(number) == "return" and order.body["OrderType"] == "DELIVERY"
        if planned and order.path == DELIVERY_PATH and order.pos == 0:
            order.path = list(RETURN_PATH)  # nobody home, three times: back to the sender
        order.pos += 1
        self._event(order)

    def advance(self, ma_ho_so: str | None = None, steps: int = 1) -> int:
        """Move open orders (of one dossier, or all) ``steps`` steps; returns the moves."""
        moved = 0
        for _ in range(steps):
            for (number, _kind), order in list(self.orders.items()):
                if (ma_ho_so is None or number == ma_ho_so) and order.open:
                    self._step(order)
                    moved += 1
        return moved

    def tick(self) -> int:
        """The mock's own clock: each open order moves once per ``step_seconds``."""
        if not self.step_seconds:
            return 0
        now = time.monotonic()
        moved = 0
        for order in self.orders.values():
            while order.open and order.next_at <= now:
                order.next_at += self.step_seconds
                self._step(order)
                moved += 1
        return moved

    def _event(self, order: Order) -> None:
        code = order.status
        n = len(self.events) + 1
        event = {
            "Id": str(n),
            "OrderNumber": order.body["OrderNumber"],
            "OrderType": order.body["OrderType"],
            "ItemCode": order.item_code,
            "StatusCode": code,
            "StatusMessage": MESSAGES[code],
            "EventTime": datetime.now(VN_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            "POSID": POST_OFFICES[n % len(POST_OFFICES)],
            "Notes": f"Lần phát {order.path[: order.pos + 1].count('13')}/{ATTEMPTS}"
            if code == "13"
            else "",
        }
        self.events.append(event)
        self.unsent.append(event)

    def page(self, last_id: int, size: int) -> dict[str, Any]:
        after = [e for e in self.events if int(e["Id"]) > last_id]
        rows = after[:size]
        last = rows[-1]["Id"] if rows else str(last_id)
        return {"Status": "0", "Data": rows, "LastId": last, "More": len(after) > size}

    def stats(self) -> dict[str, Any]:
        return super().stats() | {
            "orders": len(self.history),
            "cancels": self.cancels,
            "tokens_issued": len(self.tokens.issued),
            "token_rejections": self.tokens.rejected,
            "tracking_events": len(self.events),
        }
