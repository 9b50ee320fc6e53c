"""``tthc-hub payment status|query|sweep|reconcile`` through the CLI, against the mock."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from typer.testing import CliRunner

from connectors.payment.samples import owing_event
from hub.cli import app as cli
from hub.service import Hub
from hub.settings import HubSettings
from hub.testing.mock import MockConfig
from mocks.payment.app import create_app

TOKEN, SECRET = "cli-token", "cli-secret"


@pytest.fixture
def config(tmp_path: Path, serve_app: Any) -> Any:
    server = serve_app(create_app(MockConfig(accept_key=TOKEN), secret=SECRET))
    path = tmp_path / "tthc-hub.toml"
    path.write_text(
        f'database_url = "sqlite:///{tmp_path / "hub.db"}"\n'
        '[[routes]]\nconnector = "payment"\nevent_types = ["dossier.status_changed"]\n'
        "[connectors.payment]\n"
        f'base_url = "{server.url}"\ntoken = "{TOKEN}"\nsecret = "{SECRET}"\n'
        'ma_doi_tac = "UBND-KONTUM"\n'
    )
    saved = structlog.get_config()
    yield path
    structlog.configure(**saved)


def _cli(*args: str, config: Path) -> Any:
    args_ = ["--lang", "en", "payment", *args, "--config", str(config)]
    return CliRunner().invoke(cli, args_, env={"COLUMNS": "200"})


def test_status_query_sweep_and_reconcile(config: Path) -> None:
    event = owing_event(21)
    hub = Hub(HubSettings(**_toml(config)))

    async def drain() -> None:
        try:
            hub.store.ingest([event], hub.router.targets)
            await hub.worker.run_until_idle(timeout=30)
        finally:
            await hub.aclose()

    asyncio.run(drain())
    status = _cli("status", event.ma_ho_so, "--json", config=config)
    assert status.exit_code == 0, status.output
    [row] = _json(status.stdout)
    assert row["state"] == "pending" and row["so_tien"] == event.snapshot.so_tien_con_no
    # Paid on the page with no callback URL set: PayGov's notice never reaches the hub.
    httpx.post(row["payment_url"], data={"ngan_hang": "BIDV", "hanh_dong": "pay"}, timeout=10)
    query = _cli("query", row["ma_tham_chieu"], "--json", config=config)
    assert query.exit_code == 0, query.output
    assert _json(query.stdout)["state"] == "paid"

    sweep = _cli("sweep", config=config)
    assert _json(sweep.stdout) == {"recorded": 0, "paid": 1, "reported": 0, "receipts": 1}
    table = _cli("status", event.ma_ho_so, config=config)
    assert "Paid" in table.output and row["ma_tham_chieu"] in table.output

    day = _json(query.stdout)["thoi_gian_thanh_toan"][:10]
    done = _cli("reconcile", "--day", day, "--format", "json", config=config)
    assert done.exit_code == 0, done.output
    outcome = _json(done.stdout)
    assert (outcome["matched"], sum(outcome["counts"].values())) == (1, 0)


def test_reconcile_refuses_a_bad_file_naming_the_row(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "giao-dich.csv"
    bad.write_text(
        "MaThamChieu,MaGiaoDich,SoTien,ThoiGianGD,MaHoSo\nHUB1,PG1,abc,20251125090000,X\n"
    )
    done = _cli("reconcile", "--day", "2025-11-25", "--file", str(bad), config=config)
    assert done.exit_code == 2
    assert "row 1" in done.output and "SoTien" in done.output


def _json(out: str) -> Any:
    """The JSON a command printed, after the log lines (structlog prints to stdout here)."""
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line[:1] in "[{")
    return json.loads("\n".join(lines[start:]))


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(path.read_text())
