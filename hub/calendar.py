"""The working-day calendar: ngày hẹn trả, step deadlines and the at-risk watch.

Working days are Monday to Friday, minus the Vietnamese public holidays of the
``holidays`` package (Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and the compensatory
days off it knows), minus the extra days off and plus the make-up working Saturdays
of the yearly files in ``hub/data/calendar/`` (and any the settings add).

Time counts in office hours: a working day is the sum of the sessions
(default 07:30–11:30 and 13:30–17:00), so half and quarter days are that share of
the working hours. Received outside a session, the clock starts at the next
session. Paused periods (the citizen's financial obligations, a supplement being
awaited) do not count. Every datetime is timezone-aware; results are in
Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub import reasons_api as A
from hub.errors import ConfigError
from hub.messages import Message

if TYPE_CHECKING:
    import holidays as _holidays

    from hub.catalog import Procedure

__all__ = [
    "CalendarSettings",
    "DeadlineError",
    "DeadlinePlan",
    "StepDeadline",
    "WorkingCalendar",
    "deadline_plan",
    "default_calendar",
    "due",
    "is_at_risk",
    "is_overdue",
    "step_deadlines",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Pause = tuple[datetime, datetime]


class DeadlineError(ValueError):
    """A deadline cannot be computed: no stated time, unknown or missing variant.
    ``message`` says why in both languages (hub.messages); ``str()`` is the English."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message


# --- configuration -------------------------------------------------------------------


