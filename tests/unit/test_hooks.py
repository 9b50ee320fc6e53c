"""Every hook is documented in docs/hooks.md and has a test here (datasette's habit)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from hub import hookimpl, hookspecs
from hub.errors import ConfigError
from hub.plugins import get_plugin_manager, load_connectors
from hub.settings import HubSettings

DOCS = Path(__file__).parents[2] / "docs" / "hooks.md"
HOOKS = [
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "tthc_hub_spec")
]


def test_hookspecs_found() -> None:
    assert set(HOOKS) == {"register_connectors"}


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    args = ", ".join(inspect.signature(spec).parameters)
    assert f"## {hook}({args})" in DOCS.read_text(encoding="utf-8")
    assert spec.__doc__ and len(spec.__doc__.split()) > 20


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert re.search(rf"^def test_hook_{hook}\b", source, re.M)


def test_hook_register_connectors() -> None:
    # The built-in MOLISA connector is found through the entry point, like a third party's.
    settings = HubSettings(
        connectors={"molisa": {"base_url": "http://127.0.0.1:9", "accept_key": "k"}}
    )
    connectors = load_connectors(settings)
    assert "molisa" in connectors
    assert connectors["molisa"].title
    # Not configured: not registered.
    assert "molisa" not in load_connectors(HubSettings())
    # Misconfigured: a clear error naming the setting.
    with pytest.raises(ConfigError, match="base_url"):
        load_connectors(
            HubSettings(connectors={"molisa": {"base_url": "ftp://x", "accept_key": "k"}})
        )


def test_hook_register_connectors_refuses_duplicate_names() -> None:
    class Twin:
        @hookimpl
        def register_connectors(self, settings: HubSettings) -> list[object]:
            from connectors.molisa.connector import MolisaConnector
            from connectors.molisa.settings import MolisaSettings

            return [MolisaConnector(MolisaSettings(base_url="http://127.0.0.1:9", accept_key="k"))]

    settings = HubSettings(
        connectors={"molisa": {"base_url": "http://127.0.0.1:9", "accept_key": "k"}}
    )
    pm = get_plugin_manager()
    pm.register(Twin())
    with pytest.raises(ConfigError, match="two plugins register a connector named 'molisa'"):
        load_connectors(settings, pm)
