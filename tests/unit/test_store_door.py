"""The store is the one door to the database: no module outside ``hub/store/`` opens a
connection (``engine.connect``, ``engine.begin``) or imports the tables."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hub", "connectors", "mocks")


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hub.store.tables"):
            found.append(f"{path}:{node.lineno} imports hub.store.tables")
        elif isinstance(node, ast.ImportFrom) and node.module == "hub.store":
            if any(alias.name == "tables" for alias in node.names):
                found.append(f"{path}:{node.lineno} imports hub.store.tables")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hub.store.tables"):
                    found.append(f"{path}:{node.lineno} imports hub.store.tables")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("connect", "begin")
            and isinstance(node.value, ast.Attribute | ast.Name)
            and (node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id)
            == "engine"
        ):
            found.append(f"{path}:{node.lineno} uses engine.{node.attr}")
    return found


def modules() -> list[Path]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if (ROOT / "hub" / "store") not in path.parents:
                out.append(path)
    return out


def test_no_module_outside_the_store_opens_a_connection_or_imports_the_tables() -> None:
    assert len(modules()) > 50  # the walk found the code
    found = [line for path in modules() for line in offences(path)]
    assert found == [], "\n".join(found)


def test_the_check_catches_each_way_in(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from hub.store.tables import jobs\n"
        "import hub.store.tables\n"
        "from hub.store import tables\n"
        "with hub.engine.connect() as c: pass\n"
        "with engine.begin() as c: pass\n"
    )
    assert len(offences(bad)) == 5
