"""ngansach's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Once the worker has drained, staff look budget-unit code dossiers up through the hub's
API (``GET /api/v1/lookups/ngansach/{query}``; the connector asks Bộ Tài chính over
SOAP), as the menu "Hỗ trợ" would: one query of each kind against the mock (the dossiers
of a day, one dossier's details, the statistics of a period), then each again, which the
hub answers from its cache without asking the ministry (the mock's request count does
not move).

The summary adds rows to the look-up table dkdn and vantai share (same title) and prints
the statistics per kind of unit with their totals row ("Tổng cộng"). The tour is the
demo kit's :class:`LookupTour`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hub.sdk import Bilingual, DemoContext, DemoTable, LookupDemo

__all__ = ["QUERIES", "NgansachDemo"]

NAME = "ngansach"
#: One query of each kind, with parameters the mock's seeded dossiers answer.
QUERIES: dict[str, dict[str, str]] = {
    "ho_so_theo_ngay": {"ngay": "2025-09-16"},
    "chi_tiet_ho_so": {"ma_ho_so": "000.00.14.H34-250915-0001"},
    "thong_ke_theo_ky": {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
}
STATISTICS = "thong_ke_theo_ky"


class NgansachDemo(LookupDemo):
    name = NAME
    queries = QUERIES

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {NAME: {"base_url": mock_urls[NAME], "access_key": "test-key"}}

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        period = QUERIES[STATISTICS]
        start, end = (date.fromisoformat(period[k]) for k in ("tu_ngay", "den_ngay"))
        span = Bilingual(f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", f"{start} to {end}")
        return [self.tour.table(), *self.tour.statistics(STATISTICS, span)]
