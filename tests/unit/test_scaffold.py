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
from tests.unit.test_import_rules import connector_violation, imports, mock_violation

REPO = Path(__file__).resolve().parents[2]


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
@pytest.mark.parametrize(
    ("style", "auth", "builtin"),
    [
        ("rest-key", None, False),
        ("rest-session", None, False),
        ("soap", None, False),
        ("rest-key", "bearer", False),
        ("rest-key", "oauth2", False),
        ("soap", None, True),  # the hub is first-party in its repository: imports re-sorted
        ("rest-key", "oauth2", True),
    ],
    ids=["rest-key", "rest-session", "soap", "bearer", "oauth2", "builtin-soap", "builtin-oauth2"],
)
def test_longest_name_and_every_capability_pass_ruff(
    tmp_path: Path, style: str, auth: str | None, builtin: bool
) -> None:
    """The longest name allowed, every capability: the hub's rules (line length too)."""
    name = "a" * 19 + "z"
    if builtin:
        fake_repository(tmp_path)
        (tmp_path / "hub").symlink_to(REPO / "hub")  # ruff's isort: first-party here
    generate(name, style, "push,pull,fetch,list,track", tmp_path, auth=auth, builtin=builtin)
    with pytest.raises(ScaffoldError, match="not valid"):
        generate(name + "z", style, "fetch", tmp_path / "longer")
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize(
    ("style", "auth", "message"),
    [
        ("soap", "oauth2", "--auth oauth2 is for --style rest-key"),
        ("rest-session", "bearer", "--auth bearer is for --style rest-key"),
        ("rest-key", "saml", "unknown auth 'saml'"),
    ],
    ids=["soap", "rest-session", "unknown"],
)
def test_auth_is_refused_where_it_does_not_apply(
    tmp_path: Path, style: str, auth: str, message: str
) -> None:
    with pytest.raises(ScaffoldError, match=message):
        generate("gtvt", style, "fetch", tmp_path / "out", auth=auth)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("auth", ["bearer", "oauth2"])
def test_auth_styles_render_their_settings_client_and_mock(tmp_path: Path, auth: str) -> None:
    generate("gtvt", "rest-key", "push,fetch", tmp_path, auth=auth)
    pkg = tmp_path / "tthc_gtvt"
    text = {p.name: p.read_text(encoding="utf-8") for p in pkg.rglob("*.py")}
    assert "api_key" not in text["settings.py"] and "ApiKey" not in text["client.py"]
    assert "raise RejectedError(refused" in text["client.py"], "a 401 names the settings"
    if auth == "bearer":
        assert "bearer_token: SecretStr" in text["settings.py"]
        assert '"Authorization": bearer' in text["client.py"]
        assert "ClientCredentials" not in text["client.py"]
    else:
        assert "client_secret: SecretStr" in text["settings.py"]
        assert "self._auth = ClientCredentials(" in text["client.py"]  # hub.sdk's, not a copy
        assert '@app.post("/oauth2/token")' in text["app.py"]
        assert "def test_token_is_reused_and_renewed_once_after_a_401" in (
            (tmp_path / "tests" / "test_conformance.py").read_text(encoding="utf-8")
        )


def fake_repository(root: Path) -> Path:
    """What ``--builtin`` needs of the hub's repository, copied (the real one is not touched)."""
    (root / "connectors").mkdir(parents=True)
    (root / "connectors" / "__init__.py").write_text("", encoding="utf-8")
    (root / "mocks").mkdir()
    (root / "mocks" / "registry.py").write_bytes((REPO / "mocks" / "registry.py").read_bytes())
    (root / "tests" / "connectors").mkdir(parents=True)
    (root / "pyproject.toml").write_bytes((REPO / "pyproject.toml").read_bytes())
    return root


