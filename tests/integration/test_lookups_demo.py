"""The look-up connectors' part of ``tthc-hub demo`` (dkdn, ngansach, vantai): the demo
runner with only these plugins and the bundled mocks, as ``tthc-hub demo`` runs them.
Every query answers through the hub's API, each asked again is answered from the cache
(the mock's request count unchanged), a wrong ApiKey at vantai is refused with −302 in
Vietnamese, and the statistics print with their totals row; a cache that lets a repeated
query reach the ministry counts as lost."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console

import connectors.dkdn
import connectors.ngansach
import connectors.vantai
import mocks.registry
from connectors.dkdn.demo import QUERIES as DKDN_QUERIES
from connectors.dkdn.demo import DkdnDemo
from hub import hookimpl
from hub.demo import run_demo
from hub.plugins import get_plugin_manager


def _run(tmp_path: Path, *plugins: Any) -> tuple[int, str]:
    pm = get_plugin_manager(load_entry_points=False)
    for plugin in (mocks.registry, *plugins):
        pm.register(plugin)
    console = Console(record=True, width=120)
    lost = run_demo(keep=tmp_path / "demo.db", console=console, pm=pm)
    return lost, console.export_text()


def _row(out: str, label: str, value: str) -> bool:
    return re.search(rf"│ {re.escape(label)}\s*│\s*{re.escape(value)} │", out) is not None


def test_the_demo_looks_up_each_kind_once_then_from_the_cache(tmp_path: Path) -> None:
    lost, out = _run(tmp_path, connectors.dkdn, connectors.ngansach, connectors.vantai)
    assert lost == 0, out
    assert _row(out, "Thất lạc", "0"), out
    assert "Tra cứu (menu Hỗ trợ)" in out
    for name, queries in (("dkdn", 5), ("ngansach", 3), ("vantai", 4)):
        assert _row(out, f"{name}: truy vấn có kết quả", f"{queries}/{queries}"), out
        assert _row(out, f"{name}: hỏi lại, trả từ bộ nhớ đệm", f"{queries}/{queries}"), out
        assert _row(out, f"{name}: yêu cầu tới Bộ khi hỏi lại", "0"), out
        calls = re.search(rf"│ {name}: yêu cầu tới Bộ\s*│\s*(\d+) │", out)
        assert calls is not None and int(calls[1]) >= queries, out
    assert _row(out, "vantai: ApiKey sai, bị từ chối (−302)", "1"), out
    assert "vantai −302: TraCuuHoSo: mã lỗi -302: ApiKey không đúng" in out
    assert "the ApiKey is wrong" not in out  # the Vietnamese part only
    # The statistics of both, each ending with its totals row.
    assert "vantai: Thống kê hồ sơ theo tháng, năm 2025" in out
    assert re.search(r"│ Tổng cộng\s*│\s*18 │\s*6 │\s*12 │\s*3 │", out), out
    assert "ngansach: Thống kê hồ sơ theo kỳ, 01/09/2025 – 30/09/2025" in out
    assert re.search(r"│ Tổng cộng\s*│\s*15 │\s*7 │\s*2 │\s*6 │", out), out


class _UncachedDkdn(DkdnDemo):
    """dkdn's scenario with every answer cached for 0 seconds: asking again reaches the
    ministry, which the scenario must count as lost."""

    def settings(self, mock_urls: Any) -> dict[str, dict[str, Any]]:
        section = super().settings(mock_urls)
        section["dkdn"]["lookups"] = {"cache_per_query": dict.fromkeys(DKDN_QUERIES, 0)}
        return section


class _UncachedDkdnPlugin:
    @hookimpl
    def register_connectors(self, settings: Any) -> list[Any]:
        return connectors.dkdn.register_connectors(settings)

    @hookimpl
    def register_demo_scenarios(self) -> list[Any]:
        return [_UncachedDkdn()]


def test_a_repeated_query_reaching_the_ministry_counts_as_lost(tmp_path: Path) -> None:
    lost, out = _run(tmp_path, _UncachedDkdnPlugin())
    assert lost == 2, out
    assert "dkdn: 5 truy vấn hỏi lại không được trả từ bộ nhớ đệm" in out
    assert "dkdn: hỏi lại trong thời gian lưu đệm vẫn gửi 5 yêu cầu tới Bộ" in out
    assert _row(out, "dkdn: hỏi lại, trả từ bộ nhớ đệm", "0/5"), out
    assert _row(out, "Thất lạc", "2"), out
