"""The deadline watch (issue 4, parts 3 and 4): ngày hẹn trả on the mirror, the at-risk
and overdue events for the province, once each, and the apology recorded once.

Time is driven by passing ``now=`` to the watch; nothing sleeps. The procedure used
is 1.011516.H34 (10 working days): received Tuesday 16/09/2025 08:00, it is due
Tuesday 30/09/2025 08:00 and at risk from Monday 29/09/2025 08:00.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.calendar import TZ
from hub.deadlines import RULE_EN, ApologyRefused
from hub.models import DossierEvent, EventType, Status
from hub.service import Hub
from hub.settings import HubSettings
from hub.store.tables import audit_log

MA_TTHC = "1.011516.H34"
RECEIVED = datetime(2025, 9, 16, 8, 0, tzinfo=TZ)
DUE = datetime(2025, 9, 30, 8, 0, tzinfo=TZ)
AT_RISK = datetime(2025, 9, 29, 8, 0, tzinfo=TZ)
MINUTE = timedelta(minutes=1)

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))


def code(n: int) -> str:
    return f"000.00.22.H34-250916-{n:04d}"


def event(
    n: int,
    seq: int,
    status: Status = Status.DANG_XU_LY,
    *,
    ngay_hen_tra: datetime | None = None,
    qua_trinh: list[dict[str, Any]] | None = None,
    ma_tthc: str = MA_TTHC,
    extra: dict[str, Any] | None = None,
) -> DossierEvent:
    snapshot: dict[str, Any] = {
        "ma_ho_so": code(n),
        "ma_tthc": ma_tthc,
        "chu_ho_so": {"ho_ten": "Nguyễn Văn An", "so_giay_to": "062150001234"},
        "ngay_nop": (RECEIVED - timedelta(minutes=30)).isoformat(),
        "ngay_tiep_nhan": RECEIVED.isoformat(),
        "trang_thai": int(status),
        "qua_trinh": qua_trinh or [],
        "extra": extra or {},
    }
    if ngay_hen_tra is not None:
        snapshot["ngay_hen_tra"] = ngay_hen_tra.isoformat()
    if status == Status.DA_TRA_KET_QUA:
        snapshot["ngay_tra"] = (RECEIVED + timedelta(days=3)).isoformat()
    kinds = {Status.DUOC_TIEP_NHAN: EventType.RECEIVED, Status.DA_TRA_KET_QUA: EventType.RETURNED}
    return DossierEvent.model_validate(
        {
            "id": f"evt-{n}-{seq}",
            "type": kinds.get(status, EventType.PROGRESS),
            "occurred_at": (RECEIVED + timedelta(hours=seq)).isoformat(),
            "ma_ho_so": code(n),
            "snapshot": snapshot,
        }
    )


def kinds(hub: Hub, ma_ho_so: str | None = None) -> list[str]:
    return [u["kind"] for u in hub.store.list_province_updates(ma_ho_so=ma_ho_so)]


# --- the watch ------------------------------------------------------------------------


def test_at_risk_once_one_working_day_before_then_overdue_once(hub: Hub) -> None:
    hub.store.ingest([event(1, 1, Status.DUOC_TIEP_NHAN)], hub.router.targets)
    watch = hub.deadlines
    assert watch.run(now=AT_RISK - MINUTE) == []  # Monday 07:59: still a working day left
    fired = watch.run(now=AT_RISK)
    assert [u["kind"] for u in fired] == ["deadline_at_risk"]
    payload = fired[0]["payload"]
    assert payload["ma_ho_so"] == code(1) and payload["ma_tthc"] == MA_TTHC
    assert payload["ngay_hen_tra"] == DUE.isoformat() and payload["han"] == DUE.isoformat()
    assert payload["at_risk_from"] == AT_RISK.isoformat()
    assert payload["buoc_hien_tai"].startswith("01") and payload["han_buoc_hien_tai"]
    assert payload["rule_en"] == RULE_EN and payload["apology_allowed"] is True
    # Again, and again later that day: nothing new.
    assert watch.run(now=AT_RISK) == [] and watch.run(now=AT_RISK + timedelta(hours=5)) == []
    assert watch.run(now=DUE) == []  # at the deadline itself, not yet past it
    overdue = watch.run(now=DUE + MINUTE)
    assert [u["kind"] for u in overdue] == ["deadline_overdue"]
    assert watch.run(now=DUE + timedelta(days=10)) == []
    assert kinds(hub) == ["deadline_at_risk", "deadline_overdue"]
    assert hub.store.get_dossier(code(1))["deadline_state"] == "overdue"  # type: ignore[index]


def test_across_a_weekend_the_working_day_counts(hub: Hub) -> None:
    # Due Monday 08:00: at risk from Friday 08:00, not from Sunday.
    hub.store.ingest([event(2, 1, ngay_hen_tra=AT_RISK)], hub.router.targets)
    friday = datetime(2025, 9, 26, 8, 0, tzinfo=TZ)
    assert hub.deadlines.run(now=friday - MINUTE) == []
    assert [u["kind"] for u in hub.deadlines.run(now=friday)] == ["deadline_at_risk"]


def test_a_late_hub_tells_only_overdue(hub: Hub) -> None:
    hub.store.ingest([event(3, 1)], hub.router.targets)
    assert [u["kind"] for u in hub.deadlines.run(now=DUE + timedelta(days=2))] == [
        "deadline_overdue"
    ]


def test_nothing_fires_for_finished_or_paused_dossiers(hub: Hub) -> None:
    returned = [event(4, 1, Status.DUOC_TIEP_NHAN), event(4, 2, Status.DA_XU_LY_XONG)]
    returned.append(event(4, 3, Status.DA_TRA_KET_QUA))
    withdrawn = [event(5, 1), event(5, 2, Status.CONG_DAN_RUT_HO_SO)]
    supplement = [event(6, 1), event(6, 2, Status.YEU_CAU_BO_SUNG)]
    hub.store.ingest([*returned, *withdrawn, *supplement], hub.router.targets)
    for moment in (AT_RISK, DUE + MINUTE, DUE + timedelta(days=30)):
        assert hub.deadlines.run(now=moment) == []
    assert kinds(hub) == []


# --- the apology ----------------------------------------------------------------------


def test_apology_once_and_the_watch_follows_the_new_date(hub: Hub) -> None:
    hub.store.ingest([event(7, 1)], hub.router.targets)
    new_date = datetime(2025, 10, 3, 17, 0, tzinfo=TZ)  # Friday
    before_risk = AT_RISK - timedelta(days=3)  # Friday 26/09 08:00
    done = hub.deadlines.record_apology(
        code(7), new_date, actor="cb-mc", reason="Chờ ý kiến sở", now=before_risk
    )
    assert done["late"] is False and done["ngay_hen_tra_moi"] == new_date.isoformat()
    with pytest.raises(ApologyRefused, match="only once"):
        hub.deadlines.record_apology(
            code(7), new_date + timedelta(days=7), actor="cb-mc", reason="again"
        )
    # The old date passes unnoticed; the new one is watched.
    assert hub.deadlines.run(now=DUE + timedelta(hours=2)) == []
    # One working day before Friday 17:00 is Friday 07:30 (Thursday evening is not working time).
    assert hub.deadlines.run(now=datetime(2025, 10, 2, 17, 0, tzinfo=TZ)) == []
    at_risk = hub.deadlines.run(now=datetime(2025, 10, 3, 7, 30, tzinfo=TZ))
    assert [u["kind"] for u in at_risk] == ["deadline_at_risk"]
    assert at_risk[0]["payload"]["han"] == new_date.isoformat()
    assert at_risk[0]["payload"]["apology_allowed"] is False
    assert [u["kind"] for u in hub.deadlines.run(now=new_date + MINUTE)] == ["deadline_overdue"]
    assert kinds(hub) == ["appointment_rescheduled", "deadline_at_risk", "deadline_overdue"]
    with hub.engine.connect() as conn:
        audits = conn.execute(sa.select(audit_log)).all()
    assert [(a.action, a.actor, a.target, a.reason) for a in audits] == [
        ("apology", "cb-mc", f"dossier {code(7)}", "Chờ ý kiến sở")
    ]
    row = hub.store.get_dossier(code(7))
    assert row is not None and row["apology_sent_at"] is not None
    assert row["ngay_hen_tra_moi"] == new_date


@pytest.mark.parametrize(
    ("n", "status", "new_date", "code_"),
    [
        # the new date must be after the current one
        (8, Status.DANG_XU_LY, DUE, "invalid"),
        # a returned dossier needs no apology
        (9, Status.DA_TRA_KET_QUA, DUE + timedelta(days=5), "refused"),
        # no such dossier
        (99, None, DUE + timedelta(days=5), "not_found"),
    ],
    ids=["not-later", "finished", "unknown"],
)
def test_apology_refusals(
    hub: Hub, n: int, status: Status | None, new_date: datetime, code_: str
) -> None:
    if status is not None:
        batch = [event(n, 1)]
        if status == Status.DA_TRA_KET_QUA:
            batch += [event(n, 2, Status.DA_XU_LY_XONG), event(n, 3, status)]
        hub.store.ingest(batch, hub.router.targets)
    with pytest.raises(ApologyRefused) as refused:
        hub.deadlines.record_apology(code(n), new_date, actor="x", reason="y")
    assert refused.value.code == code_
    assert kinds(hub) == []


def test_a_late_apology_is_kept_and_marked(hub: Hub) -> None:
    hub.store.ingest([event(10, 1)], hub.router.targets)
    done = hub.deadlines.record_apology(
        code(10), DUE + timedelta(days=7), actor="x", reason="y", now=AT_RISK + timedelta(hours=1)
    )
    assert done["late"] is True


# --- ingest fills the mirror ----------------------------------------------------------


def test_ingest_takes_the_snapshot_values_first(hub: Hub) -> None:
    given = datetime(2025, 10, 15, 16, 0, tzinfo=TZ)
    step_due = datetime(2025, 9, 20, 10, 0, tzinfo=TZ)
    history = [
        {
            "buoc": "Thẩm định",
            "trang_thai": 4,
            "bat_dau": RECEIVED.isoformat(),
            "han_xu_ly": step_due.isoformat(),
        }
    ]
    hub.store.ingest([event(11, 1, ngay_hen_tra=given, qua_trinh=history)], hub.router.targets)
    row = hub.store.get_dossier(code(11))
    assert row is not None
    assert (row["ngay_hen_tra"], row["buoc_hien_tai"], row["han_buoc_hien_tai"]) == (
        given,
        "Thẩm định",
        step_due,
    )
    assert row["deadline_state"] == "ok"


def test_ingest_computes_from_the_catalog(hub: Hub) -> None:
    history = [{"buoc": "Bước 03", "trang_thai": 4, "bat_dau": RECEIVED.isoformat()}]
    hub.store.ingest([event(12, 1, qua_trinh=history)], hub.router.targets)
    row = hub.store.get_dossier(code(12))
    assert row is not None and row["ngay_hen_tra"] == DUE
    # The named step's deadline comes from the plan: 3.5 working days after receipt.
    assert row["buoc_hien_tai"] == "Bước 03"
    assert row["han_buoc_hien_tai"] == datetime(2025, 9, 19, 13, 45, tzinfo=TZ)


def test_a_closed_supplement_period_moves_the_date_and_restarts_the_watch(hub: Hub) -> None:
    hub.store.ingest([event(13, 1)], hub.router.targets)
    assert [u["kind"] for u in hub.deadlines.run(now=AT_RISK)] == ["deadline_at_risk"]
    # The dossier waited for a supplement for two whole working days (Wed-Thu 17-18/09).
    paused = {
        "buoc": "Bổ sung",
        "trang_thai": 5,
        "bat_dau": datetime(2025, 9, 17, 7, 30, tzinfo=TZ).isoformat(),
        "ket_thuc": datetime(2025, 9, 18, 17, 0, tzinfo=TZ).isoformat(),
    }
    hub.store.ingest([event(13, 2, qua_trinh=[paused])], hub.router.targets)
    row = hub.store.get_dossier(code(13))
    assert row is not None and row["ngay_hen_tra"] == datetime(2025, 10, 2, 8, 0, tzinfo=TZ)
    assert row["deadline_state"] == "ok"
    assert hub.deadlines.run(now=DUE + MINUTE) == []  # the old date no longer counts
    assert [u["kind"] for u in hub.deadlines.run(now=datetime(2025, 10, 1, 8, 0, tzinfo=TZ))] == [
        "deadline_at_risk"
    ]


def test_a_procedure_with_variants_needs_the_variant(hub: Hub) -> None:
    batch = [
        event(14, 1, ma_tthc="1.004227"),
        event(15, 1, ma_tthc="1.004227", extra={"bien_the": "16.1.1"}),
    ]
    hub.store.ingest(batch, hub.router.targets)
    assert hub.store.get_dossier(code(14))["ngay_hen_tra"] is None  # type: ignore[index]
    assert hub.store.get_dossier(code(15))["ngay_hen_tra"] is not None  # type: ignore[index]


def test_store_without_a_hub_keeps_the_snapshot_values(db_url: str) -> None:
    from hub.store.engine import make_engine, upgrade_schema
    from hub.store.store import Store

    engine = make_engine(db_url)
    upgrade_schema(engine)
    store = Store(engine)
    store.ingest([event(16, 1), event(17, 1, ngay_hen_tra=DUE)], lambda _e: [])
    assert store.get_dossier(code(16))["ngay_hen_tra"] is None  # type: ignore[index]
    assert store.get_dossier(code(17))["ngay_hen_tra"] == DUE  # type: ignore[index]
    engine.dispose()


# --- the migration ---------------------------------------------------------------------


def test_migration_upgrades_and_downgrades(db_url: str) -> None:
    from alembic import command

    from hub.store.engine import _alembic_config, make_engine, upgrade_schema

    engine = make_engine(db_url)
    cfg = _alembic_config(engine)
    added = {"ngay_hen_tra", "buoc_hien_tai", "han_buoc_hien_tai", "deadline_state",
             "apology_sent_at", "ngay_hen_tra_moi"}  # fmt: skip

    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(engine).get_columns("dossiers")}

    def indexes() -> set[str]:
        return {i["name"] for i in sa.inspect(engine).get_indexes("dossiers")}

    upgrade_schema(engine)
    assert added <= columns() and "ix_dossiers_watch_hen_tra" in indexes()
    command.downgrade(cfg, "0004_deadlines-1")  # this branch only
    assert not added & columns() and "ix_dossiers_watch_hen_tra" not in indexes()
    assert "ix_dossiers_updated_at" in indexes()  # the table's own index survives
    with engine.connect() as conn:
        heads = {r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    assert "0004_deadlines" not in heads and len(heads) >= 1  # sibling heads stay applied
    upgrade_schema(engine)
    assert added <= columns()
    engine.dispose()


# --- the CLI and the API -----------------------------------------------------------------


def run_cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    env |= {"COLUMNS": "200", "TTHC_HUB_DATABASE_URL": db}
    return subprocess.run(
        [TTHC_HUB, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_lists_and_records_the_apology_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    hub = Hub(HubSettings(database_url=db), connectors={})
    hub.store.ingest(
        [event(20, 1), event(21, 1, ngay_hen_tra=DUE + timedelta(days=7))], hub.router.targets
    )
    hub.deadlines.run(now=DUE + MINUTE)  # 20 overdue; 21 a week ahead, fine
    hub.engine.dispose()

    vi = run_cli("dossiers", "at-risk", db=db)
    assert vi.returncode == 0, vi.stderr
    assert "Hồ sơ sắp đến hạn, quá hạn (1)" in vi.stdout and code(20) in vi.stdout
    assert "Quá hạn" in vi.stdout and code(21) not in vi.stdout
    en = run_cli("--lang", "en", "dossiers", "at-risk", "--overdue", "--ma-tthc", "1.011516", db=db)
    assert "Overdue dossiers (1)" in en.stdout and "08:00 30/09/2025" in en.stdout
    as_json = json.loads(run_cli("dossiers", "at-risk", "--json", db=db).stdout)
    assert [d["ma_ho_so"] for d in as_json["items"]] == [code(20)]
    assert (
        run_cli("dossiers", "at-risk", "--json", "--connector", "molisa", db=db).stdout.count(
            "ma_ho_so"
        )
        == 0
    )

    args = ("dossiers", "apologize", code(20), "--new-date", "2025-10-07 16:00")
    first = run_cli(*args, "--reason", "Chờ kết quả đo đạc", "--by", "cb-mc", db=db)
    assert first.returncode == 0, first.stderr
    assert "16:00 07/10/2025" in first.stdout and "gửi muộn" in first.stdout
    second = run_cli(*args, "--reason", "lần hai", db=db)
    assert second.returncode == 2 and "chỉ cho hẹn lại một lần" in second.stderr
    assert "Traceback" not in second.stderr
    bad = run_cli("dossiers", "apologize", code(21), "--new-date", "7/10", "--reason", "x", db=db)
    assert bad.returncode == 2 and "YYYY-MM-DD HH:MM" in bad.stderr


@pytest.fixture
def api(build_hub: Any, hub_api: Any) -> Any:
    hub = build_hub(connectors={})
    return hub, hub_api(hub)


def test_api_lists_and_records_the_apology_once(api: Any) -> None:
    hub, client = api
    hub.store.ingest(
        [event(30, 1), event(31, 1, ngay_hen_tra=DUE + timedelta(days=1))], hub.router.targets
    )
    hub.deadlines.run(now=DUE + MINUTE)  # 30 overdue, 31 at risk (due Wednesday 08:00)
    at_risk = client.get("/api/v1/dossiers", params={"deadline": "at-risk"}).json()["items"]
    assert [(d["ma_ho_so"], d["deadline_state"]) for d in at_risk] == [
        (code(30), "overdue"),
        (code(31), "at_risk"),
    ]
    overdue = client.get("/api/v1/dossiers", params={"deadline": "overdue"}).json()["items"]
    assert [d["ma_ho_so"] for d in overdue] == [code(30)]
    assert client.get("/api/v1/dossiers", params={"deadline": "soon"}).status_code == 422
    # The one-dossier endpoint of hub/api.py still answers, now with the deadline columns.
    one = client.get(f"/api/v1/dossiers/{code(31)}").json()["dossier"]
    assert one["deadline_state"] == "at_risk" and one["ngay_hen_tra"].startswith("2025-10-01")

    url = f"/api/v1/dossiers/{code(31)}/apology"
    body = {"new_date": "2025-10-08T10:00:00", "reason": "Chờ ý kiến liên ngành"}
    done = client.post(url, json=body)
    assert done.status_code == 201, done.text
    assert done.json()["ngay_hen_tra_moi"] == "2025-10-08T10:00:00+07:00"
    again = client.post(url, json={**body, "new_date": "2025-10-15T10:00:00"})
    assert again.status_code == 409 and "only once" in again.json()["errors"][0]["message_en"]
    earlier = client.post(
        f"/api/v1/dossiers/{code(30)}/apology", json={**body, "new_date": "2025-09-01T10:00:00"}
    )
    assert earlier.status_code == 422 and earlier.json()["errors"][0]["loc"] == "new_date"
    unknown = client.post(f"/api/v1/dossiers/{code(99)}/apology", json=body)
    assert unknown.status_code == 404
    updates = client.get("/api/v1/updates").json()["items"]
    assert [u["kind"] for u in updates] == [
        "deadline_overdue",
        "deadline_at_risk",
        "appointment_rescheduled",
    ]


# --- the calendar from the settings ----------------------------------------------------------


def test_office_hours_from_toml_reach_ingest_and_the_catalog_cli(tmp_path: Path) -> None:
    day_off = tmp_path / "2025-tinh.json"
    day_off.write_text(
        json.dumps(
            {"nam": 2025, "ngay_nghi": [{"ngay": "2025-09-29", "ly_do": "Nghỉ bù của tỉnh"}]}
        ),
        encoding="utf-8",
    )
    config = tmp_path / "hub.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "cal.db"}"\n'
        "[calendar]\n"
        'sessions = [{start = "07:00", end = "11:00"}, {start = "13:00", end = "16:30"}]\n'
        f'calendar_files = ["{day_off}"]\n',
        encoding="utf-8",
    )
    os.environ["TTHC_HUB_CONFIG"] = str(config)
    try:
        hub = Hub(HubSettings(), connectors={})
    finally:
        del os.environ["TTHC_HUB_CONFIG"]
    hub.store.ingest([event(40, 1)], hub.router.targets)
    # The clock starts at 08:00 inside the morning session; the province's day off on
    # Monday 29/09 pushes the tenth working day to Wednesday.
    assert hub.store.get_dossier(code(40))["ngay_hen_tra"] == datetime(  # type: ignore[index]
        2025, 10, 1, 8, 0, tzinfo=TZ
    )
    hub.engine.dispose()
    cli = run_cli(
        "catalog", "deadline", "1.011516", "--received", "2025-09-16 08:00", "--json",
        "--config", str(config), db="sqlite://",
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["ngay_hen_tra"] == "2025-10-01T08:00:00+07:00"


def test_the_scheduler_runs_the_watch_on_its_interval(tmp_path: Path) -> None:
    from hub.scheduler import build_scheduler
    from hub.settings import SchedulerSettings

    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 's.db'}",
        scheduler=SchedulerSettings(deadline_watch_seconds=42),
    )
    hub = Hub(settings, connectors={})
    hub.store.ingest([event(50, 1)], hub.router.targets)  # due in 2025: overdue by now
    job = build_scheduler(hub).get_job("deadline-watch")
    assert job is not None and job.trigger.interval == timedelta(seconds=42)

    async def twice() -> tuple[Any, Any]:
        return await job.func(*job.args), await job.func(*job.args)

    first, second = asyncio.run(twice())
    assert [u["kind"] for u in first] == ["deadline_overdue"]
    assert not second  # skipped in the same 42 s slot, or (at a slot's edge) nothing new
    assert kinds(hub) == ["deadline_overdue"]
    hub.engine.dispose()
