"""``tthc-hub new-connector`` refuses bad requests clearly and renders what was asked."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub import hookspecs
from hub.cli import app
from hub.scaffold import ScaffoldError, generate, parse_caps


@pytest.mark.parametrize(
    ("name", "style", "caps", "message"),
    [
        ("Gtvt", "rest-key", "fetch", "not valid"),  # upper case
        ("van-tai", "rest-key", "fetch", "not valid"),  # not an identifier
        ("class", "rest-key", "fetch", "not valid"),  # a keyword
        ("molisa", "rest-key", "fetch", "already installed"),  # a built-in connector
        ("gtvt", "grpc", "fetch", "unknown style 'grpc'"),
        ("gtvt", "rest-key", "fetch,lookup", "unknown capability 'lookup'"),
        ("gtvt", "rest-key", " , ", "--caps is empty"),
        ("gtvt", "rest-key", "track", "'track' needs 'push'"),  # tracking follows pushes
    ],
    ids=["upper", "dash", "keyword", "clash", "style", "cap", "empty-caps", "track-alone"],
)
def test_bad_request_is_refused(
    tmp_path: Path, name: str, style: str, caps: str, message: str
) -> None:
    with pytest.raises(ScaffoldError, match=message):
        generate(name, style, caps, tmp_path / "out")
    assert not (tmp_path / "out").exists(), "nothing is written for a refused request"


def test_non_empty_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ScaffoldError, match="not an empty folder"):
        generate("gtvt", "rest-key", "fetch", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_caps_are_parsed_case_and_space_insensitively() -> None:
    assert parse_caps(" Push, track ") == {"push", "track"}


@pytest.mark.parametrize(
    ("style", "contract"),
    [
        ("rest-key", ["openapi.yaml"]),
        ("rest-session", ["openapi.yaml"]),
        ("soap", ["gtvt.wsdl", "gtvt.xsd"]),
    ],
    ids=["rest-key", "rest-session", "soap"],
)
def test_rendered_package_is_python_importing_only_the_public_api(
    tmp_path: Path, style: str, contract: list[str]
) -> None:
    files = generate("gtvt", style, "fetch,list", tmp_path)
    pkg = tmp_path / "tthc_gtvt"
    assert sorted(p.name for p in (pkg / "contract").iterdir()) == contract
    for path in files:
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))  # renders valid Python
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hub"):
                assert node.module in {"hub.sdk", "hub.testing", "hub.testing.mock",
                                       "hub.testing.conformance", "hub.testing.samples"}, (
                    f"{path.name} imports {node.module}"
                )  # fmt: skip
    connector = (pkg / "connector.py").read_text(encoding="utf-8")
    assert "async def fetch" in connector and "async def list_remote" in connector
    assert "async def push" not in connector and "async def pull" not in connector
    contract_text = "".join((pkg / "contract" / c).read_text(encoding="utf-8") for c in contract)
    assert "TraCuuHoSo" in contract_text and "GuiHoSo" not in contract_text


def test_cli_new_connector(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "gtvt"
    result = runner.invoke(
        app, ["new-connector", "gtvt", "--style", "rest-session", "--caps", "fetch,list",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "pyproject.toml").is_file() and (out / "tests" / "test_conformance.py").is_file()
    again = runner.invoke(app, ["new-connector", "gtvt", "--caps", "fetch", "--out", str(out)])
    assert again.exit_code == 2
    assert "not an empty folder" in again.output


def test_plugin_registers_everything_through_the_hooks(tmp_path: Path) -> None:
    """One ``tthc_hub`` entry point naming a plugin module whose hooks are hookspecs,
    and that imports nothing heavy at its top (it is imported on every start)."""
    generate("gtvt", "soap", "push,fetch", tmp_path)
    project = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"] == {"tthc_hub": {"gtvt": "tthc_gtvt.plugin"}}
    tree = ast.parse((tmp_path / "tthc_gtvt" / "plugin.py").read_text(encoding="utf-8"))
    hooks = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(d, ast.Name) and d.id == "hookimpl" for d in node.decorator_list)
    }
    assert hooks == {"describe_connectors", "register_connectors", "register_mocks"}
    assert all(callable(getattr(hookspecs, hook, None)) for hook in hooks)
    top = {
        node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module
    }
    assert top == {"__future__", "typing", "hub.sdk"}, "heavy imports belong inside the hooks"


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
@pytest.mark.parametrize("style", ["rest-key", "rest-session", "soap"])
def test_longest_name_and_every_capability_pass_ruff(tmp_path: Path, style: str) -> None:
    """The longest name allowed, every capability: the hub's rules (line length too)."""
    name = "a" * 19 + "z"
    generate(name, style, "push,pull,fetch,list,track", tmp_path)
    with pytest.raises(ScaffoldError, match="not valid"):
        generate(name + "z", style, "fetch", tmp_path / "longer")
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
