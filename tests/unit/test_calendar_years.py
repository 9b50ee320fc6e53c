"""A year deadlines are counted in without a day-off file is said, not trusted silently."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from structlog.testing import capture_logs

from hub.calendar import CalendarSettings, WorkingCalendar
from hub.calendar_years import years_without_file
from hub.service import Hub
from hub.settings import HubSettings


def test_years_without_a_day_off_file() -> None:
    calendar = WorkingCalendar()
    assert {2025, 2026} <= set(calendar.years)
    assert years_without_file(calendar, date(2026, 5, 4)) == []
    # From October next year counts too: deadlines set now reach into it.
    assert years_without_file(calendar, date(2026, 11, 30)) == [2027]
    assert years_without_file(calendar, date(2031, 2, 1)) == [2031]


def test_a_configured_file_covers_its_year(tmp_path: Path) -> None:
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"nam": 2027, "ngay_nghi": [], "ngay_lam_bu": []}))
    calendar = WorkingCalendar(CalendarSettings(calendar_files=[path]))
    assert years_without_file(calendar, date(2026, 11, 30)) == []


def test_the_hub_warns_at_start(tmp_path: Path) -> None:
    """serve and worker call it when they start (hub/cli.py)."""
    settings = HubSettings(database_url=f"sqlite:///{tmp_path / 'h.db'}")
    hub = Hub(settings)
    with capture_logs() as logs:
        hub.warn_calendar_years()
    try:
        missing = hub.calendar_years_without_file()
        warned = [e for e in logs if e["event"] == "calendar_year_without_file"]
        if missing:
            assert warned and warned[0]["years"] == missing
            assert warned[0]["log_level"] == "warning"
        else:
            assert warned == []
    finally:
        hub.engine.dispose()


def test_status_says_which_years(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    env = {"TTHC_HUB_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}", "COLUMNS": "200"}
    answer = CliRunner().invoke(app, ["status", "--json"], env=env)
    assert answer.exit_code == 0, answer.output
    # The log (stderr) may be mixed in: the answer is the line that starts the JSON body.
    body = json.loads(next(x for x in answer.output.splitlines() if x.startswith('{"connectors"')))
    expected = years_without_file(WorkingCalendar(), date.today())
    assert body["calendar"] == {"years_without_file": expected}
    table = CliRunner().invoke(app, ["status"], env=env)
    assert table.exit_code == 0, table.output
    for year in expected:
        assert f"chưa có tệp lịch nghỉ năm {year}" in table.output
