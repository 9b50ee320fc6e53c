"""What a plugin gives ``tthc-hub demo``: its part of the demo (``register_demo_scenarios``).

A connector package adds itself to the demo by returning :class:`DemoScenario` objects
from the ``register_demo_scenarios`` hook (docs/hooks.md). The demo (``hub/demo.py``)
knows no connector and no mock by name: it asks every plugin for its scenarios, then

1. starts the mock servers the scenarios name (:meth:`DemoScenario.mocks`, each built by
   the ``register_mocks`` factory of that name), seeds them and sets their faults
   through the admin API every mock kit mock serves (``/_mock/seed``, ``/_mock/faults``);
2. builds one hub from every scenario's ``[connectors.X]`` sections
   (:meth:`DemoScenario.settings`, given the mocks' URLs) and ``[[routes]]``
   (:meth:`DemoScenario.routes`) on a temporary SQLite file, and starts its API and worker;
3. ingests every scenario's province events (:meth:`DemoScenario.events`) through
   ``POST /api/v1/events``;
4. runs each scenario's :meth:`~DemoScenario.before_drain` (pull, receive, file more),
   waits until the worker can move nothing more, clears every mock's faults, then runs
   each :meth:`~DemoScenario.after_drain` (poll, look up, decide at the ministry ...) and
   :meth:`~DemoScenario.check` (what it counts as lost);
5. checks every synced job against what its mock received (applied exactly once), and
   prints the hub's summary, then each scenario's :meth:`~DemoScenario.summary`.

Scenarios run in the order of their names. Every step gets the :class:`DemoContext`;
a scenario object is built for one run, so it keeps what it needs between its steps
in its own attributes. Labels are :class:`Bilingual` (Vietnamese, English): the demo
prints the language of ``--lang``.

A connector that declares look-ups shows them with a :class:`LookupTour`: given its
example parameters per query, it asks each through ``GET /api/v1/lookups/{name}/{query}``,
then each again (answered from the hub's cache), and gives the problems and the rows of
the shared look-up table "Tra cứu (menu Hỗ trợ)".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from hub.models import DossierEvent
    from hub.service import Hub

__all__ = [
    "Bilingual",
    "DemoContext",
    "DemoMock",
    "DemoOptions",
    "DemoScenario",
    "DemoTable",
    "LookupDemo",
    "LookupTour",
]


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A label for officials in Vietnamese, with its English; ``str()`` gives the language
    the command line runs in (``--lang``, ``TTHC_HUB_LANG``)."""

    vi: str
    en: str

    def __str__(self) -> str:
        from hub.i18n import lang

        return self.vi if lang() == "vi" else self.en


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """The knobs of ``tthc-hub demo`` (``--help``), for scenarios to size themselves by."""

    #: Province dossiers to sync (``--dossiers``).
    dossiers: int = 60
    #: Dossiers filed at the ministry, to pull (``--ministry-filed``).
    ministry_filed: int = 12
    #: Dossiers lacking what the ministry requires (``--invalid``).
    invalid: int = 3
    #: Share of calls the mocks fail (``--fault-rate``).
    fault_rate: float = 0.12
    #: The seed of the sample data and of the faults (``--seed``).
    seed: int = 2026


@dataclass(frozen=True, slots=True)
class DemoMock:
    """A mock server a scenario needs, and how to prepare it before anything is sent."""

    #: The mock's name in ``register_mocks`` (by convention, its connector's name).
    name: str
    #: Ministry-filed dossiers to create at start (``POST /_mock/seed`` with the demo's seed).
    seed_count: int = 0
    #: Faults to inject from the start (``POST /_mock/faults``), as the mock kit reads
    #: them: ``{"kind": "http_503", "rate": 0.1, "paths": ["/..."]}`` (docs/mocks.md).
    #: Every mock's faults are cleared once the worker has drained.
    faults: Sequence[Mapping[str, Any]] = ()
    #: Check every job the connector of the same name synced against the mock's
    #: ``GET /_mock/received`` (applied exactly once, else it counts as lost), and count
    #: its ``duplicates`` (``GET /_mock/stats``) in the summary.
    audit: bool = True


@dataclass(slots=True)
class DemoTable:
    """A two-column table of the summary (label, value) with lines printed under it.

    Tables with the same title are printed as one: the rows and lines of the second
    scenario follow the first's (related connectors may share a table)."""

    title: Bilingual
    rows: list[tuple[Bilingual, int | str]] = field(default_factory=list)
    #: Lines printed under the table (reasons, a refusal, a search), personal data masked.
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DemoContext:
    """What every step of a scenario gets: the running hub, its API, the mocks."""

    #: The running hub: ``hub.store``, ``hub.pull_once(name)``, ``hub.track_once(name)``,
    #: ``hub.catalog`` ...
    hub: Hub
    #: An HTTP client for the hub's API and the mocks' admin API (closed after the run:
    #: :meth:`DemoScenario.summary` reads the store only).
    http: httpx.AsyncClient
    #: The hub API's base URL (``{api_url}/api/v1/...``).
    api_url: str
    #: Mock name -> its base URL, for every mock the scenarios started.
    mock_urls: Mapping[str, str]
    options: DemoOptions
    #: Ingest events through ``POST /api/v1/events`` in batches of 50 (failing loudly if
    #: the hub refuses one), updating the progress bar.
    ingest: Callable[[Sequence[Mapping[str, Any] | DossierEvent]], Awaitable[None]]

    def mock_url(self, name: str) -> str:
        """The base URL of the mock ``name`` (one a scenario asked for)."""
        return self.mock_urls[name]


