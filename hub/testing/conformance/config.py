"""What differs between connectors: :class:`SuiteConfig` and the faults to inject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from hub.connector import Connector, Period
from hub.errors import HubError, MappingError, PermanentError, TransientError
from hub.models import Dossier, DossierEvent, Status
from hub.testing.mock.admin import SeedRecord, SeedStep
from hub.testing.samples import AGENCY_CODE, VN_TZ, sample_lifecycle

if TYPE_CHECKING:
    from hub.testing.conformance.checks_lookups import LookupCase

__all__ = [
    "DEFAULT_FAULTS",
    "READ_STATUSES",
    "ConnectorFactory",
    "FaultCase",
    "SeededPeriod",
    "SuiteConfig",
    "seeded_period",
    "strip_identity",
]

ConnectorFactory = Callable[[str], Connector]


@dataclass(frozen=True)
class FaultCase:
    """A fault to inject with ``POST /_mock/faults`` and the error every call must raise."""

    kind: str  #: the mock's fault kind: http_500, http_503, http_429, timeout, reset, ...
    error: type[HubError]  #: the hub error class the connector must raise
    #: How many requests the fault hits. More than one where a client may retry
    #: in-call (``stop_after_attempt(3)`` on a reset), so the fault outlasts it.
    count: int = 1
    delay_seconds: float | None = None  #: for timeout/slow: how long the mock stalls
    fast_timeout: bool = False  #: build the connector with ``SuiteConfig.fast_timeout_factory``

    @property
    def name(self) -> str:
        return f"fault_{self.kind}"


DEFAULT_FAULTS: tuple[FaultCase, ...] = (
    FaultCase("http_500", TransientError),  # an internal error: may pass on retry
    FaultCase("http_503", TransientError),  # maintenance / overloaded
    FaultCase("http_429", TransientError),  # rate limited
    # The mock stalls longer than the fast connector's timeout.
    FaultCase("timeout", TransientError, delay_seconds=1.5, fast_timeout=True),
    FaultCase("reset", TransientError, count=4),  # connection dropped mid-request
    FaultCase("malformed", TransientError),  # a body that is not what the contract says
)

#: Statuses every bundled ministry can express: the default of ``record_statuses``.
READ_STATUSES: tuple[Status, ...] = (
    Status.DUOC_TIEP_NHAN,
    Status.DANG_XU_LY,
    Status.YEU_CAU_BO_SUNG,
    Status.DA_XU_LY_XONG,
    Status.KHONG_DUOC_TIEP_NHAN,
)


def strip_identity(dossier: Dossier) -> Dossier:
    """The default invalid dossier: chủ hồ sơ without số giấy tờ and ngày sinh.

    Every ministry identifies a citizen by one or the other; a connector must refuse
    it with a MappingError before sending anything.
    """
    party = dossier.chu_ho_so.model_copy(
        update={"so_giay_to": None, "loai_dinh_danh": None, "ngay_sinh": None}
    )
    return dossier.model_copy(update={"chu_ho_so": party})


@dataclass(frozen=True)
class SuiteConfig:
    """Per-connector knobs of the conformance suite."""

    #: seed -> the events of one dossier, pushed in order (the last is the final state).
    lifecycle: Callable[[int], list[DossierEvent]] = sample_lifecycle
    #: One lifecycle per seed; the first is used by the single-dossier checks.
    seeds: tuple[int, ...] = (11, 12, 13)
    #: How many dossiers ``POST /_mock/seed`` files at the ministry for the pull check.
    pull_count: int = 3
    pull_seed: int = 1
    #: Safety bound on following ``more``.
    max_pull_pages: int = 50
    faults: tuple[FaultCase, ...] = DEFAULT_FAULTS
    #: ``base_url -> Connector`` with a short timeout (< the timeout fault's delay);
    #: without it the timeout fault runs with the default factory.
    fast_timeout_factory: ConnectorFactory | None = None
    #: Turns a valid dossier into one the ministry cannot take; None skips the check.
    invalid_dossier: Callable[[Dossier], Dossier] | None = strip_identity
    invalid_error: type[HubError] = MappingError
    #: The statuses the FETCH and LIST checks seed (``POST /_mock/records``): those the
    #: ministry can express and the connector reads back as the same hub status.
    record_statuses: tuple[Status, ...] = READ_STATUSES
    #: True: ``fetch`` returns every step of the history (status, name, start time are
    #: checked one by one). False: the ministry tells only the current step (hộ tịch).
    full_history: bool = True
    #: The page size ``make_connector`` lists with. When set, LIST is checked over
    #: more than two pages and must make at least one request per page.
    list_page_size: int | None = None
    #: The error class every capability must raise when the mock refuses the key.
    credentials_error: type[HubError] = PermanentError
    #: LOOKUP: what to ask each declared query and what its mock must answer.
    lookup_cases: tuple[LookupCase, ...] = ()
    #: Above this share of skipped checks the run says it checks little (0.5: half).
    max_skipped_share: float = 0.5


# --- seeded records ------------------------------------------------------------------

#: The period the LIST check asks for: a past working week.
PERIOD = Period(start=date(2025, 10, 6), end=date(2025, 10, 10))


@dataclass(frozen=True)
class SeededPeriod:
    """Records that changed inside :data:`PERIOD`, and two just outside it."""

    period: Period
    inside: list[SeedRecord]
    outside: list[SeedRecord]

    @property
    def all(self) -> list[SeedRecord]:
        return [*self.inside, *self.outside]


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), VN_TZ)


def _record(n: int, day: date, updated: datetime, status: Status, first: Status) -> SeedRecord:
    steps = [
        SeedStep(
            buoc="Tiếp nhận hồ sơ",
            trang_thai=first,
            nguoi_xu_ly="Cán bộ một cửa",
            bat_dau=_at(day, 8, n % 60),
        )
    ]
    if status != first:
        steps.append(
            SeedStep(
                buoc=f"Xử lý hồ sơ - {status.label_vi}",
                trang_thai=status,
                noi_dung="Chuyển bộ phận chuyên môn",
                nguoi_xu_ly="Chuyên viên thẩm định",
                bat_dau=_at(day, 9, n % 60, 30),
            )
        )
    return SeedRecord(
        ma_ho_so=f"{AGENCY_CODE}-{day:%y%m%d}-{7000 + n:04d}",
        trang_thai=status,
        updated_at=updated,
        history=steps,
    )


def seeded_period(config: SuiteConfig) -> SeededPeriod:
    """Records for FETCH and LIST: more than two pages inside :data:`PERIOD` (its first
    and last second included), one each side of it; statuses from ``record_statuses``."""
    statuses = config.record_statuses
    size = config.list_page_size or 2
    count = max(len(statuses), 2 * size + 1)
    days = (PERIOD.end - PERIOD.start).days + 1
    inside = []
    for n in range(count):
        day = PERIOD.start + timedelta(days=n % days)
        updated = _at(day, 10, n % 60)
        if n == 0:  # processed the day before, changed at the period's first second
            day = PERIOD.start - timedelta(days=1)
            updated = _at(PERIOD.start, 0)
        elif n == count - 1:
            day = PERIOD.end
            updated = _at(day, 23, 59, 59)
        inside.append(_record(n, day, updated, statuses[n % len(statuses)], statuses[0]))
    before = PERIOD.start - timedelta(days=1)
    after = PERIOD.end + timedelta(days=1)
    outside = [
        _record(90, before, _at(before, 23, 59, 59), statuses[-1], statuses[0]),
        _record(91, after, _at(after, 0), statuses[-1], statuses[0]),
    ]
    return SeededPeriod(PERIOD, inside, outside)
