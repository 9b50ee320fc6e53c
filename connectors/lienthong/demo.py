"""Liên thông's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

The mock holds interlinked dossiers (as many as ``--ministry-filed``); the hub pulls
them, then an official's screen asks the hub's API (this connector's routes) for the
statistics and searches by a name typed without accents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.sdk import (
    Bilingual,
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    DemoTable,
    fold,
    mask_name,
)

__all__ = ["LIENTHONG_CODES", "LienthongDemo"]

LIENTHONG_CODES = ["2.000986", "1.006714", "1.011733", "2.002622"]

#: The hộ tịch scenario's title: the two share one table.
CIVIL_TITLE = Bilingual("Hộ tịch và liên thông", "Civil status and interlinked services")


class LienthongDemo(DemoScenario):
    name = "lienthong"

    def __init__(self) -> None:
        self.pulled = 0
        self.view: dict[str, Any] = {}

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [DemoMock("lienthong", seed_count=max(1, options.ministry_filed))]

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            "lienthong": {
                "base_url": mock_urls["lienthong"],
                "user_name": "mcdt-tinh",
                "password": "test-key",
                "timeout_seconds": 2.0,
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        return [{"connector": "lienthong", "ma_tthc": LIENTHONG_CODES}]

    async def before_drain(self, ctx: DemoContext) -> None:
        self.pulled = (await ctx.hub.pull_once("lienthong")).new

    async def after_drain(self, ctx: DemoContext) -> None:
        """The statistics and a search by unaccented name, through the hub's API."""
        base = f"{ctx.api_url}/api/v1/lienthong"
        counts = (await ctx.http.get(f"{base}/stats")).json()
        first = (await ctx.http.get(f"{base}/search", params={"limit": 1})).json()["items"]
        self.view = {"stats": counts, "query": None, "found": 0}
        if first:
            query = fold(first[0]["chu_ho_so"])  # "nguyen van an" finds "Nguyễn Văn An"
            params: dict[str, Any] = {"ten": query, "limit": 10}
            found = (await ctx.http.get(f"{base}/search", params=params)).json()
            self.view |= {"query": query, "found": len(found["items"])}

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        """Pulled, counted by status and procedure, found by a name without accents."""
        pulled = Bilingual("Hồ sơ liên thông đã nhận về", "Interlinked dossiers pulled")
        counts = self.view["stats"]
        by_status = ", ".join(
            str(Bilingual(s["ten_vi"], s["ten_en"])) + f": {s['so']}"
            for s in counts["theo_trang_thai"]
        )
        by_code = ", ".join(f"{c['ma_tthc']}: {c['so']}" for c in counts["theo_thu_tuc"])
        stats = Bilingual("Thống kê liên thông", "Interlinked statistics")
        notes = [f"{stats}: {counts['tong']} ({by_status}; {by_code})"]
        if self.view["query"] is not None:
            search = Bilingual("Tra cứu theo tên không dấu", "Search by name without accents")
            notes.append(f"{search} '{mask_name(self.view['query'])}': {self.view['found']}")
        return [DemoTable(CIVIL_TITLE, [(pulled, self.pulled)], notes)]
