"""The catalog as an official uses it: the installed CLI in a subprocess, the API on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [TTHC_HUB, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_list_with_accent_insensitive_search() -> None:
    result = run("catalog", "list", "--search", "khoang san")
    assert result.returncode == 0, result.stderr
    assert "1.004446.000.00.00.H34" in result.stdout and "Danh mục thủ tục" in result.stdout
    assert "1.011516" not in result.stdout
    by_sector = run("--lang", "en", "catalog", "list", "--sector", "Tai nguyen nuoc")
    assert "Procedure catalog (14)" in by_sector.stdout


def test_show_has_the_steps_total_and_mismatch() -> None:
    vi = run("catalog", "show", "1.000824")
    assert vi.returncode == 0, vi.stderr
    assert "Bước" in vi.stdout and "16 / 16" in vi.stdout and "07.6" in vi.stdout
    assert "Chênh lệch" in vi.stdout and "bước 07: các bước con cộng lại 6.5" in vi.stdout
    en = run("--lang", "en", "catalog", "show", "1.000824.000.00.00.H34")
    assert "Responsible" in en.stdout and "Mismatch" in en.stdout
    assert "step 07: sub-steps add up to 6.5" in en.stdout


def test_deadline_json_and_table() -> None:
    result = run(
        "catalog", "deadline", "1.004227", "--received", "2026-02-13 16:00",
        "--variant", "16.1.1", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    # 10 working days from Friday 16:00 before Tết: 1 h that day, then from Monday 23/02
    assert plan["ngay_hen_tra"] == "2026-03-06T16:00:00+07:00"
    assert plan["buoc"][-1]["han"] == plan["ngay_hen_tra"]
    table = run("catalog", "deadline", "1.011516", "--received", "2025-09-16 08:00")
    assert "Ngày hẹn trả kết quả: 08:00 30/09/2025" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # an unknown code
        (("catalog", "show", "9.999999"), "9.999999"),
        (("catalog", "deadline", "9.999999", "--received", "2025-09-16 08:00"), "9.999999"),
        # an impossible date
        (("catalog", "deadline", "1.011516", "--received", "2025-02-30 08:00"), "2025-02-30"),
        # several processes and none chosen
        (("catalog", "deadline", "1.004227", "--received", "2025-09-16 08:00"), "16.1.1"),
    ],
    ids=["show-unknown", "deadline-unknown", "bad-date", "variant-needed"],
)
def test_bad_input_is_exit_2_without_traceback(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def client(build_hub, hub_api):  # type: ignore[no-untyped-def]
    return hub_api(build_hub(connectors={}))


def test_api_catalog(client: httpx.Client) -> None:
    items = client.get("/api/v1/catalog", params={"sector": "Khoáng sản"}).json()["items"]
    assert [i["ma_tthc"] for i in items] == ["1.004446.000.00.00.H34"]
    assert items[0]["bien_the"] == ["15.1", "15.2", "15.3"]
    one = client.get("/api/v1/catalog/1.004446").json()
    assert one["quy_trinh"][1]["tong_ngay_cac_buoc"] == 40
    assert one["chenh_lech"][0]["buoc"] == "7" and one["chenh_lech"][0]["chenh_lech"] == -1
    assert client.get("/api/v1/catalog/9.999999").status_code == 404


def test_api_deadline(client: httpx.Client) -> None:
    url = "/api/v1/catalog/1.004446/deadline"
    plan = client.get(url, params={"received": "2026-02-13T10:00", "variant": "15.2"}).json()
    assert plan["bat_dau_tinh"] == "2026-02-13T10:00:00+07:00"
    assert plan["so_ngay_lam_viec"] == 40 and plan["buoc"][-1]["han"] == plan["ngay_hen_tra"]
    bad = client.get(url, params={"received": "yesterday", "variant": "15.2"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == "query.received"
    none = client.get(url, params={"received": "2026-02-13T10:00"})
    assert none.status_code == 422 and "15.1" in none.json()["errors"][0]["message_en"]
