"""Which years the working calendar knows only from the ``holidays`` package.

Each year's days off beyond the fixed holidays (the swaps and make-up days the
government announces, Tết's extra days) come from a day-off file
(``hub/data/calendar/<year>.json`` or ``[calendar] calendar_files``). A year without
one is counted with the ``holidays`` package alone, which knows the fixed holidays
but not those announcements: deadlines in that year may be off by the swapped days.
The hub says so in its log at start and in ``tthc-hub status``, instead of trusting
the package silently.
"""

from __future__ import annotations

from datetime import date

from hub.calendar import WorkingCalendar

__all__ = ["NEXT_YEAR_FROM_MONTH", "years_without_file"]

#: From this month on, next year is checked too: deadlines set now reach into it, and
#: its schedule of days off is usually announced in the autumn.
NEXT_YEAR_FROM_MONTH = 10


def years_without_file(calendar: WorkingCalendar, today: date) -> list[int]:
    """This year (and next year, from October) when no day-off file covers it."""
    wanted = [today.year]
    if today.month >= NEXT_YEAR_FROM_MONTH:
        wanted.append(today.year + 1)
    return [year for year in wanted if year not in calendar.years]
