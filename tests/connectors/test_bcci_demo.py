"""The VNPost part of ``tthc-hub demo``, with the national portal beside it: results
delivered by post close their dossiers, a pickup is cancelled once, a changed address is
re-ordered, a revoked token is renewed, a re-run creates no second order, one parcel
goes back to the sender, and nothing is lost."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

import connectors.bcci
import connectors.dvcqg
import mocks.registry
from hub.demo import run_demo
from hub.plugins import get_plugin_manager


def _row(out: str, label: str) -> str:
    match = re.search(rf"{re.escape(label)}\s*│\s*([^│]+?)\s*│", out)
    assert match, f"no row {label!r} in\n{out}"
    return match.group(1)


def test_demo_delivers_collects_cancels_and_closes(tmp_path: Path) -> None:
    pm = get_plugin_manager(load_entry_points=False)
    for plugin in (mocks.registry, connectors.bcci, connectors.dvcqg):
        pm.register(plugin)
    console = Console(record=True, width=160)
    lost = run_demo(
        dossiers=5, ministry_filed=0, invalid=0, seed=7, keep=tmp_path / "demo.db",
        console=console, pm=pm,
    )  # fmt: skip
    out = console.export_text()
    assert lost == 0, out
    # six dossiers: 0 withdrawn, 1 moved, 2 returned to sender, 3-5 delivered
    assert _row(out, "Đơn thu gom hồ sơ đã tạo") == "6"
    assert _row(out, "Hồ sơ đã thu gom, giao cơ quan") == "5"
    assert _row(out, "Đơn thu gom đã hủy (rút hồ sơ)") == "1"
    assert _row(out, "Kết quả phát thành công") == "4"
    assert _row(out, "Hồ sơ đóng (10), NgàyTrả = giờ phát") == "4"
    assert _row(out, "Chuyển hoàn, cần xử lý") == "1"
    assert _row(out, "Đổi địa chỉ: hủy và tạo lại đơn phát") == "1"
    assert _row(out, "Chạy lại việc phát/hủy: đơn mới tại VNPost") == "0"
    assert _row(out, "Token bị thu hồi, đã lấy lại (401)") == "1"
    assert "Hành trình bưu gửi hồ sơ" in out and "Đã phát thành công" in out
    # the closed dossiers reached the national portal with every step in order
    assert _row(out, "Thất lạc") == "0"