class DemoScenario:
    """One plugin's part of ``tthc-hub demo``. Subclass it and override what you need;
    each method's default does nothing.

    ``register_demo_scenarios`` returns fresh objects for every run; the steps are called
    in the order they are listed here."""

    #: The scenario's name, usually its connector's; unique across plugins.
    name: str = ""

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        """The mocks to start (by their ``register_mocks`` name), seeded and faulted."""
        return []

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        """Connector name -> its ``[connectors.X]`` section, against the mocks' URLs
        (``mock_urls[name]``). Use the mock's test keys; never a real secret."""
        return {}

    def routes(self) -> list[dict[str, Any]]:
        """``[[routes]]`` entries (``{"connector": "x", "ma_tthc": [...]}`` or
        ``"sectors"``) that send the province's dossiers to the connector."""
        return []

    def events(self, options: DemoOptions) -> list[dict[str, Any]]:
        """The province's events (JSON, as ``POST /api/v1/events`` takes them), generated
        from ``options.seed``; ingested before any scenario's other steps."""
        return []

    async def before_drain(self, ctx: DemoContext) -> None:
        """While the worker runs, after every scenario's events are in: pull from the
        ministry, receive at the province, ingest more (``ctx.ingest``)."""

    async def after_drain(self, ctx: DemoContext) -> None:
        """Once the worker can move nothing more and the faults are cleared: poll
        results, look up, have the ministry decide, reconcile ..."""

    async def check(self, ctx: DemoContext) -> list[str]:
        """What this scenario lost, one line each (e.g. a result the ministry returned
        that never reached the province); each counts toward "Thất lạc" (lost) and makes
        the demo exit non-zero. Mocks are still up."""
        return []

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        """What to print after the hub's summary: tables and lines (servers stopped;
        read ``ctx.hub.store`` and what the earlier steps kept)."""
        return []


#: The title of the summary table every look-up connector adds its rows to.
LOOKUPS_TITLE = Bilingual("Tra cứu (menu Hỗ trợ)", "Look-ups (the Support menu)")


class LookupTour:
    """A look-up connector's part of the demo: each query once through the hub's API, then
    each again: what came back, and the requests the mock counted (``GET /_mock/stats``)
    for each round. ``queries`` maps each query to example parameters the mock's seeded
    records answer. Call :meth:`run` in ``after_drain``, return :meth:`problems` from
    ``check`` and :meth:`table` (and :meth:`statistics`) from ``summary``."""

    def __init__(self, name: str, queries: Mapping[str, Mapping[str, str]]) -> None:
        self.name, self.queries = name, queries
        self.answers: dict[str, dict[str, Any]] = {}  #: query -> the API's answer
        self.failed: list[str] = []
        self.calls = 0  #: requests the mock counted for the first round
        self.cached = 0  #: answers to the second round from the hub's cache
        self.repeat_calls = 0  #: requests the mock counted for the second round

    def url(self, ctx: DemoContext) -> str:
        """The connector's look-ups in the hub's API (``{url}/{query}``)."""
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

    def statistics(self, query: str, period: Bilingual) -> list[DemoTable | str]:
        """The answer to the statistics ``query`` as a table for the summary (the
        Vietnamese column headers, a row per item, then the totals row), titled with
        ``period``; nothing if the query had no answer."""
        from io import StringIO

        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        if query not in self.answers:
            return []
        answer = self.answers[query]
        title = Bilingual(
            f"{answer['title_vi']}, {period.vi}", f"{answer['title_en']}, {period.en}"
        )
        table = Table(title=f"{self.name}: {title}")
        columns = answer["columns"]
        for n, column in enumerate(columns):
            table.add_column(column["title_vi"], justify="left" if n == 0 else "right")
        for item in answer["items"]:
            table.add_row(*(str(item.get(c["name"], "")) for c in columns))
        if answer.get("totals"):
            table.add_section()
            totals = answer["totals"]
            table.add_row(*(str(totals.get(c["name"], "")) for c in columns), style="bold")
        out = StringIO()
        Console(file=out, width=80, color_system=None).print(table)
        return [escape(out.getvalue().rstrip("\n"))]


def _reason(answer: httpx.Response) -> str:
    try:
        error = (answer.json().get("errors") or [{}])[0]
    except ValueError:
        return ""
    return str(error.get("message_en") or error.get("type") or "")


class LookupDemo(DemoScenario):
    """The whole demo part of a connector that only answers look-ups: its mock (nothing is
    synced to it, so no audit), a :class:`LookupTour` of ``queries`` after the drain, its
    problems as lost lines and its rows in the shared look-up table. A subclass sets
    ``name`` and ``queries`` and returns its settings; it extends a step with ``super()``."""

    #: Query name -> example parameters the mock's seeded records answer.
    queries: Mapping[str, Mapping[str, str]] = {}

    def __init__(self) -> None:
        self.tour = LookupTour(self.name, self.queries)

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [DemoMock(self.name, audit=False)]

    async def after_drain(self, ctx: DemoContext) -> None:
        await self.tour.run(ctx)

    async def check(self, ctx: DemoContext) -> list[str]:
        return self.tour.problems()

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        return [self.tour.table()]
