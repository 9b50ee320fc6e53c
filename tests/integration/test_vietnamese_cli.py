"""``--lang vi`` output of representative commands, and the demo's failure reasons, hold
no English sentence (issue 22); the same commands under ``--lang en`` still speak
English, so the check is not passing on empty output. Run as an operator would: the
installed entry point in a subprocess, on a fresh SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hub.messages import render_stored
from tests.english import assert_vietnamese, english_words

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))

#: (arguments, a word the Vietnamese output must hold)
COMMANDS: list[tuple[list[str], str]] = [
    (["connectors", "list"], "Hệ thống"),
    (["catalog", "list", "--sector", "Tài nguyên nước"], "Danh mục thủ tục"),
    (["catalog", "show", "1.004223.000.00.00.H34"], "Chênh lệch: quy trình, bước 07"),
    (
        ["catalog", "deadline", "1.004223.000.00.00.H34", "--received", "2025-09-01 09:00"],
        "Ngày hẹn trả kết quả",
    ),
    (["catalog", "show", "9.999"], "Mã TTHC không có trong danh mục"),
    (["db", "upgrade"], "Cơ sở dữ liệu"),
    (["jobs", "list"], "Danh sách việc đồng bộ"),
    (["jobs", "tasks"], "Tác vụ"),
    (["jobs", "show", "99"], "Không có việc đồng bộ số 99"),
    (["jobs", "retry", "99"], "Không có việc đồng bộ số 99"),
    (["jobs", "skip", "--state", "dead", "--yes"], "cần lý do"),
    (["dossiers", "at-risk"], "Hồ sơ sắp đến hạn"),
    (["dossiers", "apologize", "X", "--new-date", "2025-13-01", "--reason", "r"], "Ngày giờ"),
    (["reconcile", "list"], "Đối soát"),
    (["reconcile", "show", "5"], "Không có lần đối soát số 5"),
    (["lookup"], "Tra cứu tại các Bộ, ngành"),
    (["lookup", "vantai", "nothing"], "Không có hệ thống vantai"),
    (["status"], "Tình trạng kết nối"),
    (["audit"], "Nhật ký thao tác"),
    (["keys", "new", "--name", "a", "--role", "viewer"], "chỉ hiện một lần"),
]


def run(*args: str, db: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    env = {**base, "TTHC_HUB_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    return subprocess.run(
        [TTHC_HUB, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_representative_commands_speak_vietnamese(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    for args, expected in COMMANDS:
        out = run("--lang", "vi", *args, db=db)
        text = out.stdout + out.stderr
        assert expected in text, (args, text)
        assert "Traceback" not in text, text
        assert_vietnamese(text, "tthc-hub --lang vi " + " ".join(args))


@pytest.mark.parametrize(
    "args",
    [
        ["jobs", "retry", "99"],
        ["reconcile", "show", "5"],
        ["catalog", "show", "1.004223.000.00.00.H34"],
    ],
)
def test_the_same_commands_speak_english_under_lang_en(tmp_path: Path, args: list[str]) -> None:
    out = run("--lang", "en", *args, db=tmp_path / "hub.db")
    assert english_words(out.stdout + out.stderr), out.stdout + out.stderr


def test_the_demo_gives_its_failure_reasons_in_vietnamese(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    args = ["demo", "--dossiers", "15", "--ministry-filed", "4", "--invalid", "1"]
    out = run("--lang", "vi", *args, "--keep", str(db), db=db)
    assert out.returncode == 0, out.stdout + out.stderr
    reasons = out.stdout.split("Lý do lỗi", 1)[1]
    assert "Hệ thống monre yêu cầu số điện thoại của chủ hồ sơ" in reasons
    assert "báo dữ liệu không hợp lệ: Dữ liệu không hợp lệ (lỗi giả lập)" in reasons
    assert "{" not in out.stdout, "a coded reason printed unrendered"
    assert_vietnamese(out.stdout, "tthc-hub --lang vi demo")
    # what is stored: every dead job's reason reads in Vietnamese, and in English
    with sqlite3.connect(db) as conn:
        stored = [r[0] for r in conn.execute("SELECT last_error FROM jobs WHERE state = 'dead'")]
        updates = [
            r[0]
            for r in conn.execute(
                "SELECT payload FROM province_updates WHERE kind = ?", ("sync_failed",)
            )
        ]
    assert stored and len(updates) == len(stored)
    for reason in stored:
        assert_vietnamese(render_stored(reason, "vi"), f"stored reason {reason}")
        assert english_words(render_stored(reason, "en")), reason
    with sqlite3.connect(db) as conn:
        (dead_id,) = conn.execute("SELECT min(id) FROM jobs WHERE state = 'dead'").fetchone()
    for more in (["jobs", "list", "--state", "dead"], ["jobs", "show", str(dead_id)]):
        shown = run("--lang", "vi", *more, db=db)
        assert "Thiếu dữ liệu Bộ yêu cầu" in shown.stdout or "Bộ, ngành từ chối" in shown.stdout
        assert_vietnamese(shown.stdout + shown.stderr, " ".join(more))
    for payload in updates:  # the province hears both languages and the code
        assert '"message_vi"' in payload and '"message_en"' in payload
        assert '"reason_code"' in payload
