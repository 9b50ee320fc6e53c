"""The command line, run as an operator would: the installed entry point in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hub.service import Hub
from hub.settings import HubSettings, RouteRule, SchedulerSettings

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    return subprocess.run(
        [TTHC_HUB, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "db", "jobs", "connectors", "mocks", "demo"):
        assert command in result.stdout
    module = subprocess.run(
        [sys.executable, "-m", "hub", "--help"], capture_output=True, text=True, check=False
    )
    assert module.returncode == 0 and "demo" in module.stdout


def test_db_upgrade_and_jobs_list(tmp_path: Path) -> None:
    env = {"TTHC_HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run("db", "upgrade", env=env).returncode == 0
    listed = run("--lang", "en", "jobs", "list", "--state", "dead", env=env)
    assert listed.returncode == 0 and "Sync jobs" in listed.stdout
    vi = run("jobs", "list", env=env)
    assert "Danh sách việc đồng bộ" in vi.stdout


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    result = run("connectors", "list", env={"TTHC_HUB_CONFIG": str(tmp_path / "missing.toml")})
    assert result.returncode == 2
    assert "missing.toml" in result.stderr and "does not exist" in result.stderr
    toml = tmp_path / "bad.toml"
    toml.write_text('[[routes]]\nconnector = "nowhere"\n', encoding="utf-8")
    result = run(
        "status",
        env={
            "TTHC_HUB_CONFIG": str(toml),
            "TTHC_HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
    )
    assert result.returncode == 2 and "routes[0] names connector 'nowhere'" in result.stderr


def test_demo_loses_nothing(tmp_path: Path) -> None:
    result = run(
        "--lang",
        "en",
        "demo",
        "--dossiers",
        "15",
        "--ministry-filed",
        "4",
        "--invalid",
        "1",
        "--keep",
        str(tmp_path / "demo.db"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    [lost_row] = [line for line in out.splitlines() if "Lost" in line]
    assert re.search(r"│\s*0\s*│\s*$", lost_row), lost_row
    [synced_row] = [line for line in out.splitlines() if "Dossiers fully synced" in line]
    # MOLISA: 15 - 1 invalid + 4 pulled; hộ tịch: 9 sent (one lacks a birth date);
    # MONRE: 6 pulled, 2 without a phone number, 1 refused as invalid data; DVCQG: the
    # dossier filed on the national portal (every other one goes there too); Bộ Xây dựng:
    # 2 permit and 1 planning dossiers (a third permit lacks số tầng); VNPost: 6 dossiers
    # collected and answered by post; PayGov: the 8 dossiers whose fees were asked.
    assert re.search(r"│\s*48\s*│\s*$", synced_row), synced_row
    [permits] = [line for line in out.splitlines() if "Permits whose file hash matches" in line]
    assert re.search(r"│\s*2\s*│\s*$", permits), permits
    [certs] = [line for line in out.splitlines() if "Certificates matching their hash" in line]
    assert re.search(r"│\s*8\s*│\s*$", certs), certs
    assert "extra.ho_tich.nguoi_duoc_khai_sinh.ngay_sinh" in out
    assert "Interlinked dossiers pulled" in out
    [stored] = [line for line in out.splitlines() if "saved to the citizen's store" in line]
    assert re.search(r"│\s*3\s*│\s*$", stored), stored
    assert "monre requires the owner's phone number (field:" in out
    assert "chu_ho_so.so_dien_thoai" in out and "monre found invalid data" in out
    assert "chu_ho_so.ngay_sinh" in out
    assert (tmp_path / "demo.db").exists()


@pytest.mark.slow
def test_mocks_serve_prints_urls_and_stops() -> None:
    proc = subprocess.Popen(
        [TTHC_HUB, "mocks", "serve", "--base-port", "0", "--seed", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            # MOLISA's mock makes --seed N ministry-filed dossiers; look-up mocks carry
            # their own seeded records whatever --seed says.
            if "http://127.0.0.1:" in line and "molisa" in line:
                url = line.split("http://")[1].split()[0].rstrip("│ ")
        assert url, "no URL printed"
        stats = httpx.get(f"http://{url}/_mock/stats", timeout=5).json()
        assert stats["records"] == 2
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode == 0


def test_scheduler_pulls_on_its_interval(tmp_path: Path, serve_app) -> None:  # type: ignore[no-untyped-def]
    from hub.api import create_app
    from mocks.molisa.app import create_app as create_mock

    mock = serve_app(create_mock())
    httpx.post(f"{mock.url}/_mock/seed", json={"count": 3, "seed": 9}, timeout=10)
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'sched.db'}",
        scheduler=SchedulerSettings(pull_interval_seconds=0.5),
        routes=[RouteRule(connector="molisa", ma_tthc=["1.001776", "1.001731"])],
        connectors={"molisa": {"base_url": mock.url, "accept_key": "test-key"}},
    )
    hub = Hub(settings)
    api = serve_app(create_app(hub, run_worker=True, run_scheduler=True))
    deadline = time.monotonic() + 20
    items: list[object] = []
    while time.monotonic() < deadline and len(items) < 3:
        items = httpx.get(f"{api.url}/api/v1/inbox", timeout=5).json()["items"]
        time.sleep(0.1)
    assert len(items) == 3
    # Filed later at the ministry: the next run picks it up.
    httpx.post(f"{mock.url}/_mock/seed", json={"count": 1, "seed": 10}, timeout=10)
    while time.monotonic() < deadline and len(items) < 4:
        items = httpx.get(f"{api.url}/api/v1/inbox", timeout=5).json()["items"]
        time.sleep(0.1)
    assert len(items) == 4
