"""The look-up service: every connector's queries (:mod:`hub.lookups`), cached, rate
limited per connector and behind the breaker the worker uses for pushes.

Used by ``GET /api/v1/lookups`` (:mod:`hub.routes.lookups`) and ``tthc-hub lookup``
(:mod:`hub.commands.lookup`); docs/lookups.md tells the rules.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from hub import reasons_api as A
from hub.errors import RequestRefused, TransientError
from hub.logging import get_logger
from hub.lookups import (
    VN_TZ,
    LookupBusy,
    LookupConnector,
    LookupInvalid,
    LookupNotFound,
    LookupPage,
    LookupParams,
    LookupRow,
    LookupSettings,
    Query,
    parse_params,
)
from hub.models import MaHoSo

__all__ = ["FETCH_QUERY", "FetchLookup", "LookupAnswer", "LookupService", "cache_key"]

log = get_logger("hub.lookups")


class DossierParams(LookupParams):
    ma_ho_so: MaHoSo = Field(title="Mã hồ sơ")


class ProcessRow(LookupRow):
    ma_ho_so: str = Field(title="Mã hồ sơ")
    trang_thai: str | None = Field(default=None, title="Trạng thái")
    buoc: str | None = Field(default=None, title="Bước xử lý")
    trang_thai_buoc: str | None = Field(default=None, title="Trạng thái bước")
    bat_dau: datetime | None = Field(default=None, title="Bắt đầu")
    noi_dung: str | None = Field(default=None, title="Nội dung")


#: The look-up every connector with FETCH (or TRACK) and no look-ups of its own answers.
FETCH_QUERY = Query(
    "tra_cuu_ho_so",
    "Tra cứu hồ sơ (quy trình xử lý)",
    "Look a dossier up (process history)",
    params=DossierParams,
    result=ProcessRow,
    cache_seconds=60,
)


class FetchLookup:
    """A connector's ``fetch`` as the one look-up :data:`FETCH_QUERY`: a row per step."""

    lookups: tuple[Query, ...] = (FETCH_QUERY,)

    def __init__(self, connector: Any) -> None:
        self.connector = connector
        self.name: str = connector.name
        self.title: str = getattr(connector, "title", connector.name)
        self.capabilities = frozenset({"lookup"})

    async def lookup(
        self, query: str, params: BaseModel, *, page: int, page_size: int
    ) -> LookupPage:
        code = str(getattr(params, "ma_ho_so", ""))
        remote = await self.connector.fetch(code)
        if remote is None:
            raise LookupNotFound(A.LOOKUP_NOT_FOUND(system=self.name), system=self.name)
        status = remote.trang_thai.label_vi if remote.trang_thai else remote.raw_status
        rows = [
            ProcessRow(
                ma_ho_so=remote.ma_ho_so,
                trang_thai=status,
                buoc=step.buoc,
                trang_thai_buoc=step.trang_thai.label_vi,
                bat_dau=step.bat_dau,
                noi_dung=step.noi_dung,
            )
            for step in remote.history
        ]
        return LookupPage(rows or [ProcessRow(ma_ho_so=remote.ma_ho_so, trang_thai=status)])


@dataclass
class LookupAnswer:
    connector: str
    query: Query
    page: LookupPage
    fetched_at: datetime
    cached: bool = False
    stale: bool = False
    notice_vi: str | None = None
    notice_en: str | None = None

    def rows(self) -> list[dict[str, Any]]:
        return [item.model_dump(mode="json") for item in self.page.items]

    def to_json(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "query": self.query.name,
            "title_vi": self.query.title_vi,
            "title_en": self.query.title_en,
            "columns": [{"name": n, "title_vi": t} for n, t in self.query.columns()],
            "items": self.rows(),
            "page": self.page.page,
            "page_size": self.page.page_size,
            "total": self.page.total,
            "totals": self.page.totals,
            "fetched_at": self.fetched_at.isoformat(timespec="seconds"),
            "cached": self.cached,
            "stale": self.stale,
            "notice_vi": self.notice_vi,
            "notice_en": self.notice_en,
        }


