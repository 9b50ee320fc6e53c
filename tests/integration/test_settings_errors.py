"""A database the hub cannot use stops every command with one line on stderr and exit 2,
never a traceback, and nothing is created on the way: a SQLite file in a folder that does
not exist or under a regular file, a file that cannot be opened, a PostgreSQL server
that does not answer, an unsupported scheme; and ``serve``/``worker`` refuse a database
they can read but not write (``?mode=ro``) before answering anything."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from hub.errors import ConfigError
from hub.service import Hub
from hub.settings import HubSettings
from hub.store.engine import check_writable, make_engine, schema_is_current

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))

#: Every command that opens the database (serve and worker also write to it).
COMMANDS = [
    ("serve", "--port", "0", "--no-scheduler"),
    ("worker",),
    ("db", "upgrade"),
    ("jobs", "list"),
    ("status",),
]


def run(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    return subprocess.run(
        [TTHC_HUB, *args],
        env={**base, "TTHC_HUB_DATABASE_URL": url},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,  # a command that starts serving instead of refusing fails here
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def _missing(tmp: Path) -> tuple[str, list[str]]:
    return f"sqlite:///{tmp / 'missing' / 'dir' / 'x.db'}", ["missing", "does not exist"]


def _under_a_file(tmp: Path) -> tuple[str, list[str]]:
    # Fails for root too: no permission lets a file hold a folder.
    (tmp / "plain").write_text("not a folder")
    return f"sqlite:///{tmp / 'plain' / 'sub' / 'x.db'}", ["plain", "is a file, not a folder"]


def _unopenable(tmp: Path) -> tuple[str, list[str]]:
    # /proc takes no new files, whoever asks (root included).
    return "sqlite:////proc/tthc-hub-test.db", ["/proc"]


def _unreachable(tmp: Path) -> tuple[str, list[str]]:
    return "postgresql://hub:secret@127.0.0.1:1/test", ["PostgreSQL at 127.0.0.1:1", "refused"]


def _mysql(tmp: Path) -> tuple[str, list[str]]:
    return "mysql://hub@127.0.0.1/hub", ["'mysql' is not supported", "sqlite:///", "postgresql://"]


CASES: dict[str, Callable[[Path], tuple[str, list[str]]]] = {
    "missing-folder": _missing,
    "folder-is-a-file": _under_a_file,
    "unopenable": _unopenable,
    "unreachable-postgresql": _unreachable,
    "mysql": _mysql,
}


#: Every case with every command; each case once (each command at least once) in the fast set.
MATRIX = [
    pytest.param(
        case,
        command,
        id=f"{case}-{'-'.join(command[:2])}",
        marks=() if (i - j) % len(COMMANDS) == 0 else pytest.mark.slow,
    )
    for i, case in enumerate(sorted(CASES))
    for j, command in enumerate(COMMANDS)
]


@pytest.mark.parametrize(("case", "command"), MATRIX)
def test_a_database_the_hub_cannot_use_is_one_line(tmp_path, case, command) -> None:  # type: ignore[no-untyped-def]
    url, words = CASES[case](tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run(*command, url=url, cwd=tmp_path)
    assert_one_line(result, *words)
    assert "secret" not in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no folder, no file
    assert not Path("/proc/tthc-hub-test.db").exists()


def test_demo_keep_in_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "demo.db"
    result = run("demo", "--keep", str(target), url="sqlite:///unused.db", cwd=tmp_path)
    assert_one_line(result, "does not exist")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("worker",)], ids=lambda c: c[0])
def test_serve_and_worker_refuse_a_read_only_database(tmp_path, command) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "hub.db"
    Hub(HubSettings(database_url=f"sqlite:///{db}"), connectors={}).engine.dispose()
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = run(*command, url=read_only, cwd=tmp_path)
    assert_one_line(result, str(db), "cannot be written", "readonly")
    # Reading is still allowed: a read-only copy serves `jobs list`.
    listed = run("jobs", "list", url=read_only, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr


def _read_only(url: str) -> str:
    """The same database, opened read-only: SQLite ``mode=ro``, PostgreSQL with every
    transaction read-only (as on a replica or for a read-only role)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    options = f"{parsed.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_the_write_probe_on_both_databases(build_hub, db_url) -> None:  # type: ignore[no-untyped-def]
    hub = build_hub(db_url, connectors={})
    check_writable(hub.engine)  # writable: passes, and changes nothing
    assert schema_is_current(hub.engine)
    engine = make_engine(_read_only(db_url))
    try:
        assert schema_is_current(engine)  # it can be read
        with pytest.raises(ConfigError, match="cannot be written") as refused:
            check_writable(engine)
        assert "\n" not in str(refused.value)
    finally:
        engine.dispose()
