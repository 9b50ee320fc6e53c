"""vantai's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Once the worker has drained, staff look transport dossiers up through the hub's API
(``GET /api/v1/lookups/vantai/{query}``), as the menu "Hỗ trợ" would: one query of each
kind against the mock, then each again, which the hub answers from its cache without
asking the ministry (the mock's request count does not move). Then Bộ GTVT re-issues the
ApiKey it accepts (``POST /_mock/credentials``) while the province's configuration keeps
the old one: a query the cache does not hold is refused with −302, told in Vietnamese.

The summary adds rows to the look-up table the other look-up connectors share (same
title) and prints the monthly statistics with their totals row ("Tổng cộng"). The tour
is the demo kit's :class:`LookupTour`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.markup import escape

from hub.sdk import Bilingual, DemoContext, DemoTable, LookupDemo

__all__ = ["QUERIES", "VantaiDemo"]

NAME = "vantai"
FIRST = "000.00.22.H34-250801-0001"
#: One query of each kind, with parameters the mock's seeded dossiers answer.
QUERIES: dict[str, dict[str, str]] = {
    "danh_sach_ho_so": {"don_vi_xu_ly": "SXD-QNG", "tu_ngay": "2025-08-01",
                        "den_ngay": "2025-10-31"},
    "tra_cuu_ho_so": {"ma_ho_so": FIRST},
    "tai_lieu_ho_so": {"ma_ho_so": FIRST},
    "thong_ke_theo_thang": {"nam": "2025"},
}  # fmt: skip
STATISTICS = "thong_ke_theo_thang"
#: Asked with the wrong ApiKey: a dossier no earlier query cached.
UNCACHED = {"ma_ho_so": "000.00.22.H34-250904-0002"}


class VantaiDemo(LookupDemo):
    name = NAME
    queries = QUERIES

    def __init__(self) -> None:
        super().__init__()
        self.refusal: Bilingual | None = None  #: the −302 answer

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            NAME: {
                "base_url": mock_urls[NAME],
                "username": "kontum",
                "password": "mock-password",
                "ma_don_vi": "000.00.22.H34",
                "api_key": "test-key",
            }
        }

    async def after_drain(self, ctx: DemoContext) -> None:
        await super().after_drain(ctx)
        admin = f"{ctx.mock_url(NAME)}/_mock/credentials"
        (await ctx.http.post(admin, json={"accept_key": "khoa-moi-cap"})).raise_for_status()
        try:
            answer = await ctx.http.get(f"{self.tour.url(ctx)}/tra_cuu_ho_so", params=UNCACHED)
        finally:
            (await ctx.http.post(admin, json={"accept_key": "test-key"})).raise_for_status()
        error = (answer.json().get("errors") or [{}])[0]
        vi, en = str(error.get("message_vi", "")), str(error.get("message_en", ""))
        if answer.status_code == 502 and "-302" in vi:
            # The ministry's words carry both languages ("... / ..."): the Vietnamese first.
            self.refusal = Bilingual(vi.split(" / ")[0], en)

    async def check(self, ctx: DemoContext) -> list[str]:
        lines = await super().check(ctx)
        if self.refusal is None:
            lines.append(
                str(
                    Bilingual(
                        f"{NAME}: ApiKey sai không bị từ chối với mã −302",
                        f"{NAME}: a wrong ApiKey was not refused with −302",
                    )
                )
            )
        return lines

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        table = self.tour.table()
        wrong = Bilingual(
            f"{NAME}: ApiKey sai, bị từ chối (−302)", f"{NAME}: wrong ApiKey, refused (−302)"
        )
        table.rows.append((wrong, 1 if self.refusal else 0))
        if self.refusal:
            table.notes.append(f"  {NAME} −302: {escape(str(self.refusal))}")
        year = QUERIES[STATISTICS]["nam"]
        return [table, *self.tour.statistics(STATISTICS, Bilingual(f"năm {year}", year))]
