"""Look-ups: named queries a connector answers for staff ("Hỗ trợ > Tra cứu ...").

A connector that can answer questions about what was filed at its ministry (a
business's registration, the dossiers a transport office received last week, a
statistics table per month) declares them as :class:`Query` objects in its
``lookups`` attribute, adds :attr:`Capability.LOOKUP <hub.connector.Capability>`
to its capabilities and implements one method::

    class VantaiConnector:
        capabilities = frozenset({Capability.FETCH, Capability.LOOKUP})
        lookups = (
            Query("danh_sach_ho_so", "Lấy danh sách hồ sơ", "Dossiers received",
                  params=DanhSachParams, result=HoSoRow, paged=True),
        )

        async def lookup(self, query: str, params: BaseModel, *, page: int,
                         page_size: int) -> LookupPage: ...

The hub validates the parameters with the query's pydantic model *before* any call
(:func:`parse_params`: a clear error naming the parameter), and the service of
:mod:`hub.lookup_service` (``GET /api/v1/lookups``, ``tthc-hub lookup``) is gentle with
the ministry:
answers are cached per query for a configurable time (the key is a hash of the
parameters: no personal data in keys or logs), calls are rate limited per connector,
the breaker is the one the worker uses for pushes, and when the ministry fails the
last answer is served with the time it was fetched.

Column headers for people come from the result model's ``Field(title=...)``
(Vietnamese); a statistics query returns its rows and a ``totals`` row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import Annotated, Any, ClassVar, Protocol, runtime_checkable

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from hub.errors import HubError, Reason, RequestRefused
from hub.i18n import lang
from hub.logging import get_logger

__all__ = [
    "DateRangeParams",
    "LookupBusy",
    "LookupConnector",
    "LookupNotFound",
    "LookupPage",
    "LookupParams",
    "LookupRow",
    "LookupSettings",
    "MaSoDoanhNghiep",
    "MaSoThue",
    "Query",
    "check_mst",
    "parse_params",
]

log = get_logger("hub.lookups")

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

#: Weights of the first nine digits of a mã số thuế; the tenth is the check digit.
MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_MST_RE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$", re.ASCII)


# --- validators -----------------------------------------------------------------


def mst_check_digit(first_nine: str) -> int | None:
    """The check digit of a mã số thuế's first nine digits; None when there is none
    (10 - sum mod 11 gives 10 or 11: no valid number has these nine digits)."""
    total = sum(int(d) * w for d, w in zip(first_nine, MST_WEIGHTS, strict=True))
    check = 10 - total % 11
    return check if check < 10 else None


def check_mst(value: str) -> str:
    """A mã số thuế / mã số doanh nghiệp: 10 digits whose tenth is the check digit, or
    13 = those 10, an optional "-" and a 3-digit branch number. Returns ``NNNNNNNNNN``
    or ``NNNNNNNNNN-BBB``."""
    compact = value.strip().replace(" ", "")
    m = _MST_RE.match(compact)
    if m is None:
        raise PydanticCustomError(
            "mst_format",
            "must be 10 digits, or 13 (10 digits, '-', a 3-digit branch number)",
        )
    main, branch = m[1], m[2]
    if mst_check_digit(main[:9]) != int(main[9]):
        raise PydanticCustomError("mst_check_digit", "the check digit (10th digit) is wrong")
    if branch == "000":
        raise PydanticCustomError("mst_branch", "the branch number cannot be 000")
    return f"{main}-{branch}" if branch else main


MaSoThue = Annotated[str, AfterValidator(check_mst)]
#: A mã số doanh nghiệp is the enterprise's mã số thuế (Luật Doanh nghiệp 2020, art. 29).
MaSoDoanhNghiep = MaSoThue


class LookupParams(BaseModel):
    """Base of a query's parameters: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DateRangeParams(LookupParams):
    """``tu_ngay`` ≤ ``den_ngay``, at most ``max_span_days`` apart (a subclass may lower it)."""

    max_span_days: ClassVar[int] = 92

    tu_ngay: date = Field(title="Từ ngày", description="first day (YYYY-MM-DD)")
    den_ngay: date = Field(title="Đến ngày", description="last day (YYYY-MM-DD), inclusive")

    @field_validator("den_ngay")
    @classmethod
    def _range(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("tu_ngay")
        if start is None:
            return value
        if value < start:
            raise PydanticCustomError("date_range_order", "den_ngay is before tu_ngay")
        if (value - start).days + 1 > cls.max_span_days:
            raise PydanticCustomError(
                "date_range_span",
                "the range is longer than {limit} days",
                {"limit": cls.max_span_days},
            )
        return value


class LookupRow(BaseModel):
    """Base of a result row; each field's ``title`` is its Vietnamese column header."""

    model_config = ConfigDict(extra="ignore")


_VI = {
    "mst_format": "phải gồm 10 chữ số, hoặc 13 (10 chữ số, '-', 3 chữ số mã chi nhánh)",
    "mst_check_digit": "chữ số kiểm tra (chữ số thứ 10) không đúng",
    "mst_branch": "mã chi nhánh không được là 000",
    "date_range_order": "đến ngày sớm hơn từ ngày",
    "date_range_span": "khoảng thời gian quá dài",
    "ma_ho_so_format": "mã hồ sơ phải có dạng <mã cơ quan>-<YYMMDD>-<NNNN>",
    "ma_ho_so_date": "phần ngày của mã hồ sơ không phải ngày có thật",
    "extra_forbidden": "tham số không được hỗ trợ",
    "missing": "thiếu tham số bắt buộc",
}


class LookupInvalid(RequestRefused):
    """A parameter the query refuses, named in ``loc`` and in the reason."""

    def __init__(self, reason: str, *, loc: str, code: str, reason_vi: str) -> None:
        from hub.reasons_api import BILINGUAL

        words = BILINGUAL(vi=reason_vi, en=reason)
        super().__init__(words, code=code, status=422, loc=loc)
        self.reason_vi = reason_vi
        self.messages_vi = {code: reason_vi}  # type: ignore[misc]  # per instance


class LookupNotFound(HubError):
    """The ministry does not know the code asked for (a detail query)."""

    default_code = "not_found"
    http_status = 404
    messages_vi: ClassVar[dict[str, str]] = {"not_found": "không tìm thấy"}


class LookupBusy(HubError):
    """Too many look-ups at one ministry: the per-connector rate limit."""

    default_code = "rate_limited"
    http_status = 429
    messages_vi: ClassVar[dict[str, str]] = {
        "rate_limited": "đang có quá nhiều yêu cầu tra cứu tới hệ thống này, thử lại sau giây lát"
    }

    def __init__(self, reason: Reason, *, system: str, retry_after: float) -> None:
        super().__init__(reason, system=system)
        self.retry_after = retry_after


def parse_params(query: Query, raw: Mapping[str, Any]) -> BaseModel:
    """``raw`` (strings from a URL or ``--param k=v``) validated with the query's model;
    :class:`LookupInvalid` names the first parameter at fault, never its value."""
    try:
        return query.params.model_validate(dict(raw))
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "params"
        kind = str(err["type"])
        message = err["msg"]
        vi = _VI.get(kind, message)
        raise LookupInvalid(
            f"parameter {where}: {message}",
            loc=f"query.{where}",
            code=kind if kind in _VI else "invalid",
            reason_vi=f"tham số {where}: {vi}",
        ) from None


# --- declaration ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """One named look-up of a connector."""

    name: str  #: ``chi_tiet_doanh_nghiep``: the URL and CLI name
    title_vi: str
    title_en: str
    params: type[BaseModel]
    result: type[BaseModel]
    paged: bool = False  #: a list answered page by page
    statistics: bool = False  #: rows of counts, with a totals row
    #: How long an answer is reused; None: the connector's ``LookupSettings.cache_seconds``.
    cache_seconds: float | None = None

    def title(self) -> str:
        return self.title_en if lang() == "en" else self.title_vi

    def columns(self) -> list[tuple[str, str]]:
        """``(field, Vietnamese header)`` of the result rows, in order."""
        return [(n, f.title or n) for n, f in self.result.model_fields.items()]

    def describe(self) -> dict[str, Any]:
        schema = self.params.model_json_schema()
        required = set(schema.get("required", []))
        parameters = [
            {
                "name": name,
                "title": prop.get("title", name),
                "description": prop.get("description"),
                "type": prop.get("format") or prop.get("type") or "string",
                "required": name in required,
            }
            for name, prop in schema.get("properties", {}).items()
        ]
        return {
            "name": self.name,
            "title_vi": self.title_vi,
            "title_en": self.title_en,
            "paged": self.paged,
            "statistics": self.statistics,
            "parameters": parameters,
            "columns": [{"name": n, "title_vi": t} for n, t in self.columns()],
        }


@dataclass(frozen=True, slots=True)
class LookupPage:
    """A connector's answer: rows of ``Query.result``, with paging and totals."""

    items: Sequence[BaseModel]
    total: int | None = None  #: rows over all pages, when the ministry says
    page: int = 1
    page_size: int | None = None
    totals: dict[str, Any] | None = None  #: the totals row of a statistics query


@runtime_checkable
class LookupConnector(Protocol):
    """What a connector with :attr:`Capability.LOOKUP` adds to :class:`hub.connector.Connector`."""

    name: str
    lookups: tuple[Query, ...]

    async def lookup(
        self, query: str, params: BaseModel, *, page: int, page_size: int
    ) -> LookupPage:
        """Answer ``query``; raise :class:`LookupNotFound` for an unknown code and the
        hub's errors (Transient/Permanent) for failures, as for any other call."""
        ...


class LookupSettings(BaseModel):
    """``[connectors.NAME.lookups]``: how gently the hub asks this ministry."""

    model_config = ConfigDict(extra="forbid")

    cache_seconds: float = Field(default=300.0, ge=0, le=86_400)
    #: Per query name: overrides the query's and the default cache time.
    cache_per_query: dict[str, float] = Field(default_factory=dict)
    #: How long a cached answer may still be served, marked stale, when the ministry fails.
    stale_seconds: float = Field(default=86_400.0, ge=0)
    rate_per_minute: float = Field(default=60.0, gt=0)
    burst: int = Field(default=10, ge=1)
    max_entries: int = Field(default=2_000, ge=1)
