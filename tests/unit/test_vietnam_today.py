""""Today" is Vietnam's day, whatever the server's zone: from 17:00 UTC it is already
tomorrow in Asia/Ho_Chi_Minh (the dkdn "processed today" look-up asked the mock for the
UTC day and found nothing; a birth registered after midnight in Vietnam was "in the
future")."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

import pytest
from pydantic import TypeAdapter, ValidationError

import hub.fields
from connectors.dkdn.queries import TrongNgayParams
from hub.fields import vietnam_today


class _Evening(datetime):
    """18:00 UTC on 30 September 2025: 01:00 on 1 October in Vietnam."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        moment = datetime(2025, 9, 30, 18, 0, tzinfo=UTC)
        return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)


@pytest.fixture
def utc_evening(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub.fields, "datetime", _Evening)


def test_today_is_the_day_in_vietnam(utc_evening: None) -> None:
    assert vietnam_today() == date(2025, 10, 1)


def test_the_processed_today_look_up_asks_for_vietnams_day(utc_evening: None) -> None:
    assert TrongNgayParams().ngay == date(2025, 10, 1)


def test_a_birth_registered_after_midnight_in_vietnam_is_not_in_the_future(
    utc_evening: None,
) -> None:
    birth: TypeAdapter[date] = TypeAdapter(hub.fields.BirthDate)
    assert birth.validate_python(date(2025, 10, 1)) == date(2025, 10, 1)
    with pytest.raises(ValidationError):
        birth.validate_python(date(2025, 10, 2))
