"""`tthc-hub --help` loads every command (plugins' too) but none of what only running
one needs: the target is 0.3 s (issue #21), and a plugin's command module importing its
mapping, or the scaffold's Jinja2 generator, once took it to 0.9 s."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("jinja2", "rich", "zeep", "connectors.bcci.mapping", "hub.scaffold.generator")

PROBE = """
import json, sys
from hub.cli import main
sys.argv = ["tthc-hub", "--help"]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_help_imports_no_command_body() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "hub.scaffold.command" in loaded  # the probe did load the commands
    assert not [m for m in HEAVY if m in loaded], sorted(m for m in HEAVY if m in loaded)