class Session(BaseModel):
    """One office session, e.g. 07:30–11:30."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: time
    end: time

    @model_validator(mode="after")
    def _order(self) -> Session:
        if self.end <= self.start:
            raise ValueError("a session must end after it starts")
        return self


class CalendarSettings(BaseModel):
    """Office hours and extra calendar files.

    Provinces set their own office hours by decision (Quyết định 188/1999/QĐ-TTg
    only fixes the 40-hour week); the default is the common 07:30–11:30,
    13:30–17:00.
    """

    model_config = ConfigDict(extra="forbid")
    sessions: list[Session] = Field(
        default_factory=lambda: [
            Session(start=time(7, 30), end=time(11, 30)),
            Session(start=time(13, 30), end=time(17, 0)),
        ],
        min_length=1,
    )
    #: Calendar files (the format of ``hub/data/calendar/*.json``) beside the shipped ones,
    #: e.g. a province's own day off.
    calendar_files: list[Path] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_overlap(self) -> CalendarSettings:
        ordered = sorted(self.sessions, key=lambda s: s.start)
        for a, b in pairwise(ordered):
            if b.start < a.end:
                raise ValueError("office sessions overlap")
        self.sessions = ordered
        return self


class _Day(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ngay: date
    ly_do: str = Field(min_length=1)
    nguon: str | None = Field(default=None, description="the decision or notice, when known")


class _YearFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    nam: int
    ngay_nghi: list[_Day] = Field(default_factory=list, description="extra days off")
    ngay_lam_bu: list[_Day] = Field(default_factory=list, description="make-up working days")
    ghi_chu: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> _YearFile:
        for d in (*self.ngay_nghi, *self.ngay_lam_bu):
            if d.ngay.year != self.nam:
                raise ValueError(f"{d.ngay} is not in {self.nam}")
        both = {d.ngay for d in self.ngay_nghi} & {d.ngay for d in self.ngay_lam_bu}
        if both:
            raise ValueError(f"{sorted(both)[0]} is both a day off and a make-up working day")
        return self


def _load_year_file(text: str, where: str) -> _YearFile:
    try:
        return _YearFile.model_validate_json(text)
    except ValidationError as exc:
        e = exc.errors(include_input=False, include_url=False)[0]
        loc = ".".join(str(p) for p in e["loc"]) or "(file)"
        raise ConfigError(f"calendar file {where}: {loc}: {e['msg']}") from None


# --- deadlines -------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDeadline:
    """The deadline of one step: cumulative from the receipt, in working time."""

    label: str  #: the printed step label, ``03`` or ``07.2``
    name: str | None
    responsible: str | None
    days: float | None  #: the step's own duration; None if untimed
    cumulative_days: float
    deadline: datetime
    stops_clock: bool = False  #: the step is time the process does not count
    sub_steps: tuple[StepDeadline, ...] = ()


@dataclass(frozen=True)
class DeadlinePlan:
    """Ngày hẹn trả and the step deadlines of one dossier."""

    ma_tthc: str
    variant: str | None
    received_at: datetime
    starts_at: datetime  #: the receipt, moved to the next office session
    total_days: float
    ngay_hen_tra: datetime
    steps: list[StepDeadline] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


# --- the calendar ------------------------------------------------------------------------


class WorkingCalendar:
    """Working days and office hours; adds and measures working time."""

    def __init__(self, settings: CalendarSettings | None = None) -> None:
        import holidays

        self.settings = settings or CalendarSettings()
        self.sessions = [(s.start, s.end) for s in self.settings.sessions]
        self.day_length = sum((_minutes(e) - _minutes(s) for s, e in self.sessions), 0) * timedelta(
            minutes=1
        )
        self._holidays: _holidays.HolidayBase = holidays.country_holidays("VN", language="vi")
        self.days_off: dict[date, _Day] = {}
        self.make_up_days: dict[date, _Day] = {}
        self._working: dict[date, bool] = {}
        self.years: list[int] = []
        for where, text in self._files():
            year = _load_year_file(text, where)
            self.years.append(year.nam)
            self.days_off.update({d.ngay: d for d in year.ngay_nghi})
            self.make_up_days.update({d.ngay: d for d in year.ngay_lam_bu})

    def _files(self) -> Iterator[tuple[str, str]]:
        for entry in sorted(resources.files("hub.data.calendar").iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                yield f"hub/data/calendar/{entry.name}", entry.read_text(encoding="utf-8")
        for path in self.settings.calendar_files:
            try:
                yield str(path), Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"calendar file {path} cannot be read: {exc}") from exc

    # -- days

    def is_working_day(self, day: date) -> bool:
        # Deadlines walk day by day at every ingest: remember each day's answer (the
        # calendar does not change once loaded).
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self._is_working_day(day)
        return known

    def _is_working_day(self, day: date) -> bool:
        if day in self.make_up_days:
            return True
        if day.weekday() >= 5 or day in self.days_off:
            return False
        return day not in self._holidays

    def why_not_working(self, day: date) -> str | None:
        """The reason ``day`` is not a working day (holiday name, weekend), or None."""
        if self.is_working_day(day):
            return None
        if day in self.days_off:
            return self.days_off[day].ly_do
        name = self._holidays.get(day)
        return str(name) if name else ("Thứ Bảy" if day.weekday() == 5 else "Chủ nhật")

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    # -- working time

    def _sessions_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office sessions (clipped at ``moment``) from ``moment`` on."""
        day = moment.date()
        for _ in range(3660):  # ten years of days; a deadline beyond is a data error
            if self.is_working_day(day):
                for s, e in self.sessions:
                    start = datetime.combine(day, s, TZ)
                    end = datetime.combine(day, e, TZ)
                    if end > moment:
                        yield max(start, moment), end
            day += timedelta(days=1)
        raise DeadlineError(A.NO_WORKING_TIME())

    def _sessions_before(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office sessions (clipped at ``moment``) before ``moment``, latest first."""
        day = moment.date()
        for _ in range(3660):
            if self.is_working_day(day):
                for s, e in reversed(self.sessions):
                    start = datetime.combine(day, s, TZ)
                    end = datetime.combine(day, e, TZ)
                    if start < moment:
                        yield start, min(end, moment)
            day -= timedelta(days=1)
        raise DeadlineError(A.NO_WORKING_TIME())

    def start_of_clock(self, received_at: datetime) -> datetime:
        """The moment the clock starts: ``received_at``, or the next session's start."""
        return next(self._sessions_from(_aware(received_at)))[0]

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time from ``start`` to ``end`` (zero if ``end`` is not after ``start``)."""
        start, end = _aware(start), _aware(end)
        total = timedelta()
        if end <= start:
            return total
        for a, b in self._sessions_from(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total

    def add_working_time(
        self, start: datetime, amount: timedelta, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """The moment ``amount`` of office time after ``start``, not counting ``pauses``.

        Landing exactly on the end of a session gives that end (``17:00``), not the
        start of the next.
        """
        start = _aware(start)
        paused = _merge(pauses)
        left = amount
        if left <= timedelta():
            return _after_pauses(self.start_of_clock(start), paused)
        if not paused:
            return self._add_unpaused(start, left)
        for a, b in self._sessions_from(start):
            for x, y in _subtract(a, b, paused):
                if y - x >= left:
                    return (x + left).astimezone(TZ)
                left -= y - x
        raise DeadlineError(A.NO_WORKING_TIME())  # pragma: no cover

    def _add_unpaused(self, start: datetime, left: timedelta) -> datetime:
        """:meth:`add_working_time` with no pause: every ingest computes a deadline, so a
        working day after the first that ``left`` outlasts is counted whole, not walked
        session by session (the same answer; at exactly a day's length the day's last
        session is walked, so the deadline is its end)."""
        first = day = start.date()
        whole, one_day, known = self.day_length, timedelta(days=1), self._working
        for _ in range(3660):
            working = known.get(day)
            if working is None:
                working = self.is_working_day(day)
            if working:
                if day > first and left > whole:
                    left -= whole
                else:
                    for s, e in self.sessions:
                        end = datetime.combine(day, e, TZ)
                        if end <= start:
                            continue
                        begin = max(datetime.combine(day, s, TZ), start)
                        if end - begin >= left:
                            return (begin + left).astimezone(TZ)
                        left -= end - begin
            day += one_day
        raise DeadlineError(A.NO_WORKING_TIME())

    def subtract_working_time(self, end: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of office time before ``end``."""
        left = amount
        for a, b in self._sessions_before(_aware(end)):
            if b - a >= left:
                return (b - left).astimezone(TZ)
            left -= b - a
        raise DeadlineError(A.NO_WORKING_TIME())  # pragma: no cover

    def days(self, working_days: float) -> timedelta:
        """``working_days`` as office time (a half day = half the sessions)."""
        return self.day_length * working_days

    def due(
        self, received_at: datetime, working_days: float, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """The deadline ``working_days`` after ``received_at``, extended by ``pauses``."""
        if working_days < 0:
            raise DeadlineError(A.NEGATIVE_DURATION())
        return self.add_working_time(received_at, self.days(working_days), pauses)

    # -- the at-risk watch

    def at_risk_from(self, deadline: datetime) -> datetime:
        """One working day before ``deadline``: when the apology letter is due at the latest."""
        return self.subtract_working_time(deadline, self.day_length)

    def is_at_risk(self, deadline: datetime, now: datetime) -> bool:
        """Within one working day before ``deadline``, not yet past it."""
        return self.at_risk_from(deadline) <= _aware(now) <= _aware(deadline)

    def is_overdue(self, deadline: datetime, now: datetime) -> bool:
        return _aware(now) > _aware(deadline)

    # -- procedures

    def deadline_plan(
        self,
        procedure: Procedure,
        received_at: datetime,
        variant: str | None = None,
        pauses: Sequence[Pause] = (),
    ) -> DeadlinePlan:
        """Ngày hẹn trả and each step's deadline for a dossier of ``procedure``.

        The step deadlines are cumulative from the receipt; the last equals ngày hẹn
        trả when the steps add up to the stated total (``mismatches`` say where they
        do not). Untimed steps (the return "theo giấy hẹn", paused rows) take the
        deadline of what precedes them; the final one is ngày hẹn trả.
        """
        received_at = _aware(received_at)
        process = procedure.process(variant)
        if process is None and procedure.quy_trinh:
            names = ", ".join(str(v) for v in procedure.variants)
            if variant is None:
                raise DeadlineError(A.CHOOSE_VARIANT(ma_tthc=procedure.ma_tthc, names=names))
            raise DeadlineError(
                A.NO_VARIANT(ma_tthc=procedure.ma_tthc, variant=variant, names=names)
            )
        total = process.tong_ngay if process is not None else procedure.thoi_han_ngay_lam_viec
        if total is None:
            which = f"({process.bien_the})" if process and process.bien_the else ""
            raise DeadlineError(A.NO_STATED_TIME(ma_tthc=procedure.ma_tthc, which=which))
        ngay_hen_tra = self.due(received_at, total, pauses)
        steps: list[StepDeadline] = []
        if process is not None:
            steps = self._steps(process.buoc, received_at, 0.0, pauses)
            if steps and steps[-1].days is None:
                last = steps[-1]
                steps[-1] = StepDeadline(**{**last.__dict__, "deadline": ngay_hen_tra})
        return DeadlinePlan(
            ma_tthc=procedure.ma_tthc,
            variant=process.bien_the if process else None,
            received_at=received_at,
            starts_at=self.start_of_clock(received_at),
            total_days=total,
            ngay_hen_tra=ngay_hen_tra,
            steps=steps,
            mismatches=[
                m.describe()
                for m in procedure.step_total_mismatch
                if process is None or m.variant == process.bien_the
            ],
        )

    def _steps(
        self, steps: Sequence[object], received_at: datetime, before: float, pauses: Sequence[Pause]
    ) -> list[StepDeadline]:
        from hub.catalog import Step

        out: list[StepDeadline] = []
        cumulative = before
        for s in steps:
            assert isinstance(s, Step)
            start_days = cumulative
            cumulative += s.days or 0.0
            subs = self._steps(s.buoc_con, received_at, start_days, pauses) if s.buoc_con else []
            out.append(
                StepDeadline(
                    label=s.nhan,
                    name=s.noi_dung,
                    responsible=s.trach_nhiem,
                    days=s.days,
                    cumulative_days=cumulative,
                    deadline=self.due(received_at, cumulative, pauses),
                    stops_clock=s.stops_clock,
                    sub_steps=tuple(subs),
                )
            )
        return out


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DeadlineError(A.NO_TIMEZONE(moment=moment.isoformat()))
    return moment.astimezone(TZ)


def _merge(pauses: Iterable[Pause]) -> list[Pause]:
    out: list[Pause] = []
    for a, b in sorted((_aware(a), _aware(b)) for a, b in pauses):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(a: datetime, b: datetime, paused: list[Pause]) -> Iterator[Pause]:
    """The parts of ``[a, b)`` outside every pause."""
    for p, q in paused:
        if q <= a or p >= b:
            continue
        if p > a:
            yield a, p
        a = max(a, q)
        if a >= b:
            return
    if a < b:
        yield a, b


def _after_pauses(moment: datetime, paused: list[Pause]) -> datetime:
    for p, q in paused:
        if p <= moment < q:
            return q
    return moment


# --- module-level helpers over the default calendar -----------------------------------------


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar with default office hours and the shipped yearly files."""
    return WorkingCalendar()


def due(
    received_at: datetime,
    working_days: float,
    pauses: Iterable[Pause] = (),
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """Ngày hẹn trả ``working_days`` after ``received_at`` (see :meth:`WorkingCalendar.due`)."""
    return (calendar or default_calendar()).due(received_at, working_days, pauses)


def deadline_plan(
    procedure: Procedure,
    received_at: datetime,
    variant: str | None = None,
    pauses: Sequence[Pause] = (),
    calendar: WorkingCalendar | None = None,
) -> DeadlinePlan:
    """See :meth:`WorkingCalendar.deadline_plan`."""
    return (calendar or default_calendar()).deadline_plan(procedure, received_at, variant, pauses)


def step_deadlines(
    procedure: Procedure,
    received_at: datetime,
    variant: str | None = None,
    pauses: Sequence[Pause] = (),
    calendar: WorkingCalendar | None = None,
) -> list[StepDeadline]:
    """Each step's deadline, cumulative; the last equals ngày hẹn trả."""
    return deadline_plan(procedure, received_at, variant, pauses, calendar).steps


def is_at_risk(deadline: datetime, now: datetime, calendar: WorkingCalendar | None = None) -> bool:
    """Within one working day before ``deadline`` and not past it."""
    return (calendar or default_calendar()).is_at_risk(deadline, now)


def is_overdue(deadline: datetime, now: datetime) -> bool:
    """``now`` is past ``deadline``."""
    return _aware(now) > _aware(deadline)
