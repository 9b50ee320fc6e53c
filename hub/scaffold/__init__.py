"""``tthc-hub new-connector``: generate a standalone, installable connector package.

The package is rendered from the Jinja2 templates under ``hub/scaffold/templates/``
for one of three styles (``rest-key``, ``rest-session``, ``soap``), the chosen
capabilities and, for ``rest-key``, an auth (``key``, ``bearer``, ``oauth2``). It
installs with ``pip install -e`` and passes the conformance suite at once; the places
where the ministry's own fields go are marked ``TODO``. ``--builtin`` writes the same
modules into the hub's repository instead (connectors/NAME, mocks/NAME,
tests/connectors) and registers them (hub/scaffold/builtin.py).
See docs/connector-tutorial.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.scaffold.generator import (
        AUTHS,
        CAPABILITIES,
        STYLES,
        ScaffoldError,
        generate,
        parse_caps,
    )

__all__ = ["AUTHS", "CAPABILITIES", "STYLES", "ScaffoldError", "generate", "parse_caps"]


def __getattr__(name: str) -> object:
    """The generator (Jinja2) loads on first use: ``tthc-hub --help`` imports this package
    for the command's options only."""
    if name in __all__:
        from hub.scaffold import generator

        return getattr(generator, name)
    raise AttributeError(f"module 'hub.scaffold' has no attribute {name!r}")
