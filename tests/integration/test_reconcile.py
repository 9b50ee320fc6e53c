"""Reconciliation end to end over loopback: plant every kind of difference at the MOLISA
mock (and the mirror), find each exactly, repair through the worker, find nothing after.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import structlog

from hub.reconcile import Reconciler
from hub.reconcile_report import render
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.store.tables import audit_log, jobs
from hub.testing.samples import sample_batch
from mocks.molisa.app import create_app as create_mock
from mocks.molisa.state import now_vn

from .test_maintenance_reports import counted


def settings_for(db_url: str, mock_url: str) -> HubSettings:
    return HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            poll_seconds=0.02,
            retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
        ),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={
            "molisa": {"base_url": mock_url, "accept_key": "test-key", "timeout_seconds": 5.0}
        },
    )


@pytest.fixture
def mock(serve_app):  # type: ignore[no-untyped-def]
    server = serve_app(create_mock())
    with httpx.Client(base_url=server.url, timeout=10) as admin:
        yield server, admin


@pytest.fixture
def hub(build_hub, db_url, mock):  # type: ignore[no-untyped-def]
    server, _admin = mock
    return build_hub(settings_for(db_url, server.url))


def synced_hub(hub: Hub, n: int) -> list[str]:
    """Ingest ``n`` whole lifecycles and send them all; returns their mã hồ sơ."""
    batch = sample_batch(n, seed="rec")
    hub.store.ingest([e for life in batch for e in life], hub.router.targets)
    return [life[0].ma_ho_so for life in batch]


def findings_by_kind(rec: Reconciler, run_id: int) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in rec.findings(run_id):
        out.setdefault(f["kind"], set()).add(f["ma_ho_so"])
    return out


def test_every_planted_difference_is_found_exactly_then_repaired(hub: Hub, mock) -> None:  # type: ignore[no-untyped-def]
    _server, admin = mock
    codes = synced_hub(hub, 8)
    rec = Reconciler(hub, stale_after=timedelta(hours=1))

    async def scenario() -> dict[str, Any]:
        try:
            await hub.worker.run_until_idle(timeout=60)
            clean = await rec.run("molisa", actor="test")
            long_ago = (now_vn() - timedelta(days=3)).strftime("%d/%m/%Y %H:%M:%S")
            planted = admin.post(
                "/_mock/plant",
                json={
                    "remove": [codes[0]],  # lost at the ministry
                    "alter": [
                        {"MaHoSo": codes[1], "StatusId": "4"},
                        {"MaHoSo": codes[2], "SoQuyetDinh": "999/QĐ-KHAC"},
                        {"MaHoSo": codes[3], "Sha256KetQua": "ab" * 32},
                        {"MaHoSo": codes[4], "NgayCapNhat": long_ago},
                    ],
                    "seed_acknowledged": 2,  # filed at the ministry, never reached the inbox
                    "seed": 7,
                },
            ).json()
            found = await rec.run("molisa", actor="test")
            jobs_before = _count(hub, jobs)
            stats, vacuum = counted(hub)  # what the repairs report to the guards
            dry = await rec.repair(found, actor="test", dry_run=True)
            jobs_after_dry = _count(hub, jobs)
            reported = [(stats.rows, vacuum.rows)]
            repaired = await rec.repair(found, actor="test")
            reported.append((stats.rows, vacuum.rows))
            again = await rec.repair(found, actor="test")  # nothing left to do
            reported.append((stats.rows, vacuum.rows))
            await hub.worker.run_until_idle(timeout=60)
            after = await rec.run("molisa", actor="test")
            return {
                "clean": clean,
                "planted": planted,
                "found": found,
                "dry": dry,
                "jobs": (jobs_before, jobs_after_dry),
                "repaired": repaired,
                "again": again,
                "reported": reported,
                "after": after,
            }
        finally:
            await hub.aclose()

    out = asyncio.run(scenario())
    assert rec.get_run(out["clean"])["counts"] == dict.fromkeys(
        ("only_province", "only_ministry", "status_mismatch", "result_mismatch", "stale"), 0
    )
    assert findings_by_kind(rec, out["found"]) == {
        "only_province": {codes[0]},
        "status_mismatch": {codes[1]},
        "result_mismatch": {codes[2], codes[3]},
        "stale": {codes[4]},
        "only_ministry": set(out["planted"]["filed"]),
    }
    run = rec.get_run(out["found"])
    assert run["state"] == "done" and run["province_count"] == 8 and run["remote_count"] == 9
    # 8 mirrored, none in flight: 1 the ministry lacks, 4 pairs that differ, 3 that match.
    assert (run["matched"], run["in_flight"]) == (3, 0)
    assert rec.get_run(out["clean"])["matched"] == 8
    assert out["dry"]["counts"] == {"would_enqueue": 5, "would_pull": 2}
    assert out["jobs"][0] == out["jobs"][1]  # a dry run writes nothing
    assert out["repaired"]["counts"] == {"enqueued": 5, "pulled": 2}
    assert out["again"]["counts"] == {}
    # Each re-send: an event and its job inserted, the mirror's sequence moved on; each
    # pull: a mirror row inserted. A dry run and a repeat write, and report, nothing.
    assert out["reported"] == [(0, 0), (5 * 3 + 2, 5), (5 * 3 + 2, 5)]
    assert rec.get_run(out["found"])["repaired"] == 7
    assert sum(rec.get_run(out["after"])["counts"].values()) == 0
    with hub.engine.connect() as conn:
        audited = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.target).where(
                audit_log.c.action.like("reconcile_%")
            )
        ).all()
    assert (
        sorted(a.action for a in audited) == ["reconcile_enqueued"] * 5 + ["reconcile_pulled"] * 2
    )
    keys = [j["idempotency_key"] for j in hub.store.list_jobs(limit=500)]
    assert sum(":repair:" in k for k in keys) == 5
    assert all(k.endswith(f":repair:{out['found']}") for k in keys if ":repair:" in k)


def test_dossier_behind_a_dead_job_is_reported_not_resent(hub: Hub, mock) -> None:  # type: ignore[no-untyped-def]
    _server, admin = mock
    codes = synced_hub(hub, 2)
    rec = Reconciler(hub)

    async def scenario() -> tuple[int, dict[str, Any]]:
        try:
            await hub.worker.run_until_idle(timeout=60)
            admin.post("/_mock/plant", json={"remove": [codes[1]]})
            with hub.engine.begin() as conn:
                conn.execute(
                    sa.update(jobs).where(jobs.c.ma_ho_so == codes[1]).values(state="dead")
                )
            run_id = await rec.run("molisa")
            return run_id, await rec.repair(run_id, actor="test")
        finally:
            await hub.aclose()

    run_id, repaired = asyncio.run(scenario())
    [finding] = list(rec.findings(run_id))
    assert (finding["kind"], finding["action"]) == ("only_province", "rerun_dead_job")
    assert repaired["counts"] == {"blocked": 1}


def test_dossier_with_a_job_in_flight_is_counted_not_reported(hub: Hub, mock) -> None:  # type: ignore[no-untyped-def]
    """A job pending (or running, or waiting for a retry) is not a difference: the
    ministry may not have it yet. One in flight beside a dead one still counts in flight."""
    _server, admin = mock
    codes = synced_hub(hub, 3)
    rec = Reconciler(hub)

    async def scenario() -> int:
        try:
            await hub.worker.run_until_idle(timeout=60)
            admin.post("/_mock/plant", json={"remove": codes[:2]})
            with hub.engine.begin() as conn:
                conn.execute(
                    sa.update(jobs).where(jobs.c.ma_ho_so == codes[0]).values(state="pending")
                )
                conn.execute(
                    sa.update(jobs).where(jobs.c.ma_ho_so == codes[1]).values(state="dead")
                )
            return await rec.run("molisa")
        finally:
            await hub.aclose()

    run = rec.get_run(asyncio.run(scenario()))
    [finding] = list(rec.findings(run["id"]))
    assert (finding["ma_ho_so"], finding["kind"], finding["action"]) == (
        codes[1],
        "only_province",
        "rerun_dead_job",
    )
    assert run["in_flight"] >= 1
    assert run["counts"]["only_province"] == 1
    assert run["matched"] == 1  # codes[2]; codes[0] is in flight, codes[1] lacking


def test_runs_are_listed_shown_and_reports_render(hub: Hub, mock) -> None:  # type: ignore[no-untyped-def]
    _server, admin = mock
    codes = synced_hub(hub, 3)
    rec = Reconciler(hub)

    async def scenario() -> int:
        try:
            await hub.worker.run_until_idle(timeout=60)
            admin.post("/_mock/plant", json={"remove": [codes[0]], "seed_acknowledged": 1})
            return await rec.run("molisa")
        finally:
            await hub.aclose()

    run_id = asyncio.run(scenario())
    assert [r["id"] for r in rec.list_runs()] == [run_id]
    runs = [rec.get_run(run_id)]

    data = json.loads(render(rec, runs, "json"))
    assert data["runs"][0]["counts"]["only_province"] == 1
    assert {f["ma_ho_so"] for f in data["runs"][0]["findings"]} >= {codes[0]}

    csv_text = render(rec, runs, "csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Hệ thống,Mã hồ sơ,Mã TTHC")
    assert codes[0] in csv_text and "Chỉ có ở tỉnh" in csv_text

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(render(rec, runs, "xlsx")), read_only=True)
    sheet = book["Chênh lệch"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[:4] == ("Hệ thống", "Mã hồ sơ", "Mã TTHC", "Loại chênh lệch")
    book.close()

    html = render(rec, runs, "html").decode()
    assert "<svg" in html and "<style>" in html and codes[0] in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<link" not in html and "<script src" not in html

    english = render(rec, runs, "csv", language="en").decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Connector,Dossier code,Procedure code")


def _count(hub: Hub, table: Any) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_api_and_cli_run_list_show_and_report(db_url, mock, serve_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from hub.api import create_app
    from hub.cli import app as cli

    server, admin = mock
    settings = settings_for(db_url, server.url)
    hub = Hub(settings)
    codes = synced_hub(hub, 2)

    async def send() -> None:
        try:
            await hub.worker.run_until_idle(timeout=60)
        finally:
            await hub.aclose()

    asyncio.run(send())
    admin.post("/_mock/plant", json={"remove": [codes[0]]})
    api = serve_app(create_app(Hub(settings)))
    with httpx.Client(base_url=api.url, timeout=30) as client:
        made = client.post("/api/v1/reconcile", json={"connector": "molisa", "dry_run": True})
        assert made.status_code == 201, made.text
        run_id = made.json()["runs"][0]["id"]
        assert made.json()["runs"][0]["counts"]["only_province"] == 1
        assert [r["id"] for r in client.get("/api/v1/reconcile").json()["runs"]] == [run_id]
        shown = client.get(f"/api/v1/reconcile/{run_id}").json()
        assert [f["ma_ho_so"] for f in shown["findings"]] == [codes[0]]
        for fmt in ("json", "csv", "xlsx", "html"):
            report = client.get(f"/api/v1/reconcile/{run_id}/report.{fmt}")
            assert report.status_code == 200 and report.content
        assert client.get("/api/v1/reconcile/999").status_code == 404

    env = {
        "TTHC_HUB_DATABASE_URL": db_url,
        "TTHC_HUB_CONNECTORS__MOLISA__BASE_URL": server.url,
        "TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY": "test-key",
        "TTHC_HUB_ROUTES": json.dumps([{"connector": "molisa", "ma_tthc": ["1.001776"]}]),
        "TTHC_HUB_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text("")
    saved_logging = structlog.get_config()
    try:
        runner = CliRunner()
        out = tmp_path / "r.html"
        done = runner.invoke(
            cli,
            [
                "reconcile",
                "--connector",
                "molisa",
                "--format",
                "html",
                "--out",
                str(out),
                "--repair",
                "--dry-run",
            ],
            env=env,
        )
        assert done.exit_code == 0, done.output
        assert "<svg" in out.read_text()
        listed = runner.invoke(cli, ["reconcile", "list"], env=env)
        assert listed.exit_code == 0 and f"│ {run_id} " in listed.output
        shown_cli = runner.invoke(cli, ["reconcile", "show", str(run_id)], env=env)
        assert shown_cli.exit_code == 0 and codes[0] in shown_cli.output
    finally:
        # The CLI pointed the logs at the runner's stream, closed now: put back what was.
        structlog.configure(**saved_logging)