def test_builtin_writes_the_repository_layout_and_registers_it(tmp_path: Path) -> None:
    root = fake_repository(tmp_path)
    registry_before = (root / "mocks" / "registry.py").read_text(encoding="utf-8")
    files = generate("gtvt", "soap", "push,fetch", root, builtin=True)
    assert sorted(p.relative_to(root).as_posix() for p in files) == [
        "connectors/gtvt/__init__.py",
        "connectors/gtvt/client.py",
        "connectors/gtvt/connector.py",
        "connectors/gtvt/contract/gtvt.wsdl",
        "connectors/gtvt/contract/gtvt.xsd",
        "connectors/gtvt/mapping.py",
        "connectors/gtvt/messages.py",
        "connectors/gtvt/settings.py",
        "mocks/gtvt/__init__.py",
        "mocks/gtvt/app.py",
        "mocks/gtvt/state.py",
        "mocks/registry.py",
        "pyproject.toml",
        "tests/connectors/test_gtvt_conformance.py",
    ]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    real = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = project["project"]["entry-points"]["tthc_hub"]
    assert entry_points.pop("gtvt") == "connectors.gtvt"
    assert project == real, "nothing else in pyproject.toml changed"
    registry = (root / "mocks" / "registry.py").read_text(encoding="utf-8")
    added = [line for line in registry.splitlines() if line not in registry_before.splitlines()]
    assert added == ['    "gtvt": "mocks.gtvt.app",']
    # The plugin module is the package; its mock is registered in mocks/registry.py.
    plugin = (root / "connectors" / "gtvt" / "__init__.py").read_text(encoding="utf-8")
    assert "def register_connectors" in plugin and "register_mocks" not in plugin
    # The repository's import rules (tests/unit/test_import_rules.py) hold.
    for path in files:
        rel = path.relative_to(root)
        if path.suffix != ".py" or rel.parts[0] == "tests" or len(rel.parts) < 3:
            continue
        package = ".".join(rel.with_suffix("").parts[:-1])
        own = ".".join(rel.parts[:2])
        rule = connector_violation if rel.parts[0] == "connectors" else mock_violation
        for line, module in imports(path.read_text(encoding="utf-8"), package):
            assert rule(module, own) is None, f"{rel}:{line} imports {module}"

    with pytest.raises(ScaffoldError, match="exists: refusing to overwrite"):
        generate("gtvt", "rest-key", "fetch", root, builtin=True)


def test_builtin_refuses_a_folder_that_is_not_the_repository(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match=r"has no pyproject\.toml"):
        generate("gtvt", "rest-key", "fetch", tmp_path, builtin=True)
    assert list(tmp_path.iterdir()) == []


def test_builtin_prints_a_registration_it_cannot_add_safely(tmp_path: Path) -> None:
    root = fake_repository(tmp_path)
    odd = "BUNDLED = dict(molisa='mocks.molisa.app')\n"  # not the dict display it expects
    (root / "mocks" / "registry.py").write_text(odd, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["new-connector", "gtvt", "--builtin", "--caps", "fetch", "--out", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert 'registered: pyproject.toml [project.entry-points."tthc_hub"]: gtvt = ' in result.output
    assert 'add by hand to mocks/registry.py, BUNDLED: "gtvt": "mocks.gtvt.app",' in result.output
    assert (root / "mocks" / "registry.py").read_text(encoding="utf-8") == odd


def test_soap_client_is_the_hubs_shared_one(tmp_path: Path) -> None:
    """The generated SOAP client is hub.sdk's SoapClient with the ministry's contract,
    faults and headers: no zeep transport, pool or fault mapping of its own."""
    generate("gtvt", "soap", "push,fetch", tmp_path)
    client = (tmp_path / "tthc_gtvt" / "client.py").read_text(encoding="utf-8")
    assert "self._soap = SoapClient(" in client and "load_contract(WSDL_PATH" in client
    assert "faults=FAULT_CODES" in client and '"KhoaYeuCau", idempotency_key' in client
    for copy in ("import httpx", "zeep.transports", "AsyncServiceProxy", "detail.find"):
        assert copy not in client, f"the generated client still has its own {copy}"


def test_session_client_is_the_hubs_shared_one(tmp_path: Path) -> None:
    """The generated rest-session client is hub.sdk's SessionClient with the ministry's
    login, envelope and codes: no login loop or envelope checks of its own."""
    generate("gtvt", "rest-session", "fetch,list", tmp_path)
    client = (tmp_path / "tthc_gtvt" / "client.py").read_text(encoding="utf-8")
    assert "self._session = SessionClient(" in client and "codes=ERROR_CODES" in client
    assert '"MatKhau": settings.password.get_secret_value()' in client
    for copy in ("ConnectorHttp", "ministry_errors", "for _ in range", "raise_for_status"):
        assert copy not in client, f"the generated client still has its own {copy}"
