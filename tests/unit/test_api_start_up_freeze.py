"""The API's first start-up freezes what create_app built (issue #21): the hub's worker
froze the process's objects before the app existed, and the routes, schemas and route
modules the app brought were left for every full collection to walk. Checked in a
fresh process (the freeze is once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import asyncio, gc, json, sys
from hub.api import create_app
from hub.service import Hub
from hub.settings import HubSettings

hub = Hub(HubSettings(database_url=sys.argv[1]))
app = create_app(hub)
inner = app.app  # BodyLimit around the FastAPI app
gc.collect()
before = len(gc.get_objects())

threshold = gc.get_threshold()[0]

async def start() -> tuple[int, int]:
    async with inner.router.lifespan_context(inner):
        return len(gc.get_objects()), gc.get_threshold()[0]

after, started = asyncio.run(start())
print(json.dumps({"before": before, "after": after, "threshold": [threshold, started]}))
"""


def test_the_first_start_up_freezes_the_apps_objects(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    (tmp_path / "empty.toml").touch()  # no tthc-hub.toml lying around is read
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_HUB_")}
    env["TTHC_HUB_CONFIG"] = str(tmp_path / "empty.toml")
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, url],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    # Tens of thousands of collectable objects before; a few hundred left after.
    assert counts["before"] > 10_000
    assert counts["after"] < counts["before"] / 10
    # A batch's few thousand live objects no longer start young collections each request.
    assert counts["threshold"] == [700, 10_000]
