"""The national portal's part of ``tthc-hub demo`` (connectors/dvcqg/demo.py), run with
MOLISA's scenario: every dossier of the run at the mock portal with its steps in order,
"đã tồn tại" turned into an update, a session renewed, a clean reconciliation, a
backfill filling exactly the planted gaps; and a portal that loses a dossier is caught."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console

import connectors.dvcqg
import connectors.molisa
import mocks.registry
from connectors.dvcqg.demo import DvcqgDemo, _period
from hub.demo import run_demo
from hub.plugins import get_plugin_manager
from hub.sdk import DemoContext, hookimpl


def _run(tmp_path: Path, *plugins: Any) -> tuple[int, str]:
    pm = get_plugin_manager(load_entry_points=False)
    for plugin in (mocks.registry, connectors.molisa, *plugins):
        pm.register(plugin)
    console = Console(record=True, width=160)
    lost = run_demo(
        dossiers=5, ministry_filed=2, invalid=1, seed=11, keep=tmp_path / "demo.db",
        console=console, pm=pm,
    )  # fmt: skip
    return lost, console.export_text()


def _row(out: str, label: str) -> int:
    match = re.search(rf"{re.escape(label)}\s*│\s*(\d+)\s*│", out)
    assert match, f"no row {label!r} in\n{out}"
    return int(match.group(1))


def test_demo_syncs_every_dossier_to_the_portal_and_reconciles(tmp_path: Path) -> None:
    lost, out = _run(tmp_path, connectors.dvcqg)
    assert lost == 0, out
    assert _row(out, "Thất lạc") == 0
    # MOLISA's 5 dossiers, the 2 it pulled and received, the one filed on the portal:
    # all routed to the portal (the one lacking a birth date too: the portal takes it).
    assert _row(out, "Hồ sơ tỉnh đồng bộ lên Cổng") == 8
    assert _row(out, "Có trên Cổng, đủ các bước, đúng thứ tự") == 8
    assert _row(out, "Bước xử lý trên Cổng") == 6  # one per dossier processed
    assert _row(out, "'Đã tồn tại' chuyển thành cập nhật") == 1
    assert _row(out, "Phiên hết hạn, đã đăng nhập lại") >= 1
    assert _row(out, "Đối soát kỳ với Cổng: chênh lệch") == 0
    assert _row(out, "Đồng bộ bù: hồ sơ Cổng bị mất") == 3
    assert _row(out, "Đồng bộ bù: đã gửi lại") == 3
    assert _row(out, "Đồng bộ bù lần hai: gửi thêm") == 0
    assert re.search(r"tỉnh 8, Cổng 8, khớp 8", out), out


class _LossyPortalDemo(DvcqgDemo):
    """The portal loses one more dossier after the backfill: nothing re-sends it."""

    async def after_drain(self, ctx: DemoContext) -> None:
        await super().after_drain(ctx)
        kept = sorted(set(await _listed(ctx)) - set(self.gaps))
        self.lost_at_portal = kept[0]
        await ctx.http.post(f"{ctx.mock_url('dvcqg')}/_mock/forget/{kept[0]}")


async def _listed(ctx: DemoContext) -> list[str]:
    return [r.ma_ho_so async for r in ctx.hub.connectors["dvcqg"].list_remote(_period())]


class _LossyPlugin:
    """connectors.dvcqg's connector, with the lossy portal's scenario."""

    @hookimpl
    def register_connectors(self, settings: Any) -> Any:
        return connectors.dvcqg.register_connectors(settings)

    @hookimpl
    def register_demo_scenarios(self) -> list[Any]:
        return [_LossyPortalDemo()]


def test_demo_counts_a_dossier_missing_at_the_portal_as_lost(tmp_path: Path) -> None:
    lost, out = _run(tmp_path, _LossyPlugin())
    assert lost == 1, out
    assert _row(out, "Thất lạc") == 1
    assert re.search(r"dvcqg: \S+ is missing at the portal", out), out
