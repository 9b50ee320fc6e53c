"""What a batch's rows become, on SQLite and PostgreSQL (issue #21): PostgreSQL writes
each table's rows in one statement (columns as arrays, snapshots as one JSON array) and
an event may take its snapshot from the mirror row; every row must still hold its own
values, in the batch's order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.store.bulk import insert_many
from hub.store.tables import dossiers, events, jobs
from hub.testing.samples import sample_batch

from .recording import RecordingConnector


@pytest.fixture
def hub(db_url):  # type: ignore[no-untyped-def]
    settings = HubSettings(database_url=db_url, routes=[RouteRule(connector="rec", ma_tthc=[])])
    hub = Hub(settings, connectors={"rec": RecordingConnector()})
    yield hub
    hub.engine.dispose()


def test_each_event_keeps_its_own_snapshot_and_order(hub: Hub) -> None:
    lifecycles = sample_batch(3, seed="rows")
    # Interleaved: each dossier's events in order, the dossiers mixed. The first batch
    # creates the mirror rows (the first dossier with all four events); the second
    # updates the other two, two events each (the later one's snapshot must win).
    first = [lc[i] for i in range(4) for lc in lifecycles if lc is lifecycles[0] or i < 2]
    second = [lc[i] for i in range(2, 4) for lc in lifecycles[1:]]
    for batch in (first, second):
        outcomes = hub.store.ingest(batch, hub.router.targets)
        assert not any(o.duplicate for o in outcomes)
    with hub.engine.connect() as conn:
        stored = {r.id: r for r in conn.execute(sa.select(events))}
        mirror = {r.ma_ho_so: r for r in conn.execute(sa.select(dossiers))}
        job_rows = conn.execute(sa.select(jobs).order_by(jobs.c.id)).all()
    for lifecycle in lifecycles:
        for n, event in enumerate(lifecycle, 1):
            row = stored[event.id]
            assert row.snapshot == event.snapshot.model_dump(mode="json"), event.id
            assert (row.ma_ho_so, row.sequence) == (event.ma_ho_so, n)
        last = lifecycle[-1]
        assert mirror[last.ma_ho_so].snapshot == last.snapshot.model_dump(mode="json")
        assert mirror[last.ma_ho_so].last_sequence == len(lifecycle)
        # The outbox keeps each dossier's order: job ids grow with the sequence.
        chain = [(j.sequence, j.event_id) for j in job_rows if j.ma_ho_so == last.ma_ho_so]
        assert chain == [(n, e.id) for n, e in enumerate(lifecycle, 1)]


def test_times_and_nulls_are_written_as_sqlalchemy_would(hub: Hub) -> None:
    """An aware time in another offset is the same instant; a naive one is UTC; a NULL
    stays NULL (PostgreSQL: each column is one array of one type)."""
    aware = datetime.fromisoformat("2025-08-04T09:10:11.123456+07:00")
    naive = datetime(2025, 8, 4, 2, 10, 11, 123456)

    def row(code: str, at: datetime, hen: datetime | None) -> dict[str, Any]:
        return {"ma_ho_so": code, "ma_tthc": "1.001776", "trang_thai": 2, "origin": "province",
                "last_sequence": 1, "snapshot_json": f'{{"ma":"{code}"}}', "created_at": at,
                "updated_at": at, "ngay_hen_tra": hen}  # fmt: skip

    with hub.store.begin() as conn:
        rows = [row("T-1", aware, None), row("T-2", naive, aware), row("T-3", aware, naive)]
        assert insert_many(conn, dossiers, rows) == 3
    with hub.engine.connect() as conn:
        found = {r.ma_ho_so: r for r in conn.execute(sa.select(dossiers))}
    instant = aware.astimezone(UTC)
    assert all(found[c].created_at == instant for c in ("T-1", "T-2", "T-3"))
    assert found["T-1"].ngay_hen_tra is None
    assert found["T-2"].ngay_hen_tra == found["T-3"].ngay_hen_tra == instant
    assert found["T-3"].snapshot == {"ma": "T-3"}


def test_a_value_too_long_for_its_column_is_refused_not_cut(pg_url: str) -> None:
    """PostgreSQL: the arrays are TEXT, so VARCHAR(n) refuses a longer value (an explicit
    cast to VARCHAR(n)[] would have cut it short without a word)."""
    hub = Hub(HubSettings(database_url=pg_url), connectors={})
    now = datetime.now(UTC)
    row = {"ma_ho_so": "L-1", "ma_tthc": "1.001776", "trang_thai": 2, "origin": "province",
           "origin_system": "x" * 51, "last_sequence": 1, "snapshot_json": "{}",
           "created_at": now, "updated_at": now}  # fmt: skip
    try:
        with pytest.raises(sa.exc.DataError, match="too long"), hub.store.begin() as conn:
            insert_many(conn, dossiers, [row])
        assert hub.store.get_dossier("L-1") is None
    finally:
        hub.engine.dispose()
