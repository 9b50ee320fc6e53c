"""The worker's round-trip statements run as driver SQL (hub.store.statements.DriverSql):
the values they write must be what SQLAlchemy's columns write, or the store's other
queries (which compare times as SQLite text) would see them differently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from hub.store.statements import DriverSql
from hub.store.tables import Utc

TIMES = [
    datetime(2024, 5, 1, 8, 27, tzinfo=timezone(timedelta(hours=7))),
    datetime(2024, 5, 1, 1, 27, 0, 123456, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59),  # naive: taken as UTC already
    datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
]


def test_sqlite_times_are_written_as_sqlalchemy_writes_them() -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("at", Utc))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"n": n, "at": at} for n, at in enumerate(TIMES)])
        stored = dict(conn.exec_driver_sql("SELECT n, at FROM t").all())
    driver = DriverSql("sqlite")
    for n, at in enumerate(TIMES):
        assert driver.time(at) == stored[n]
        expected = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        assert driver.read_time(stored[n]) == expected
    assert driver.time(None) is None and driver.read_time(None) is None


def test_postgresql_times_go_to_the_driver_as_they_are() -> None:
    driver = DriverSql("postgresql")
    assert all(driver.time(at) is at for at in TIMES)
    assert driver.read_time(TIMES[0]) == TIMES[0].astimezone(UTC)


def test_id_lists_are_one_array_on_postgresql_and_placeholders_on_sqlite() -> None:
    pg, lite = DriverSql("postgresql"), DriverSql("sqlite")
    assert "id = ANY(%s)" in pg.events(3) and pg.ids([1, 2, 3]) == ([1, 2, 3],)
    assert "id IN (?, ?, ?)" in lite.events(3) and lite.ids([1, 2, 3]) == (1, 2, 3)
    assert pg.held(2).endswith("FOR UPDATE") and not lite.held(2).endswith("FOR UPDATE")
    assert "j.connector IN (?, ?)" in lite.candidates(False, 2)
    assert "connector IN" not in lite.candidates(True, 0)
