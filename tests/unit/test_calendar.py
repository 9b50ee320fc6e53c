"""The working-day calendar: office hours, Vietnamese holidays, swaps, pauses, at-risk.

Every procedure and variant of the catalog is checked against an independent day-count
oracle for four receipts: a Tuesday morning, a Friday afternoon, after office hours,
and the last working day before Tết 2026 (mùng 1 = Tuesday 17/02/2026; off 14–22/02).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import holidays
import pytest

from hub.calendar import (
    TZ,
    CalendarSettings,
    DeadlineError,
    WorkingCalendar,
    default_calendar,
    due,
    is_at_risk,
    is_overdue,
    step_deadlines,
)
from hub.catalog import Procedure, load_catalog
from hub.errors import ConfigError

CAL = default_calendar()
CATALOG = load_catalog()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


# --- the oracle: whole days and minutes, written independently of WorkingCalendar --------

_VN = holidays.country_holidays("VN")
#: Days off and make-up Saturdays for civil servants, typed in from the announcements.
_OFF = {date(2025, 5, 2), date(2026, 8, 31)}
_MAKE_UP = {date(2025, 4, 26), date(2026, 8, 22)}
# in seconds of the day: a quarter day is 1 h 52 min 30 s
_SESSIONS = [(27000, 41400), (48600, 61200)]  # 07:30-11:30, 13:30-17:00
_DAY = sum(e - s for s, e in _SESSIONS)  # 7 h 30 min


def _working(d: date) -> bool:
    return d in _MAKE_UP or (d.weekday() < 5 and d not in _OFF and d not in _VN)


def _clock(into_day: int) -> int:
    """Second of the day at which ``into_day`` seconds of office time have passed."""
    for s, e in _SESSIONS:
        if into_day <= e - s:
            return s + into_day
        into_day -= e - s
    raise AssertionError


def oracle_due(received: datetime, days: float) -> datetime:
    d = received.date()
    second = received.hour * 3600 + received.minute * 60 + received.second
    if not _working(d) or second >= _SESSIONS[-1][1]:
        d += timedelta(days=1)
        while not _working(d):
            d += timedelta(days=1)
        elapsed = 0
    else:
        elapsed = sum(max(0, min(second, e) - s) for s, e in _SESSIONS)
    total = elapsed + round(days * _DAY)
    whole, rest = divmod(total, _DAY)
    if rest == 0 and whole > 0:  # ends at the close of a day, not the next morning
        whole, rest = whole - 1, _DAY
    for _ in range(whole):
        d += timedelta(days=1)
        while not _working(d):
            d += timedelta(days=1)
    t = _clock(rest)
    return datetime(d.year, d.month, d.day, t // 3600, t // 60 % 60, t % 60, tzinfo=TZ)


# --- every process and variant ------------------------------------------------------------

CASES = [
    pytest.param(p, proc.bien_the, id=f"{p.code}-{proc.bien_the or 'only'}")
    for p in CATALOG
    for proc in p.quy_trinh
    if proc.tong_ngay is not None
] + [
    pytest.param(p, None, id=f"{p.code}-no-process")
    for p in CATALOG
    if not p.quy_trinh and p.thoi_han_ngay_lam_viec is not None
]

RECEIPTS = [
    pytest.param(at(2025, 9, 16, 8, 15), id="tuesday-morning"),
    pytest.param(at(2025, 9, 19, 15, 40), id="friday-afternoon"),
    pytest.param(at(2025, 9, 16, 17, 45), id="after-office-hours"),
    # Friday 13/02/2026 is the last working day before Tết Bính Ngọ (16–20/02 off).
    pytest.param(at(2026, 2, 13, 10, 0), id="last-day-before-tet-2026"),
]


@pytest.mark.parametrize("received", RECEIPTS)
@pytest.mark.parametrize(("procedure", "variant"), CASES)
def test_ngay_hen_tra_of_every_process(
    procedure: Procedure, variant: str | None, received: datetime
) -> None:
    plan = CAL.deadline_plan(procedure, received, variant)
    assert plan.ngay_hen_tra == oracle_due(received, plan.total_days)
    assert CAL.is_working_day(plan.ngay_hen_tra.date())
    if received.date() == date(2026, 2, 13):
        assert not date(2026, 2, 14) <= plan.ngay_hen_tra.date() <= date(2026, 2, 22)


@pytest.mark.parametrize(("procedure", "variant"), CASES)
def test_step_deadlines_add_up_to_the_process(procedure: Procedure, variant: str | None) -> None:
    received = at(2025, 9, 16, 8, 15)
    plan = CAL.deadline_plan(procedure, received, variant)
    steps = step_deadlines(procedure, received, variant)
    if not procedure.quy_trinh:
        assert steps == []
        return
    deadlines = [s.deadline for s in steps]
    assert deadlines == sorted(deadlines)
    assert steps[-1].deadline == plan.ngay_hen_tra
    assert steps[-1].cumulative_days == pytest.approx(plan.total_days)
    for s in steps:
        assert s.deadline == oracle_due(received, s.cumulative_days)


@pytest.mark.parametrize(("procedure", "variant"), CASES)
def test_a_pause_extends_the_deadline_by_exactly_the_paused_time(
    procedure: Procedure, variant: str | None
) -> None:
    received = at(2025, 9, 16, 8, 15)
    # Awaiting a supplement from Tuesday 09:00 to Monday 14:00, over a weekend and lunch.
    pause = (at(2025, 9, 16, 9, 0), at(2025, 9, 22, 14, 0))
    plain = CAL.deadline_plan(procedure, received, variant)
    paused = CAL.deadline_plan(procedure, received, variant, pauses=[pause])
    paused_time = CAL.working_time_between(*pause)
    # Tue 09:00-17:00 is 6 h, Wed to Fri 7 h 30 each, Mon 07:30-14:00 is 4 h 30
    assert paused_time == timedelta(hours=6 + 3 * 7.5 + 4.5)
    extension = CAL.working_time_between(plain.ngay_hen_tra, paused.ngay_hen_tra)
    assert extension == paused_time
    assert paused.steps[-1].deadline == paused.ngay_hen_tra if paused.steps else True


# --- office hours and the start of the clock -----------------------------------------------


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        # whole day from a morning receipt: same time next working day
        (at(2025, 9, 16, 8, 0), 1, at(2025, 9, 17, 8, 0)),
        # a half day from Friday 15:00: 2 h on Friday, 1 h 45 on Monday
        (at(2025, 9, 19, 15, 0), 0.5, at(2025, 9, 22, 9, 15)),
        # a quarter day (1 h 52.5 min) in the morning session
        (at(2025, 9, 16, 7, 30), 0.25, at(2025, 9, 16, 9, 22, 30)),
        # after office hours: the clock starts the next morning; a day ends at 17:00
        (at(2025, 9, 16, 18, 0), 1, at(2025, 9, 17, 17, 0)),
        # in the lunch break: starts at 13:30; 3 h 30 that afternoon, 15 min next morning
        (at(2025, 9, 16, 12, 0), 0.5, at(2025, 9, 17, 7, 45)),
        # on a Sunday: starts Monday 07:30
        (at(2025, 9, 21, 9, 0), 2, at(2025, 9, 23, 17, 0)),
        # zero days: the start of the clock
        (at(2025, 9, 16, 18, 0), 0, at(2025, 9, 17, 7, 30)),
    ],
    ids=["tue-1d", "fri-half", "quarter", "after-hours", "lunch", "sunday", "zero"],
)
def test_office_hours(received: datetime, days: float, expected: datetime) -> None:
    assert due(received, days) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # Tết Ất Tỵ: off 25/01–02/02/2025 (Thông báo 6150/TB-BLĐTBXH)
        (at(2025, 1, 24, 9, 0), at(2025, 2, 3, 9, 0)),
        # Tết Bính Ngọ: off 14/02–22/02/2026
        (at(2026, 2, 13, 9, 0), at(2026, 2, 23, 9, 0)),
        # 30/4–1/5/2025: Saturday 26/04 is a make-up working day ...
        (at(2025, 4, 25, 9, 0), at(2025, 4, 26, 9, 0)),
        # ... for Friday 02/05, so the next working day after 29/04 is Monday 05/05
        (at(2025, 4, 29, 9, 0), at(2025, 5, 5, 9, 0)),
        # Quốc khánh 2025: 01/09 and 02/09 off
        (at(2025, 8, 29, 9, 0), at(2025, 9, 3, 9, 0)),
        # Giỗ Tổ 2026 on Sunday 26/04, compensated Monday 27/04; 30/04 and 01/05 off
        (at(2026, 4, 24, 9, 0), at(2026, 4, 28, 9, 0)),
        (at(2026, 4, 29, 9, 0), at(2026, 5, 4, 9, 0)),
        # Quốc khánh 2026: Saturday 22/08 worked for Monday 31/08; 01–02/09 off
        (at(2026, 8, 21, 9, 0), at(2026, 8, 22, 9, 0)),
        (at(2026, 8, 28, 9, 0), at(2026, 9, 3, 9, 0)),
    ],
    ids=[
        "tet-2025",
        "tet-2026",
        "makeup-sat-2025-04-26",
        "swap-2025-05-02",
        "quoc-khanh-2025",
        "gio-to-2026-observed",
        "30-4-2026",
        "makeup-sat-2026-08-22",
        "quoc-khanh-2026",
    ],
)
def test_holidays_and_swaps(received: datetime, expected: datetime) -> None:
    assert due(received, 1) == expected


def test_calendar_files_are_consistent() -> None:
    for entry in resources.files("hub.data.calendar").iterdir():
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        for d in data["ngay_lam_bu"]:
            assert date.fromisoformat(d["ngay"]).weekday() == 5, d  # make-up days are Saturdays
        for d in data["ngay_nghi"]:
            assert date.fromisoformat(d["ngay"]).weekday() < 5, d
            assert d["nguon"], d
    assert CAL.why_not_working(date(2026, 2, 17)) is not None
    assert CAL.why_not_working(date(2025, 4, 26)) is None


# --- pauses, at-risk, overdue ------------------------------------------------------------------


def test_pauses_outside_office_hours_change_nothing() -> None:
    received = at(2025, 9, 16, 8, 0)
    weekend = (at(2025, 9, 20, 0, 0), at(2025, 9, 22, 7, 30))
    night = (at(2025, 9, 16, 17, 0), at(2025, 9, 17, 7, 30))
    assert due(received, 5, pauses=[weekend, night]) == due(received, 5)


def test_overlapping_pauses_count_once() -> None:
    received = at(2025, 9, 16, 8, 0)
    a = (at(2025, 9, 16, 9, 0), at(2025, 9, 16, 11, 0))
    b = (at(2025, 9, 16, 10, 0), at(2025, 9, 16, 11, 30))
    assert due(received, 1, pauses=[a, b]) == at(2025, 9, 17, 10, 30)


def test_at_risk_one_working_day_before() -> None:
    deadline = at(2026, 2, 23, 9, 0)  # Monday after Tết
    assert CAL.at_risk_from(deadline) == at(2026, 2, 13, 9, 0)
    assert not is_at_risk(deadline, at(2026, 2, 13, 8, 59))
    assert is_at_risk(deadline, at(2026, 2, 13, 9, 0))
    assert is_at_risk(deadline, at(2026, 2, 18, 9, 0))
    assert not is_overdue(deadline, deadline)
    assert is_overdue(deadline, deadline + timedelta(minutes=1))
    assert not is_at_risk(deadline, deadline + timedelta(minutes=1))


def test_times_must_be_aware_and_in_any_zone() -> None:
    with pytest.raises(DeadlineError, match="timezone"):
        due(datetime(2025, 9, 16, 8, 0), 1)
    utc = datetime.fromisoformat("2025-09-16T01:00:00+00:00")  # 08:00 in Hà Nội
    assert due(utc, 1) == at(2025, 9, 17, 8, 0)
    assert due(utc, 1).utcoffset() == timedelta(hours=7)


def test_variant_must_be_chosen_and_known() -> None:
    procedure = CATALOG.get("1.004227")
    assert procedure is not None
    with pytest.raises(DeadlineError, match="several processes"):
        CAL.deadline_plan(procedure, at(2025, 9, 16, 8), None)
    with pytest.raises(DeadlineError, match="no variant"):
        CAL.deadline_plan(procedure, at(2025, 9, 16, 8), "99.9")
    truncated = CATALOG.get("2.000880")
    assert truncated is not None
    with pytest.raises(DeadlineError, match="no processing time"):
        CAL.deadline_plan(truncated, at(2025, 9, 16, 8), "26.1.2")


def test_office_hours_are_a_setting(tmp_path: Path) -> None:
    settings = CalendarSettings.model_validate(
        {"sessions": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}
    )
    cal = WorkingCalendar(settings)
    assert cal.day_length == timedelta(hours=8)
    assert cal.due(at(2025, 9, 16, 8, 0), 0.5) == at(2025, 9, 16, 12, 0)


def test_a_province_calendar_file_adds_a_day_off(tmp_path: Path) -> None:
    extra = tmp_path / "tinh.json"
    extra.write_text(
        json.dumps({"nam": 2025, "ngay_nghi": [{"ngay": "2025-09-17", "ly_do": "ngày lễ tỉnh"}]}),
        encoding="utf-8",
    )
    cal = WorkingCalendar(CalendarSettings(calendar_files=[extra]))
    assert cal.due(at(2025, 9, 16, 8, 0), 1) == at(2025, 9, 18, 8, 0)


def test_a_bad_calendar_file_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"nam": 2025, "ngay_nghi": [{"ngay": "2025-02-30"}]}))
    with pytest.raises(ConfigError) as info:
        WorkingCalendar(CalendarSettings(calendar_files=[bad]))
    assert str(bad) in info.value.reason and "ngay_nghi.0.ngay" in info.value.reason
