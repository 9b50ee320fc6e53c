"""``tthc-hub new-connector`` refuses bad requests clearly and renders what was asked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.scaffold import ScaffoldError, generate, parse_caps


@pytest.mark.parametrize(
    ("name", "style", "caps", "message"),
    [
        ("Vantai", "rest-key", "fetch", "not valid"),  # upper case
        ("van-tai", "rest-key", "fetch", "not valid"),  # not an identifier
        ("class", "rest-key", "fetch", "not valid"),  # a keyword
        ("molisa", "rest-key", "fetch", "already installed"),  # a built-in connector
        ("vantai", "grpc", "fetch", "unknown style 'grpc'"),
        ("vantai", "rest-key", "fetch,lookup", "unknown capability 'lookup'"),
        ("vantai", "rest-key", " , ", "--caps is empty"),
        ("vantai", "rest-key", "track", "'track' needs 'push'"),  # tracking follows pushes
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
        generate("vantai", "rest-key", "fetch", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_caps_are_parsed_case_and_space_insensitively() -> None:
    assert parse_caps(" Push, track ") == {"push", "track"}


@pytest.mark.parametrize(
    ("style", "contract"),
    [
        ("rest-key", ["openapi.yaml"]),
        ("rest-session", ["openapi.yaml"]),
        ("soap", ["vantai.wsdl", "vantai.xsd"]),
    ],
    ids=["rest-key", "rest-session", "soap"],
)
def test_rendered_package_is_python_importing_only_the_public_api(
    tmp_path: Path, style: str, contract: list[str]
) -> None:
    files = generate("vantai", style, "fetch,list", tmp_path)
    pkg = tmp_path / "tthc_vantai"
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
    out = tmp_path / "vantai"
    result = runner.invoke(
        app, ["new-connector", "vantai", "--style", "rest-session", "--caps", "fetch,list",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "pyproject.toml").is_file() and (out / "tests" / "test_conformance.py").is_file()
    again = runner.invoke(app, ["new-connector", "vantai", "--caps", "fetch", "--out", str(out)])
    assert again.exit_code == 2
    assert "not an empty folder" in again.output
