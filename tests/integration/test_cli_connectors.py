"""``connectors list``, ``mocks serve --only``, and HubErrors as one line: the installed
entry point run in a subprocess, as an operator runs it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.plugins import describe_connectors

TTHC_HUB = str(Path(sys.executable).with_name("tthc-hub"))


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    return subprocess.run(
        [TTHC_HUB, *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_connectors_list_with_no_settings_lists_every_connector_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    result = run("--lang", "en", "connectors", "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = sorted(describe_connectors())  # every installed connector, built-in or not
    assert {"hotich", "lienthong", "molisa", "monre"} <= set(names)
    for name in names:
        assert name in result.stdout
    assert result.stdout.count("not configured") == len(names)
    assert "add a [connectors.<name>] section" in result.stdout
    assert list(tmp_path.iterdir()) == []  # no tthc-hub.db, nothing


def test_connectors_list_shows_each_state_and_names_the_secret_variable(tmp_path: Path) -> None:
    (tmp_path / "tthc-hub.toml").write_text(
        '[province]\nma_don_vi = "000.00.22.H34"\nma_tinh = "51"\n\n'
        '[connectors.molisa]\nbase_url = "http://127.0.0.1:9"\n\n'
        "[connectors.hotich]\nenabled = false\n",
        encoding="utf-8",
    )
    env = {"TTHC_HUB_CONNECTORS__MONRE__BASE_URL": "http://127.0.0.1:9"}
    result = run("connectors", "list", "--json", cwd=tmp_path, env=env)
    assert result.returncode == 1  # a connector is misconfigured
    states = {c["name"]: c for c in json.loads(result.stdout)}
    assert states["hotich"]["state"] == "disabled"
    assert states["lienthong"]["state"] == "not_configured"
    assert states["molisa"]["state"] == "misconfigured"
    assert "TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY" in states["molisa"]["reason"]
    assert states["monre"]["state"] == "misconfigured"
    assert "TTHC_HUB_CONNECTORS__MONRE__ACCESS_KEY" in states["monre"]["reason"]
    assert states["molisa"]["capabilities"] == ["fetch", "list", "pull", "push"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tthc-hub.toml"]
    # The variable named really sets the secret.
    env["TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY"] = "k"
    env["TTHC_HUB_CONNECTORS__MONRE__ACCESS_KEY"] = "k"
    result = run("--lang", "en", "connectors", "list", cwd=tmp_path, env=env)
    assert result.returncode == 0 and result.stdout.count("enabled") == 2, result.stdout


def test_a_misspelt_section_names_the_nearest_connector(tmp_path: Path) -> None:
    (tmp_path / "tthc-hub.toml").write_text(
        '[connectors.molisaa]\nbase_url = "http://127.0.0.1:9"\n', encoding="utf-8"
    )
    for command in (["connectors", "list"], ["status"]):
        result = run("--lang", "en", *command, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            "configuration error: the settings section [connectors.molisaa] matches no "
            "installed connector; did you mean [connectors.molisa]? installed: "
            + ", ".join(sorted(describe_connectors()))
        ]
        # Refused before the hub opens its database: no file is left behind.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["tthc-hub.toml"]


def test_a_connector_error_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    # Reconcile against a ministry that is down (nothing listens on the port).
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "TTHC_HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "TTHC_HUB_CONNECTORS__MOLISA__BASE_URL": f"http://127.0.0.1:{port}",
        "TTHC_HUB_CONNECTORS__MOLISA__ACCEPT_KEY": "k",
    }
    args = ["reconcile", "--connector", "molisa", "--from", "2026-01-01", "--to", "2026-01-02"]
    result = run("--lang", "en", *args, "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]  # a progress bar's end
    assert lines == ["error: [molisa] connection: cannot connect to molisa"]
    assert "Traceback" not in result.stdout + result.stderr
    vi = run(*args, "--format", "json", cwd=tmp_path, env=env)
    assert vi.returncode == 1 and "Lỗi: [molisa] Không kết nối được" in vi.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_mocks_serve_only_lands_on_the_base_port(tmp_path: Path) -> None:
    port = _free_port()
    # monre is the last of the four bundled mocks: it used to land on port + 3.
    proc = subprocess.Popen(
        [TTHC_HUB, "mocks", "serve", "--only", "monre", "--base-port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wsdl = None
        deadline = time.monotonic() + 60
        while wsdl is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                wsdl = httpx.get(f"http://127.0.0.1:{port}/DichVuThietYeu.asmx?wsdl", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert wsdl is not None, "nothing on the base port"
        assert wsdl.status_code == 200 and "definitions" in wsdl.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == 0


def test_mocks_serve_refuses_an_unknown_name(tmp_path: Path) -> None:
    result = run("--lang", "en", "mocks", "serve", "--only", "molisaa", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such mock: molisaa (molisa?)" in result.stderr
