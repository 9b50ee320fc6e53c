"""dkdn's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Once the worker has drained, staff look business registrations up through the hub's API
(``GET /api/v1/lookups/dkdn/{query}``), as the menu "Hỗ trợ" would: one query of each
kind against the mock (an enterprise by its mã số doanh nghiệp, a household business and
a cooperative by their mã số thuế, the dossiers received in a period, those processed
today), then each again, which the hub answers from its cache without asking the
ministry (the mock's request count does not move).

The summary adds rows to the look-up table vantai and ngansach share (same title); no
personal data is printed, only counts. vantai and ngansach have the same
:class:`LookupTour` (a connector imports no other).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from hub.sdk import Bilingual, DemoContext, DemoMock, DemoOptions, DemoScenario, DemoTable

__all__ = ["LOOKUPS_TITLE", "QUERIES", "DkdnDemo", "LookupTour"]

NAME = "dkdn"
#: The title of the summary table every look-up connector adds its rows to.
LOOKUPS_TITLE = Bilingual("Tra cứu (menu Hỗ trợ)", "Look-ups (the Support menu)")
#: One query of each kind, with parameters the mock's seeded records answer.
QUERIES: dict[str, dict[str, str]] = {
    "chi_tiet_doanh_nghiep": {"msdn": "6100234563"},
    "chi_tiet_ho_kinh_doanh": {"mst": "6101122333"},
    "chi_tiet_hop_tac_xa": {"mst": "6101345604"},
    "ho_so_tiep_nhan": {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
    "ho_so_xu_ly_trong_ngay": {},  # today
}


class DkdnDemo(DemoScenario):
    name = NAME

    def __init__(self) -> None:
        self.tour = LookupTour(NAME, QUERIES)

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [DemoMock(NAME, audit=False)]  # looked up only: nothing is synced to it

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {NAME: {"base_url": mock_urls[NAME], "api_key": "test-key"}}

    async def after_drain(self, ctx: DemoContext) -> None:
        await self.tour.run(ctx)

    async def check(self, ctx: DemoContext) -> list[str]:
        return self.tour.problems()

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        return [self.tour.table()]


class LookupTour:
    """Each query once through the hub's API, then each again: what came back, and the
    requests the mock counted (``GET /_mock/stats``) for each round."""

    def __init__(self, name: str, queries: Mapping[str, Mapping[str, str]]) -> None:
        self.name, self.queries = name, queries
        self.answers: dict[str, dict[str, Any]] = {}  #: query -> the API's answer
        self.failed: list[str] = []
        self.calls = 0  #: requests the mock counted for the first round
        self.cached = 0  #: answers to the second round from the hub's cache
        self.repeat_calls = 0  #: requests the mock counted for the second round

    def url(self, ctx: DemoContext) -> str:
        return f"{ctx.api_url}/api/v1/lookups/{self.name}"

    async def run(self, ctx: DemoContext) -> None:
        before = await self._requests(ctx)
        for query, params in self.queries.items():
            answer = await ctx.http.get(f"{self.url(ctx)}/{query}", params=params)
            if answer.status_code == 200 and answer.json()["items"]:
                self.answers[query] = answer.json()
            else:
                why = f"HTTP {answer.status_code} {_reason(answer)}".strip()
                self.failed.append(f"{self.name} {query}: {why}")
        middle = await self._requests(ctx)
        self.calls = middle - before
        for query in self.answers:
            again = await ctx.http.get(f"{self.url(ctx)}/{query}", params=self.queries[query])
            self.cached += again.status_code == 200 and again.json()["cached"] is True
        self.repeat_calls = await self._requests(ctx) - middle

    async def _requests(self, ctx: DemoContext) -> int:
        answer = await ctx.http.get(f"{ctx.mock_url(self.name)}/_mock/stats")
        return int(answer.json()["requests"])

    def problems(self) -> list[str]:
        """What went wrong: a query that failed, a query asked again that reached the
        ministry or was not answered from the cache."""
        lines = list(self.failed)
        name, missed = self.name, len(self.answers) - self.cached
        if missed:
            vi = f"{name}: {missed} truy vấn hỏi lại không được trả từ bộ nhớ đệm"
            lines.append(
                str(Bilingual(vi, f"{name}: {missed} queries asked again missed the cache"))
            )
        if n := self.repeat_calls:
            vi = f"{name}: hỏi lại trong thời gian lưu đệm vẫn gửi {n} yêu cầu tới Bộ"
            en = f"{name}: asking again within the cache time sent {n} requests"
            lines.append(str(Bilingual(vi, en)))
        return lines

    def table(self) -> DemoTable:
        """Rows for the shared look-up table; the rows each query gave under it."""
        name = self.name
        rows: list[tuple[Bilingual, int | str]] = [
            (
                Bilingual(f"{name}: truy vấn có kết quả", f"{name}: queries answered"),
                f"{len(self.answers)}/{len(self.queries)}",
            ),
            (Bilingual(f"{name}: yêu cầu tới Bộ", f"{name}: requests to the ministry"), self.calls),
            (
                Bilingual(
                    f"{name}: hỏi lại, trả từ bộ nhớ đệm", f"{name}: asked again, from the cache"
                ),
                f"{self.cached}/{len(self.answers)}",
            ),
            (
                Bilingual(
                    f"{name}: yêu cầu tới Bộ khi hỏi lại", f"{name}: requests when asked again"
                ),
                self.repeat_calls,
            ),
        ]
        counts = " · ".join(f"{q} {len(a['items'])}" for q, a in self.answers.items())
        return DemoTable(LOOKUPS_TITLE, rows, [f"  {name}: {counts}"])


def _reason(answer: httpx.Response) -> str:
    try:
        error = (answer.json().get("errors") or [{}])[0]
    except ValueError:
        return ""
    return str(error.get("message_en") or error.get("type") or "")
