"""Who may import what, read from the source with ast (every import, also inside functions
and ``if TYPE_CHECKING:`` blocks):

- a connector (``connectors/``) imports from the hub only ``hub.sdk``;
- a mock (``mocks/``) imports from the hub only ``hub.sdk``, the mock kit ``hub.testing.mock``
  and the sample data ``hub.testing.samples*``; nothing private (a ``_name`` module) anywhere;
- the hub (``hub/``) never imports a connector or a mock by name: they are plugins, found
  through entry points, so a third-party package is found the same way.

The built-in connectors and mocks are what a new author copies, so they keep the rules
a package outside this repository has to keep.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Files that still break a rule, each with the change that removes it. An entry here
#: exempts exactly that (file, module) pair; anything new in the same file still fails.
#: Delete an entry when its change lands.
PENDING: dict[tuple[str, str], str] = {
    # The lienthong search reads the hub's tables; it is being rewritten to go through the
    # store (issue #13), after which it needs no private hub module.
}

MOCK_MAY_IMPORT = ("hub.sdk", "hub.testing.mock")


def imports(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in ``source``, a module of ``package``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's own package
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from hub.testing import mock` imports a module: check the name too
            if module not in ("hub", "hub.testing"):
                yield node.lineno, module
            if module in ("hub", "hub.testing") or _top(module) in ("connectors", "mocks"):
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"


def _top(module: str) -> str:
    return module.split(".")[0]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split("."))


def connector_violation(module: str, own: str) -> str | None:
    if _top(module) == "hub" and module != "hub.sdk":
        return "a connector imports the hub from hub.sdk only"
    if _top(module) == "mocks":
        return "a connector does not import a mock"
    if _top(module) == "connectors" and not _within(module, own):
        return "a connector does not import another connector"
    if _private(module) and _within(module, own):
        return None  # its own private modules are its business
    if _private(module) and _top(module) in ("hub", "connectors"):
        return "a private module"
    return None


def mock_violation(module: str, own: str) -> str | None:
    if _within(module, own):
        return None  # its own modules (state, soap, ...)
    if _private(module) and _top(module) in ("hub", "mocks", "connectors"):
        return "a mock imports no private module"
    if _top(module) == "hub":
        if module in MOCK_MAY_IMPORT or module.startswith("hub.testing.samples"):
            return None
        return "a mock imports from the hub only hub.sdk, hub.testing.mock, hub.testing.samples*"
    if _top(module) == "mocks":
        return "a mock does not import another mock"
    if _top(module) == "connectors" and module.count(".") > 1:
        return "a mock may import its connector's package (to find contract/), nothing inside"
    return None


def hub_violation(module: str, own: str) -> str | None:
    if _top(module) in ("connectors", "mocks"):
        return "the hub finds connectors and mocks through entry points, never by name"
    return None


RULES = {"connectors": connector_violation, "mocks": mock_violation, "hub": hub_violation}


def _package_of(path: Path) -> tuple[str, str]:
    """The package a module's relative imports start from, and what it owns."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = ".".join(rel.parts[:-1])
    # a connector or mock "owns" everything under connectors/NAME or mocks/NAME
    top = rel.parts[:2] if rel.parts[0] in ("connectors", "mocks") else rel.parts[:1]
    return package, ".".join(top)


def violations(root: str) -> list[str]:
    rule = RULES[root]
    found = []
    for path in sorted((ROOT / root).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        package, own = _package_of(path)
        for line, module in imports(path.read_text(encoding="utf-8"), package):
            why = rule(module, own)
            if why and not any(f == rel and _within(module, m) for f, m in PENDING):
                found.append(f"{rel}:{line}: imports {module}: {why}")
    return found


@pytest.mark.parametrize("root", sorted(RULES))
def test_import_rules(root: str) -> None:
    assert violations(root) == []


# --- the rules themselves catch what they are meant to ---------------------------------


def _check(root: str, source: str, own: str, package: str | None = None) -> list[str]:
    return [
        f"{module}: {why}"
        for _, module in imports(source, package or own)
        if (why := RULES[root](module, own))
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from hub.errors import TransientError",
        "import hub.models",
        "from hub import hookimpl",
        "from hub.store.tables import inbox",
        "def f():\n    from hub.connector import Capability",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hub.settings import X",
        "from mocks.vantai.app import create_app",
        "from connectors.molisa.mapping import to_record",
    ],
)
def test_a_connector_importing_the_hub_outside_the_sdk_breaks_the_rule(source: str) -> None:
    assert _check("connectors", source, "connectors.vantai")


def test_a_connector_may_import_the_sdk_and_itself() -> None:
    source = "from hub.sdk import Capability\nfrom .client import X\nimport connectors.vantai._x"
    assert _check("connectors", source, "connectors.vantai") == []


@pytest.mark.parametrize(
    "source",
    [
        "from mocks._common.admin import MockConfig",
        "from hub.testing.mock.admin import MockConfig",
        "from hub.testing.mock._util import x",
        "from hub.testing import conformance",
        "from hub.models import Status",
        "from hub.errors import ContractError",
        "from mocks.molisa.state import MolisaState",
        "from connectors.vantai.mapping import to_record",
    ],
)
def test_a_mock_importing_outside_the_kit_breaks_the_rule(source: str) -> None:
    assert _check("mocks", source, "mocks.vantai")


def test_a_mock_may_import_the_kit_samples_sdk_and_itself() -> None:
    source = (
        "from hub.testing.mock import MockConfig, MockState\n"
        "from hub.testing import mock\n"
        "from hub.testing.samples import sample_party\n"
        "from hub.testing.samples_hotich import sample_ho_tich_extra\n"
        "from hub.sdk import Status\n"
        "import connectors.vantai\n"
        "from .state import VantaiState\n"
    )
    assert _check("mocks", source, "mocks.vantai", "mocks.vantai") == []


@pytest.mark.parametrize(
    "source",
    [
        "from mocks.registry import mock_factories",
        "def demo():\n    from mocks.molisa.app import create_app",
        "import connectors.molisa",
        "from connectors.lienthong.search import search",
        "from connectors import molisa",
    ],
)
def test_the_hub_importing_a_connector_or_mock_breaks_the_rule(source: str) -> None:
    assert _check("hub", source, "hub")


def test_relative_imports_resolve_to_the_package() -> None:
    found = [
        m for _, m in imports("from .client import X\nfrom .. import y\n", "connectors.vantai")
    ]
    assert "connectors.vantai.client" in found and "connectors.y" in found
