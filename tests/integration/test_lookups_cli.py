"""``tthc-hub lookup`` as an official uses it: the installed CLI in a subprocess, with
settings naming the dkdn and vantai mocks on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from hub.testing.mock import MockConfig
from mocks.dkdn.app import create_app as dkdn_mock
from mocks.ngansach.app import create_app as ngansach_mock
from mocks.vantai.app import PASSWORD
from mocks.vantai.app import create_app as vantai_mock

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))
KEY = "cli-key"
FIRST = "000.00.22.H34-250801-0001"


@pytest.fixture
def cli(serve_app: Callable[[Any], Any], tmp_path: Path) -> Callable[..., Any]:
    dkdn = serve_app(dkdn_mock(MockConfig(accept_key=KEY)))
    vantai = serve_app(vantai_mock(MockConfig(accept_key=KEY)))
    ngansach = serve_app(ngansach_mock(MockConfig(accept_key=KEY)))
    config = tmp_path / "tthc-hub.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "hub.db"}"\n'
        '[province]\nma_don_vi = "000.00.22.H34"\nma_tinh = "51"\n'
        f'[connectors.dkdn]\nbase_url = "{dkdn.url}"\napi_key = "{KEY}"\n'
        f'[connectors.vantai]\nbase_url = "{vantai.url}"\nusername = "kontum"\n'
        f'password = "{PASSWORD}"\nma_don_vi = "000.00.22.H34"\napi_key = "{KEY}"\n'
        f'[connectors.ngansach]\nbase_url = "{ngansach.url}"\naccess_key = "{KEY}"\n',
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
        env.update(COLUMNS="250", TTHC_HUB_CONFIG=str(config))
        return subprocess.run(
            [TTHC_HUB, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    run.servers = {"dkdn": dkdn, "vantai": vantai}  # type: ignore[attr-defined]
    return run


def _requests(server: Any) -> int:
    return int(httpx.get(f"{server.url}/_mock/stats").json()["requests"])


def test_lookup_alone_lists_every_lookup(cli: Callable[..., Any]) -> None:
    result = cli("lookup")
    assert result.returncode == 0, result.stderr
    for name in (
        "chi_tiet_doanh_nghiep",
        "ho_so_xu_ly_trong_ngay",
        "danh_sach_ho_so",
        "tai_lieu_ho_so",
        "thong_ke_theo_thang",
        "Tra cứu hồ sơ",
    ):
        assert name in result.stdout
    listed = json.loads(cli("lookup", "--json").stdout)
    names = {(c["connector"], q["name"]) for c in listed["connectors"] for q in c["queries"]}
    assert len(names) == 12


@pytest.mark.parametrize(
    ("connector", "query", "params", "expect"),
    [
        ("dkdn", "chi_tiet_doanh_nghiep", ["msdn=6100234563"], "Hoàng Long"),
        ("dkdn", "chi_tiet_ho_kinh_doanh", ["mst=6101122333"], "Tạp hóa Bình An"),
        ("dkdn", "chi_tiet_hop_tac_xa", ["mst=6101345604"], "Sâm Ngọc Linh"),
        ("dkdn", "ho_so_tiep_nhan", ["tu_ngay=2025-09-01", "den_ngay=2025-09-30"],
         "DKKD-250901-001"),
        ("dkdn", "ho_so_xu_ly_trong_ngay", [], "Đã cấp đăng ký"),
        ("ngansach", "ho_so_theo_ngay", ["ngay=2025-09-16"], "7110311"),
        ("ngansach", "chi_tiet_ho_so", ["ma_ho_so=000.00.14.H34-250915-0001"], "Lê Lợi"),
        ("ngansach", "thong_ke_theo_ky", ["tu_ngay=2025-09-01", "den_ngay=2025-09-30"],
         "Dự án đầu tư"),
        ("vantai", "danh_sach_ho_so",
         ["don_vi_xu_ly=SXD-QNG", "tu_ngay=2025-08-01", "den_ngay=2025-10-31"], FIRST),
        ("vantai", "tra_cuu_ho_so", [f"ma_ho_so={FIRST}"], "Tiếp nhận hồ sơ"),
        ("vantai", "tai_lieu_ho_so", [f"ma_ho_so={FIRST}"], "don-de-nghi.pdf"),
        ("vantai", "thong_ke_theo_thang", ["nam=2025"], "Tổng cộng"),
    ],
)  # fmt: skip
def test_every_query_as_json(
    cli: Callable[..., Any], connector: str, query: str, params: list[str], expect: str
) -> None:
    args = [a for p in params for a in ("--param", p)]
    result = cli("lookup", connector, query, *args, "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["items"] and expect in result.stdout


def test_a_detail_is_one_line_per_field(cli: Callable[..., Any]) -> None:
    result = cli("lookup", "dkdn", "chi_tiet_doanh_nghiep", "-p", "msdn=6100234563")
    assert result.returncode == 0, result.stderr
    assert "Tên" in result.stdout and "Công ty TNHH Vận tải Hoàng Long Kon Tum" in result.stdout
    assert "Xã/phường" in result.stdout and "Tỉnh/thành phố" in result.stdout


def test_table_with_vietnamese_headers_and_totals(cli: Callable[..., Any]) -> None:
    result = cli("lookup", "vantai", "thong_ke_theo_thang", "--param", "nam=2025")
    assert result.returncode == 0, result.stderr
    assert "Thống kê hồ sơ theo tháng" in result.stdout
    assert "Tiếp nhận" in result.stdout and "Trễ hạn" in result.stdout
    assert "Tổng cộng" in result.stdout and "18" in result.stdout


def test_xlsx(cli: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "thong-ke.xlsx"
    result = cli("lookup", "vantai", "thong_ke_theo_thang", "-p", "nam=2025", "--xlsx", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("Tháng", "Tiếp nhận", "Đã giải quyết", "Đang giải quyết", "Trễ hạn")
    assert rows[-1][0] == "Tổng cộng" and rows[-1][1] == 18
    assert [r[0] for r in rows[1:-1]] == [8, 9, 10]


def test_a_bad_parameter_is_named_and_the_ministry_not_asked(cli: Callable[..., Any]) -> None:
    server = cli.servers["dkdn"]  # type: ignore[attr-defined]
    before = _requests(server)
    result = cli("lookup", "dkdn", "chi_tiet_doanh_nghiep", "--param", "msdn=6100234564")
    assert result.returncode == 1
    assert "msdn" in result.stderr and "chữ số kiểm tra" in result.stderr
    assert "6100234564" not in result.stderr
    assert _requests(server) == before
    missing = cli("lookup", "vantai", "tra_cuu_ho_so", "--param", "ma_ho_so")
    assert missing.returncode == 1 and "TÊN=GIÁ_TRỊ" in missing.stderr


def test_wrong_api_key(cli: Callable[..., Any], tmp_path: Path) -> None:
    env_key = {"TTHC_HUB_CONNECTORS__VANTAI__API_KEY": "sai"}
    config = tmp_path / "tthc-hub.toml"
    result = subprocess.run(
        [TTHC_HUB, "lookup", "vantai", "tra_cuu_ho_so", "-p", f"ma_ho_so={FIRST}"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")},
             "TTHC_HUB_CONFIG": str(config), **env_key},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "-302" in result.stderr and "ApiKey không đúng" in result.stderr
