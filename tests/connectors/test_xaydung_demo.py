"""The Bộ Xây dựng part of ``tthc-hub demo``, run alone through the plugin hook.

The demo runner is given a plugin manager holding only the xaydung plugin and the
bundled mocks, so these runs start both Bộ Xây dựng mocks over loopback, sync the
scenario's dossiers through the hub's API and worker, and print its table.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import structlog

import connectors.xaydung
import mocks.registry
from connectors.xaydung.demo import CAPPHEP, XaydungDemo
from hub.demo import run_demo
from hub.plugins import demo_scenarios, get_plugin_manager
from hub.sdk import DemoContext, DemoScenario, hookimpl


def _run(tmp_path: Path, plugin: object, *, dossiers: int = 20) -> tuple[int, str]:
    from rich.console import Console

    pm = get_plugin_manager(load_entry_points=False)
    pm.register(mocks.registry)
    pm.register(plugin)
    console = Console(record=True, width=140)
    try:
        lost = run_demo(
            dossiers=dossiers, seed=7, keep=tmp_path / "demo.db", console=console, pm=pm
        )
    finally:
        structlog.reset_defaults()  # the demo logs at CRITICAL only; later tests read logs
    return lost, console.export_text()


def _row(out: str, label: str) -> str:
    """The value of the summary row whose label starts with ``label``."""
    [value] = re.findall(rf"│ {re.escape(label)}[^│]*│\s*([^│]*?)\s*│", out)
    return value


def test_the_hook_adds_the_xaydung_scenario() -> None:
    pm = get_plugin_manager(load_entry_points=False)
    pm.register(connectors.xaydung)
    assert [type(s) for s in demo_scenarios(pm)] == [XaydungDemo]


def test_demo_syncs_permits_and_planning_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_HUB_LANG", "vi")  # the summary's labels, in Vietnamese
    lost, out = _run(tmp_path, connectors.xaydung)
    assert lost == 0, out
    assert _row(out, "Thất lạc") == "0", out
    # 20 dossiers: 2 permit dossiers and 1 planning dossier, step by step; a third
    # permit dossier lacks số tầng: its first two steps synced, its result refused.
    assert _row(out, "Hồ sơ cấp phép xây dựng đã đồng bộ") == "2", out
    assert _row(out, "Hồ sơ thông tin quy hoạch đã đồng bộ") == "1", out
    assert _row(out, "Đã đồng bộ: tiếp nhận") == "4", out
    assert _row(out, "Đã đồng bộ: bước xử lý") == "4", out
    assert _row(out, "Đã đồng bộ: kết quả") == "3", out
    # Each permit recorded, and the one correction.
    assert _row(out, "Đã đồng bộ: ghi nhận giấy phép") == "3", out
    assert _row(out, "Đã đồng bộ: trả kết quả") == "3", out
    assert _row(out, "Giấy phép khớp mã băm tệp tại Bộ") == "2", out
    assert _row(out, "Giấy phép cập nhật tại chỗ") == "1", out
    # Written with the result, when recorded, and corrected: one permit, version 3.
    assert re.search(r"Giấy phép \d+/GPXD của \S+: \d+ tầng, phiên bản 3, SHA-256", out), out
    assert _row(out, "Bị chặn trước khi gửi (thiếu trường)") == "1", out
    assert "thiếu một trường của giấy phép (trường: extra.giay_phep.so_tang)" in out
    assert _row(out, "Tra cứu theo mã hồ sơ (tìm thấy)") == "2", out
    lookup = r"Tra cứu \S+ tại xaydung_capphep: Đã trả kết quả, 1 bước, kết quả số \d+/GPXD"
    assert re.search(lookup, out), out
    assert re.search(r"Tra cứu \S+ tại xaydung_quyhoach: Đã trả kết quả, 1 bước", out), out
    # Both systems reconciled: the refused dossier is held behind its dead job.
    assert _row(out, "Đối soát hệ thống cấp phép") == "2 khớp, 1 đang chờ, 0 chênh lệch", out
    assert _row(out, "Đối soát hệ thống quy hoạch") == "1 khớp, 0 đang chờ, 0 chênh lệch", out


class _ForgetfulDemo(XaydungDemo):
    """The permit system forgets everything once the worker has drained."""

    async def after_drain(self, ctx: DemoContext) -> None:
        (await ctx.http.post(f"{ctx.mock_url(CAPPHEP)}/_mock/reset")).raise_for_status()
        await super().after_drain(ctx)


class _ForgetfulPlugin:
    @hookimpl
    def register_demo_scenarios(self) -> list[DemoScenario]:
        return [_ForgetfulDemo()]

    @hookimpl
    def describe_connectors(self) -> Any:
        return connectors.xaydung.describe_connectors()

    @hookimpl
    def register_connectors(self, settings: Any) -> Any:
        return connectors.xaydung.register_connectors(settings)


def test_demo_counts_permits_missing_at_the_ministry_as_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_HUB_LANG", "vi")
    lost, out = _run(tmp_path, _ForgetfulPlugin(), dossiers=10)
    # Per permit dossier: its permit missing, and reconciliation finding it only here.
    assert re.search(r"Thất lạc: xaydung_capphep: the permit of \S+ is missing", out), out
    assert "reconciliation found only_province" in out
    assert lost > 0 and _row(out, "Thất lạc") == str(lost), out
    assert _row(out, "Giấy phép khớp mã băm tệp tại Bộ") == "0", out
