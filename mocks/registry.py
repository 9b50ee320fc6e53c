"""The mock servers installed: the ``tthc_hub.mocks`` entry-point group, name -> create_app.

A third-party connector package registers its mock the same way, so
``tthc-hub mocks serve`` serves it beside the bundled ones.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

__all__ = ["MOCKS_GROUP", "mock_factories"]

MOCKS_GROUP = "tthc_hub.mocks"


def mock_factories() -> dict[str, Callable[..., Any]]:
    return {ep.name: ep.load() for ep in entry_points(group=MOCKS_GROUP)}
