"""``new-connector --builtin``: the layout of a connector bundled in the hub's repository.

What is written, for ``NAME``, under the repository root (``--out``, default ``.``)::

    connectors/NAME/__init__.py             the plugin module (describe_connectors,
                                            register_connectors)
    connectors/NAME/settings.py, client.py, mapping.py, messages.py, connector.py
    connectors/NAME/contract/               openapi.yaml (REST) or NAME.wsdl + NAME.xsd
    mocks/NAME/__init__.py, app.py, state.py
    tests/connectors/test_NAME_conformance.py

and the two registrations, added to the files when that is safe (:func:`register`)::

    pyproject.toml      [project.entry-points."tthc_hub"]  NAME = "connectors.NAME"
    mocks/registry.py   BUNDLED                            "NAME": "mocks.NAME.app",

Each edit is checked by parsing the result (tomllib, ast): it adds exactly that one
entry and changes nothing else, or the file is left alone and the command prints the
line to add by hand.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Registration",
    "check_root",
    "first_party_imports",
    "register",
    "registrations",
]

PYPROJECT = "pyproject.toml"
REGISTRY = "mocks/registry.py"
_SECTION = re.compile(r'^\[project\.entry-points\.(?:"tthc_hub"|tthc_hub)\]\s*$')
#: The repository's own packages: first-party for the import sorting (ruff's isort).
FIRST_PARTY = ("hub", "connectors", "mocks")


@dataclass(frozen=True)
class Registration:
    """One line the connector needs in a file of the repository."""

    file: str  #: relative to the repository root
    where: str  #: the table or dict it goes in
    line: str


def registrations(name: str) -> list[Registration]:
    return [
        Registration(
            PYPROJECT, '[project.entry-points."tthc_hub"]', f'{name} = "connectors.{name}"'
        ),
        Registration(REGISTRY, "BUNDLED", f'"{name}": "mocks.{name}.app",'),
    ]


def _entry_points(text: str) -> dict[str, Any]:
    project = tomllib.loads(text).get("project", {})
    return dict(project.get("entry-points", {}).get("tthc_hub", {}))


def _bundled(text: str) -> tuple[ast.Dict | None, dict[str, str]]:
    for node in ast.parse(text).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "BUNDLED":
            value = getattr(node, "value", None)
            if isinstance(value, ast.Dict):
                return value, dict(ast.literal_eval(value))
    return None, {}


def check_root(root: Path, name: str) -> None:
    """The hub's repository, without a connector, mock or test of that name.

    :raises ScaffoldError: saying what is missing or already there.
    """
    from hub.scaffold.generator import ScaffoldError

    needed = [PYPROJECT, "connectors/__init__.py", REGISTRY, "tests/connectors"]
    missing = [p for p in needed if not (root / p).exists()]
    if missing:
        raise ScaffoldError(
            f"--builtin writes into the hub's repository, but {root} has no {missing[0]}: "
            "run it at the repository root or give it with --out"
        )
    taken = [
        p
        for p in (
            f"connectors/{name}",
            f"mocks/{name}",
            f"tests/connectors/test_{name}_conformance.py",
        )
        if (root / p).exists()
    ]
    if taken:
        raise ScaffoldError(f"{root / taken[0]} exists: refusing to overwrite it")
    try:
        known = _entry_points((root / PYPROJECT).read_text(encoding="utf-8"))
        _, bundled = _bundled((root / REGISTRY).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, SyntaxError, ValueError) as exc:
        raise ScaffoldError(f"cannot read the repository's registrations: {exc}") from None
    if name in known or name in bundled:
        raise ScaffoldError(f"{name!r} is already registered in {PYPROJECT} or {REGISTRY}")


def register(root: Path, name: str) -> list[tuple[Registration, bool]]:
    """Add the connector's entry point and its mock; each registration with whether it
    was added (False: the file did not have the expected shape; add the line by hand)."""
    entry, mock = registrations(name)
    return [
        (entry, _edit(root / entry.file, lambda t: _add_entry_point(t, name))),
        (mock, _edit(root / mock.file, lambda t: _add_mock(t, name))),
    ]


def _edit(path: Path, change: Any) -> bool:
    text = path.read_text(encoding="utf-8")
    try:
        new = change(text)
    except (tomllib.TOMLDecodeError, SyntaxError, ValueError):
        new = None
    if new is None:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def _add_entry_point(text: str, name: str) -> str | None:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    entries = [i for i in range(start + 1, end) if re.match(r"^[\w.-]+\s*=", lines[i])]
    # before the bundled mocks' module (kept last, as in the hub's pyproject), else at the end
    mocks_at = [i for i in entries if lines[i].split("=")[0].strip() == "mocks"]
    at = mocks_at[0] if mocks_at else (entries[-1] + 1 if entries else start + 1)
    lines.insert(at, f'{name} = "connectors.{name}"\n')
    new = "".join(lines)
    before, after = tomllib.loads(text), tomllib.loads(new)
    expected = {**_entry_points(text), name: f"connectors.{name}"}
    after["project"]["entry-points"]["tthc_hub"].pop(name, None)
    unchanged = after == before
    return new if unchanged and _entry_points(new) == expected else None


def _add_mock(text: str, name: str) -> str | None:
    node, before = _bundled(text)
    if node is None or node.end_lineno is None or not node.keys:
        return None
    lines = text.splitlines(keepends=True)
    close = node.end_lineno - 1
    if lines[close].strip() != "}":
        return None
    last = lines[close - 1]
    indent = last[: len(last) - len(last.lstrip())]
    lines.insert(close, f'{indent}"{name}": "mocks.{name}.app",\n')
    new = "".join(lines)
    _, after = _bundled(new)
    return new if after == {**before, name: f"mocks.{name}.app"} else None


def first_party_imports(text: str) -> str:
    """Move the hub's own packages out of a module's third-party import block into a
    block of their own after it: inside the repository they are first-party, so ruff's
    isort wants them apart (out of it, ``hub`` is an installed, third-party package)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    blocks: list[list[ast.stmt]] = []
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if blocks and blocks[-1][-1].end_lineno == node.lineno - 1:
            blocks[-1].append(node)
        else:
            blocks.append([node])
    for block in reversed(blocks):
        mine = [n for n in block if _first_party(n)]
        other = [n for n in block if not _first_party(n)]
        if not mine or not other or any(_relative(n) for n in other):
            continue
        text_of = ["".join(lines[n.lineno - 1 : n.end_lineno]) for n in (*other, *mine)]
        split = len(other)
        start, end = block[0].lineno - 1, block[-1].end_lineno
        lines[start:end] = [*text_of[:split], "\n", *text_of[split:]]
    return "".join(lines)


def _relative(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.level > 0


def _first_party(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom):
        modules = [node.module or ""] if not node.level else []
    else:
        modules = [alias.name for alias in getattr(node, "names", [])]
    return any(m.split(".")[0] in FIRST_PARTY for m in modules)
