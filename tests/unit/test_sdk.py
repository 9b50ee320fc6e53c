"""hub.sdk: ``__all__`` is exactly what the module exports (the way httpx tests its
``__all__``), every name resolves, and the lazy table agrees with the typed imports."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import hub.sdk as sdk

SDK_FILE = Path(sdk.__file__)


def _public(names: object) -> set[str]:
    # "@py_builtins" and such: pytest rewrites the assertions of the whole hub
    # distribution (hub.testing.plugin is a pytest11 entry point).
    return {n for n in names if not n.startswith(("_", "@"))}  # type: ignore[attr-defined]


def test_all_is_exactly_the_public_exports() -> None:
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name
    # every name asked for above is now a plain global: nothing public beyond __all__
    assert _public(vars(sdk)) == set(sdk.__all__)
    assert _public(dir(sdk)) == set(sdk.__all__)
    assert len(sdk.__all__) == len(set(sdk.__all__)), "a name repeated in __all__"


def test_each_name_is_the_hub_object_it_names() -> None:
    for name in sdk.__all__:
        if name == "hookimpl":
            continue
        module = importlib.import_module(sdk._MODULE_OF[name])
        assert getattr(sdk, name) is getattr(module, name), name


def test_typed_imports_match_the_lazy_table() -> None:
    # mypy and editors see the TYPE_CHECKING imports; the run time uses _SOURCES.
    tree = ast.parse(SDK_FILE.read_text(encoding="utf-8"))
    typed: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module
                typed.setdefault(stmt.module, set()).update(a.name for a in stmt.names)
    assert typed == {m: set(names) for m, names in sdk._SOURCES.items()}
    assert set(sdk._MODULE_OF) | {"hookimpl"} == set(sdk.__all__)


def test_unknown_name_is_a_clear_attribute_error() -> None:
    try:
        sdk.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "hub.sdk" in str(exc) and "NoSuchThing" in str(exc)
    else:
        raise AssertionError("hub.sdk.NoSuchThing resolved")


def test_importing_hookimpl_loads_no_heavy_library() -> None:
    # A plugin module imports hub.sdk at its top; `tthc-hub --help` must not pay for it.
    code = (
        "import sys; from hub.sdk import hookimpl; "
        "print(','.join(m for m in ('httpx', 'pydantic', 'fastapi', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
