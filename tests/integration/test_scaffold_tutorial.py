"""docs/connector-tutorial.md works: its ``sh tutorial`` blocks run, in order, in an
empty folder, against a venv that sees this interpreter's packages."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.integration.test_scaffold import REPO, make_venv

TUTORIAL = REPO / "docs" / "connector-tutorial.md"
BLOCK = re.compile(r"^```sh tutorial\n(.*?)^```", re.S | re.M)


def test_tutorial_blocks_exist() -> None:
    blocks = BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))
    assert len(blocks) >= 3, "the tutorial's commands are in ```sh tutorial blocks"
    assert "new-connector gtvt" in blocks[0]


def test_tutorial_runs(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "env")
    shims = tmp_path / "bin"
    shims.mkdir()
    for name, target in {"python": "", "pip": "-m pip", "tthc-hub": "-m hub"}.items():
        shim = shims / name
        shim.write_text(f'#!/bin/sh\nexec "{python}" {target} "$@"\n', encoding="utf-8")
        shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    script = "set -eu\n" + "\n".join(BLOCK.findall(TUTORIAL.read_text(encoding="utf-8")))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TTHC_HUB"))}
    env["PATH"] = f"{shims}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "120"  # the table's rows on one line each
    done = subprocess.run(
        ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"the tutorial failed:\n{output[-6000:]}"
    assert re.search(r"\d+ passed", output), output[-2000:]
    # `connectors list` before the settings file: known, not configured; then enabled.
    states = re.findall(r"^\W*gtvt\W.*fetch, list\W+(not configured|enabled)\W*$", output, re.M)
    assert states == ["not configured", "enabled"], output[-3000:]
    left = sorted(p.name for p in work.iterdir())
    assert left == ["tthc-gtvt", "tthc-hub.toml"], f"the tutorial left {left} behind"