@dataclass
class _Bucket:
    rate: float  # tokens per second
    burst: int
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one is free."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def cache_key(connector: str, query: str, params: BaseModel, page: int, page_size: int) -> str:
    """A hash of the question: the parameters (maybe a person's tax code) never appear."""
    raw = json.dumps(
        [connector, query, params.model_dump(mode="json"), page, page_size],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


class Circuitlike(Protocol):
    state: str

    def allowed_slots(self, free: int, now: float) -> int: ...

    def record(self, ok: bool, now: float) -> str | None: ...


class LookupService:
    """Every look-up of every connector, cached, rate limited and behind the breaker.

    :param connectors: the hub's connectors (those without LOOKUP are left out).
    :param circuits: the worker's breakers by connector (``hub.worker.circuits``),
        so a ministry that fails pushes is not asked look-ups either, and the reverse.
    """

    def __init__(
        self,
        connectors: Mapping[str, Any],
        circuits: Mapping[str, Circuitlike] | None = None,
    ) -> None:
        self.connectors: dict[str, LookupConnector] = {}
        for name, c in connectors.items():
            caps = {str(cap) for cap in getattr(c, "capabilities", ())}
            if "lookup" in caps and isinstance(c, LookupConnector):
                self.connectors[name] = c
            elif caps & {"fetch", "track"}:  # hộ tịch, MOLISA, MONRE: their FETCH as a look-up
                self.connectors[name] = FetchLookup(c)
        self.circuits = circuits or {}
        self._cache: OrderedDict[str, tuple[float, datetime, LookupPage]] = OrderedDict()
        self._buckets: dict[str, _Bucket] = {}
        self.calls = 0  #: calls that reached a ministry

    def settings(self, connector: str) -> LookupSettings:
        value = getattr(self.connectors[connector], "lookup_settings", None)
        return value if isinstance(value, LookupSettings) else LookupSettings()

    def catalog(self) -> list[dict[str, Any]]:
        return [
            {
                "connector": name,
                "title": getattr(c, "title", name),
                "queries": [q.describe() for q in c.lookups],
            }
            for name, c in sorted(self.connectors.items())
        ]

    def find(self, connector: str, query: str) -> Query:
        c = self.connectors.get(connector)
        if c is None:
            raise RequestRefused(
                A.NO_LOOKUP_CONNECTOR(connector=connector), code="not_found", loc="connector"
            )
        for q in c.lookups:
            if q.name == query:
                return q
        names = ", ".join(q.name for q in c.lookups)
        raise RequestRefused(
            A.NO_QUERY(connector=connector, query=query, names=names), code="not_found", loc="query"
        )

    def ttl(self, connector: str, query: Query) -> float:
        s = self.settings(connector)
        if query.name in s.cache_per_query:
            return s.cache_per_query[query.name]
        return query.cache_seconds if query.cache_seconds is not None else s.cache_seconds

    async def run(
        self,
        connector: str,
        query_name: str,
        raw: Mapping[str, Any],
        *,
        page: int = 1,
        page_size: int = 50,
    ) -> LookupAnswer:
        """Validate, then answer from the cache, or ask the ministry (see the module doc)."""
        query = self.find(connector, query_name)
        if page < 1:
            raise LookupInvalid(
                "page must be 1 or more",
                loc="query.page",
                code="invalid",
                reason_vi="tham số page phải từ 1 trở lên",
            )
        if not 1 <= page_size <= 500:
            raise LookupInvalid(
                "page_size must be 1..500",
                loc="query.page_size",
                code="invalid",
                reason_vi="tham số page_size phải từ 1 đến 500",
            )
        params = parse_params(query, raw)
        key = cache_key(connector, query.name, params, page, page_size)
        now = time.monotonic()
        held = self._cache.get(key)
        if held is not None and now - held[0] < self.ttl(connector, query):
            log.info("lookup", connector=connector, query=query.name, key=key[:16], cached=True)
            return LookupAnswer(connector, query, held[2], held[1], cached=True)
        try:
            page_answer = await self._call(connector, query, params, page, page_size, now)
        except TransientError as exc:
            stale = self._stale(connector, key, now)
            if stale is None:
                raise
            log.warning(
                "lookup_stale", connector=connector, query=query.name, key=key[:16], error=exc.code
            )
            return _stale_answer(connector, query, stale)
        fetched = datetime.now(VN_TZ)
        self._cache[key] = (time.monotonic(), fetched, page_answer)
        self._cache.move_to_end(key)
        while len(self._cache) > self.settings(connector).max_entries:
            self._cache.popitem(last=False)
        log.info(
            "lookup",
            connector=connector,
            query=query.name,
            key=key[:16],
            cached=False,
            rows=len(page_answer.items),
        )
        return LookupAnswer(connector, query, page_answer, fetched)

    async def _call(
        self, connector: str, query: Query, params: BaseModel, page: int, size: int, now: float
    ) -> LookupPage:
        circuit = self.circuits.get(connector)
        if circuit is not None and circuit.allowed_slots(1, now) == 0:
            raise TransientError(
                A.CIRCUIT_OPEN(connector=connector),
                system=connector,
                code="circuit_open",
            )
        s = self.settings(connector)
        bucket = self._buckets.setdefault(
            connector, _Bucket(s.rate_per_minute / 60.0, s.burst, tokens=float(s.burst))
        )
        wait = bucket.take(now)
        if wait > 0:
            raise LookupBusy(
                A.RATE_LIMITED(connector=connector, rate=f"{s.rate_per_minute:g}"),
                system=connector,
                retry_after=wait,
            )
        self.calls += 1
        try:
            answer = await self.connectors[connector].lookup(
                query.name, params, page=page, page_size=size
            )
        except TransientError:
            if circuit is not None:
                circuit.record(False, time.monotonic())
            raise
        if circuit is not None:
            circuit.record(True, time.monotonic())
        if not isinstance(answer, LookupPage):
            raise TypeError(f"{connector}.lookup({query.name}) returned {type(answer).__name__}")
        return answer

    def _stale(self, connector: str, key: str, now: float) -> tuple[datetime, LookupPage] | None:
        held = self._cache.get(key)
        if held is None or now - held[0] > self.settings(connector).stale_seconds:
            return None
        return held[1], held[2]


def _stale_answer(connector: str, query: Query, stale: tuple[datetime, LookupPage]) -> LookupAnswer:
    fetched, page = stale
    hhmm = fetched.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
    return LookupAnswer(
        connector,
        query,
        page,
        fetched,
        cached=True,
        stale=True,
        notice_vi=f"Hệ thống của Bộ hiện không phản hồi; kết quả của lần tra cứu lúc {hhmm}",
        notice_en=f"The ministry is unavailable; last answer from {hhmm}",
    )
