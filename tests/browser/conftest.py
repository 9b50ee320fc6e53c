"""Browser tests of the console: Playwright for Python driving Debian's Chromium.

No browser is downloaded (``playwright install`` is never run): the tests launch
``/usr/bin/chromium`` (or ``TTHC_HUB_CHROMIUM``) by its path. When it is absent, the
session installs it with ``apt-get install -y chromium`` if it runs as root with apt;
otherwise the tests skip, saying so. Screenshots go to ``artifacts/console/`` (git-ignored).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hub.service import Hub

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "console"


def _chromium() -> str:
    path = os.environ.get("TTHC_HUB_CHROMIUM", "/usr/bin/chromium")
    if Path(path).exists():
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(
            ["apt-get", "install", "-y", "chromium"], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            done = subprocess.run(
                ["apt-get", "install", "-y", "chromium"], env=env, capture_output=True, text=True
            )
        if done.returncode == 0 and Path(path).exists():
            return path
        pytest.skip(f"apt-get install chromium failed: {done.stderr.strip()[-300:]}")
    pytest.skip(
        f"no Chromium at {path}: install Debian's (apt-get install chromium) or set "
        "TTHC_HUB_CHROMIUM to a Chromium binary; the browser tests never download one"
    )


def run_async(coroutine: Any) -> Any:
    """Run a coroutine to its end on a thread of its own: Playwright's sync API keeps an
    event loop running in the test's thread while the browser is open."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# Module scope, not session: while Playwright is open, the test thread has a running
# event loop, which other tests' asyncio.run() would refuse.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the test extra's playwright is not installed"
    )
    path = _chromium()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # root cannot use the sandbox
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=args)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(20_000)
    opened = context.new_page()
    errors: list[str] = []  # script errors and Content-Security-Policy refusals
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    # A refused POST (the viewer's forged one) logs its 403 as a resource error.
    unexpected = [e for e in errors if "status of 403" not in e]
    assert not unexpected, f"the browser reported errors: {unexpected}"


@pytest.fixture
def shot() -> Callable[[Any, str], None]:
    """``shot(page, name)``: a full-page screenshot in artifacts/console/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(page: Any, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return _shot


@pytest.fixture
def console_server(serve_app: Any) -> Iterator[Callable[[Hub], str]]:
    """``console_server(hub)``: the hub's API with its worker and task runner, served on
    loopback; returns the base URL. The hub is closed after the test."""
    from hub.api import create_app

    def _serve(hub: Hub) -> str:
        return str(serve_app(create_app(hub, run_worker=True, close_hub=True)).url).rstrip("/")

    yield _serve


def sign_in(page: Any, base: str, key: str) -> None:
    page.goto(base + "/console/jobs")
    assert "/console/signin" in page.url
    page.fill("#key", key)
    page.click("#signin")
    page.wait_for_url("**/console/jobs")
