"""The console's store reads on SQLite and PostgreSQL: keyset pages walk every matching
job once, newest first; a dossier's timeline is in order; dead jobs by reason."""

from __future__ import annotations

from hub.ops import JobFilter
from hub.service import Hub

from .conftest import make_dead_jobs


def test_keyset_pages_walk_every_matching_job_once(build_hub, db_url) -> None:  # type: ignore[no-untyped-def]
    from hub.settings import RetrySettings, RouteRule, WorkerSettings
    from tests.integration.recording import RecordingConnector

    hub: Hub = build_hub(
        db_url,
        connectors={"rec": RecordingConnector()},
        routes=[RouteRule(connector="rec")],
        worker=WorkerSettings(
            poll_seconds=0.01, retry=RetrySettings(initial_seconds=0.01, max_attempts=1)
        ),
    )
    codes = make_dead_jobs(hub, [f"page-{i}" for i in range(23)])
    seen: list[int] = []
    before = None
    pages = 0
    while True:
        rows, before = hub.store.jobs_page(JobFilter(state="dead"), before_id=before, limit=5)
        seen.extend(r["id"] for r in rows)
        pages += 1
        if before is None:
            break
    assert pages == 5 and len(seen) == 23 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    (one,), last = hub.store.jobs_page(JobFilter(ma_ho_so=codes[4]), limit=5)
    assert last is None and one["ma_ho_so"] == codes[4] and one["state"] == "dead"
    assert hub.store.jobs_page(JobFilter(state="succeeded"), limit=5) == ([], None)
    assert hub.store.dead_by_reason() == [
        {"connector": "rec", "error_class": "rejected", "count": 23}
    ]
    timeline = hub.store.dossier_timeline(codes[0])
    assert [e["type"] for e in timeline["events"]] == ["dossier.received"]
    assert [j["state"] for j in timeline["jobs"]] == ["dead"]
    rate = hub.store.delivery_per_minute()
    assert len(rate["rec"]) == 60 and sum(bad for _ok, bad in rate["rec"]) == 23


def test_the_dossier_index_migrates_up_and_down(db_url: str) -> None:
    import sqlalchemy as sa
    from alembic import command

    from hub.store.engine import _alembic_config, make_engine, upgrade_schema

    engine = make_engine(db_url)

    def indexes() -> set[str]:
        return {i["name"] for i in sa.inspect(engine).get_indexes("jobs")}

    upgrade_schema(engine)
    assert {"ix_jobs_dossier", "ix_jobs_chain"} <= indexes()
    command.downgrade(_alembic_config(engine), "0008_console-1")
    assert "ix_jobs_dossier" not in indexes() and "ix_jobs_chain" in indexes()
    upgrade_schema(engine)
    assert "ix_jobs_dossier" in indexes()
    engine.dispose()
