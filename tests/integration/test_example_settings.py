"""tthc-hub.example.toml stays true to the installed connectors: every section it shows
is one a plugin provides, and once the secrets it says to set are in the environment,
every connector it configures is enabled."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.integration.test_cli_connectors import run

EXAMPLE = Path(__file__).resolve().parents[2] / "tthc-hub.example.toml"
SECRET = re.compile(r"set it with the environment variable (TTHC_HUB_CONNECTORS__\w+)")


def _states(tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    result = run(
        "--lang", "en", "connectors", "list", "--json", "--config", str(EXAMPLE),
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr  # 2 would be an unknown section
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_the_example_settings_need_only_their_secrets(tmp_path: Path) -> None:
    states = _states(tmp_path)
    configured = {n for n, row in states.items() if row["state"] != "not_configured"}
    assert configured, "the example configures no connector"
    secrets: dict[str, str] = {}
    for name, row in states.items():
        if row["state"] == "misconfigured":
            found = SECRET.findall(row.get("reason", ""))
            assert found, f"{name} is misconfigured for another reason: {row.get('reason')}"
            secrets.update({variable: "example-secret" for variable in found})
    states = _states(tmp_path, env=secrets)
    assert {n for n, row in states.items() if row["state"] == "enabled"} == configured
    assert list(tmp_path.iterdir()) == []  # listing reads settings only
