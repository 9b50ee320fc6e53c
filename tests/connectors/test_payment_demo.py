"""Online payment's part of ``tthc-hub demo`` (connectors/payment/demo.py), run with
MOLISA's scenario: dossiers paid through the mock's page, deadlines resumed, the forged
notice refused, the duplicated one applied once, receipts with matching hashes, and a
reconciliation finding the one planted difference of each kind; a broken ledger is
caught as lost."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console

import connectors.molisa
import connectors.payment
import mocks.registry
from connectors.payment.demo import MODES, PaymentDemo
from hub.demo import run_demo
from hub.plugins import get_plugin_manager
from hub.sdk import DemoContext, hookimpl


def _run(tmp_path: Path, *plugins: Any) -> tuple[int, str]:
    pm = get_plugin_manager(load_entry_points=False)
    for plugin in (mocks.registry, connectors.molisa, *plugins):
        pm.register(plugin)
    console = Console(record=True, width=160)
    lost = run_demo(
        dossiers=4, ministry_filed=1, invalid=0, seed=7, keep=tmp_path / "demo.db",
        console=console, pm=pm,
    )  # fmt: skip
    return lost, console.export_text()


def _row(out: str, label: str) -> str:
    match = re.search(rf"{re.escape(label)}\s*│\s*([^│]+?)\s*│", out)
    assert match, f"no row {label!r} in\n{out}"
    return match.group(1)


def test_demo_pays_refuses_the_forgery_and_reconciles(tmp_path: Path) -> None:
    lost, out = _run(tmp_path, connectors.payment)
    assert lost == 0, out
    paid = len(MODES)
    assert _row(out, "Yêu cầu thanh toán (INIT)") == str(paid + 1)
    assert _row(out, "Đã thanh toán, ghi nhận một lần") == str(paid)
    assert _row(out, "Thời hạn tiếp tục, ngày hẹn trả mới") == str(paid)
    assert _row(out, "Thông báo giả mạo bị từ chối (HTTP)") == "401"
    assert _row(out, "Thông báo trùng: trả lời (HTTP)") == "200, 200"
    assert _row(out, "Không có thông báo, tìm thấy bằng QUERY") == "1"
    assert _row(out, "Chờ quá hạn, đã báo tỉnh") == "1"
    assert _row(out, "Biên lai khớp mã băm (lưu = API = PayGov)") == str(paid)
    for label in ("đã thu, chưa ghi nhận", "ghi nhận, chưa thu", "lệch số tiền", "thu hai lần"):
        assert re.search(rf"Đối soát: {label}[^│]*│\s*1\s*│", out), label


class _DoubleCountingDemo(PaymentDemo):
    """The hub applies a duplicated notice twice: the scenario's check says so."""

    async def after_drain(self, ctx: DemoContext) -> None:
        await super().after_drain(ctx)
        code = next(iter(self.refs))
        ctx.hub.store.add_province_update(code, "paid", {"ma_tham_chieu": "x"}, connector="payment")


class _Broken:
    @hookimpl
    def register_demo_scenarios(self) -> list[Any]:
        return [_DoubleCountingDemo()]


def test_a_payment_told_twice_is_counted_lost(tmp_path: Path) -> None:
    lost, out = _run(tmp_path, _Broken(), _PaymentWithoutDemo())
    assert lost >= 1
    assert "was told 'paid' 2 times" in out


class _PaymentWithoutDemo:
    """The payment plugin's connectors and routes, without its own demo scenario."""

    @hookimpl
    def describe_connectors(self) -> list[Any]:
        return connectors.payment.describe_connectors()

    @hookimpl
    def register_connectors(self, settings: Any) -> list[Any]:
        return connectors.payment.register_connectors(settings)

    @hookimpl
    def register_routes(self, hub: Any) -> dict[str, Any]:
        return connectors.payment.register_routes(hub)
