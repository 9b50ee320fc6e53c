"""ngansach's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Once the worker has drained, staff look budget-unit code dossiers up through the hub's
API (``GET /api/v1/lookups/ngansach/{query}``; the connector asks Bộ Tài chính over
SOAP), as the menu "Hỗ trợ" would: one query of each kind against the mock (the dossiers
of a day, one dossier's details, the statistics of a period), then each again, which the
hub answers from its cache without asking the ministry (the mock's request count does
not move).

The summary adds rows to the look-up table dkdn and vantai share (same title) and prints
the statistics per kind of unit with their totals row ("Tổng cộng"). dkdn and vantai
have the same :class:`LookupTour` (a connector imports no other).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from io import StringIO
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.sdk import Bilingual, DemoContext, DemoMock, DemoOptions, DemoScenario, DemoTable

__all__ = ["LOOKUPS_TITLE", "QUERIES", "LookupTour", "NgansachDemo", "statistics_table"]

NAME = "ngansach"
#: The title of the summary table every look-up connector adds its rows to.
LOOKUPS_TITLE = Bilingual("Tra cứu (menu Hỗ trợ)", "Look-ups (the Support menu)")
#: One query of each kind, with parameters the mock's seeded dossiers answer.
QUERIES: dict[str, dict[str, str]] = {
    "ho_so_theo_ngay": {"ngay": "2025-09-16"},
    "chi_tiet_ho_so": {"ma_ho_so": "000.00.14.H34-250915-0001"},
    "thong_ke_theo_ky": {"tu_ngay": "2025-09-01", "den_ngay": "2025-09-30"},
}
STATISTICS = "thong_ke_theo_ky"


class NgansachDemo(DemoScenario):
    name = NAME

    def __init__(self) -> None:
        self.tour = LookupTour(NAME, QUERIES)

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [DemoMock(NAME, audit=False)]  # looked up only: nothing is synced to it

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {NAME: {"base_url": mock_urls[NAME], "access_key": "test-key"}}

    async def after_drain(self, ctx: DemoContext) -> None:
        await self.tour.run(ctx)

    async def check(self, ctx: DemoContext) -> list[str]:
        return self.tour.problems()

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        parts: list[DemoTable | str] = [self.tour.table()]
        if STATISTICS in self.tour.answers:
            period = QUERIES[STATISTICS]
            start, end = (date.fromisoformat(period[k]) for k in ("tu_ngay", "den_ngay"))
            span = Bilingual(f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", f"{start} to {end}")
            parts.append(statistics_table(NAME, self.tour.answers[STATISTICS], span))
        return parts


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


def statistics_table(name: str, answer: Mapping[str, Any], period: Bilingual) -> str:
    """A statistics answer of the look-up API as a table: the Vietnamese column headers,
    a row per item, then the totals row; rendered to text for the demo's summary."""
    title = Bilingual(f"{answer['title_vi']}, {period.vi}", f"{answer['title_en']}, {period.en}")
    table = Table(title=f"{name}: {title}")
    columns = answer["columns"]
    for n, column in enumerate(columns):
        table.add_column(column["title_vi"], justify="left" if n == 0 else "right")
    for item in answer["items"]:
        table.add_row(*(str(item.get(c["name"], "")) for c in columns))
    if answer.get("totals"):
        table.add_section()
        table.add_row(*(str(answer["totals"].get(c["name"], "")) for c in columns), style="bold")
    out = StringIO()
    Console(file=out, width=80, color_system=None).print(table)
    return escape(out.getvalue().rstrip("\n"))
