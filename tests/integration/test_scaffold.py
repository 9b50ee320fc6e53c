"""``tthc-hub new-connector`` output installs and passes its own conformance suite.

The acceptance of issue #13, literally: in an empty temporary folder,
``tthc-hub new-connector demo --style S --caps C``, then ``pip install -e`` of the
result and ``pytest`` there, with no edit. Each case runs in a fresh virtual
environment that sees this interpreter's packages (a ``.pth`` file: the project venv
is itself a venv, so ``--system-site-packages`` would miss them). The generated code
must also pass ``ruff check`` (the hub's rules, written into its pyproject.toml) and
``mypy``. A broken template fails the install, the suite or a linter, and so this test.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from hub.scaffold import generate

REPO = Path(__file__).resolve().parents[2]


def make_venv(where: Path) -> Path:
    """A venv whose interpreter also imports everything installed here; its python."""
    venv.create(where, with_pip=False)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    parent = sysconfig.get_paths()["purelib"]
    Path(purelib, "tthc_hub_parent.pth").write_text(f"{parent}\n{REPO}\n", encoding="utf-8")
    return python


def run(python: Path | str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TTHC_HUB"))}
    env["TTHC_HUB_LANG"] = "en"
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def install(python: Path, package: Path) -> None:
    done = run(
        python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e",
        str(package), cwd=package,
    )  # fmt: skip
    assert done.returncode == 0, f"pip install -e failed:\n{done.stdout}\n{done.stderr}"


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize(
    ("style", "caps", "auth", "passed"),  # passed: at least so many checks pass
    [
        # A read-only lookup system behind a session + service envelope (vantai).
        ("rest-session", "fetch,list", None, 14),
        # A SOAP ministry the province exchanges dossiers with both ways (monre).
        ("soap", "push,pull,fetch,list", None, 20),
        # A REST system with an API key that processes what the province sends (hộ tịch).
        ("rest-key", "push,track", None, 17),
        # The same behind OAuth2 client credentials (bcci): one more test, token renewal.
        ("rest-key", "push,track", "oauth2", 18),
    ],
    ids=["rest-session", "soap", "rest-key", "rest-key-oauth2"],
)
def test_new_connector_installs_and_passes_its_suite(
    tmp_path: Path, style: str, caps: str, auth: str | None, passed: int
) -> None:
    python = make_venv(tmp_path / "env")
    work = tmp_path / "work"
    work.mkdir()
    extra = ["--auth", auth] if auth else []
    made = run(python, "-m", "hub", "new-connector", "demo", "--style", style, "--caps", caps,
               *extra, cwd=work)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert [p.name for p in work.iterdir()] == ["tthc-demo"]
    package = work / "tthc-demo"
    install(python, package)

    done = run(python, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", cwd=package)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"the generated suite failed:\n{output[-6000:]}"
    counts = re.search(r"(\d+) passed", output)
    assert counts is not None and int(counts.group(1)) >= passed, output[-2000:]
    assert " failed" not in output and " error" not in output
    # The ministry's "busy" answer (a SOAP Server fault in the SOAP style) is checked.
    assert re.search(r"^PASSED .*\[fault_busy\]$", output, re.M), output[-2000:]

    if has("ruff"):  # the hub's rules, from the generated pyproject.toml
        lint = run(sys.executable, "-m", "ruff", "check", "--no-cache", ".", cwd=package)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    if has("mypy"):
        typed = run(python, "-m", "mypy", "--no-incremental", "tthc_demo", cwd=package)
        assert typed.returncode == 0, typed.stdout + typed.stderr


def test_generated_package_registers_through_the_hooks(tmp_path: Path) -> None:
    """One ``tthc_hub`` entry point: the connector is described without settings, built
    with them, and its mock is among ``mocks serve``'s factories."""
    python = make_venv(tmp_path / "env")
    package = tmp_path / "pkg"
    generate("gen_listed", "rest-key", "push,fetch", package)
    install(python, package)
    groups = run(python, "-c", "from importlib.metadata import entry_points as e;"
                 "print(sorted(g for g in e().groups if g.startswith('tthc_hub')))",
                 cwd=tmp_path)  # fmt: skip
    assert groups.stdout.strip() == "['tthc_hub']", groups.stdout + groups.stderr

    work = tmp_path / "work"
    work.mkdir()
    listed = run(python, "-m", "hub", "connectors", "list", "--json", cwd=work)
    assert listed.returncode == 0, listed.stderr
    mine = {c["name"]: c for c in json.loads(listed.stdout)}["gen_listed"]
    assert (mine["state"], mine["capabilities"]) == ("not_configured", ["fetch", "push"]), mine
    assert list(work.iterdir()) == [], "connectors list leaves no file behind"

    (work / "tthc-hub.toml").write_text(
        '[connectors.gen_listed]\nbase_url = "http://127.0.0.1:9"\napi_key = "k"\n',
        encoding="utf-8",
    )
    listed = run(python, "-m", "hub", "connectors", "list", "--json", cwd=work)
    assert listed.returncode == 0, listed.stderr
    states = {c["name"]: c["state"] for c in json.loads(listed.stdout)}
    assert states["gen_listed"] == "enabled", listed.stdout

    code = (
        "from hub.plugins import mock_factories;"
        "factories = mock_factories();"
        "app = factories['gen_listed']();"
        "print(type(app).__name__, type(app.state.mock).__module__)"
    )
    served = run(python, "-c", code, cwd=tmp_path)
    assert served.returncode == 0, served.stderr
    assert served.stdout.split() == ["FastAPI", "tthc_gen_listed.mock.state"]


def fake_repository(root: Path) -> Path:
    """The hub's repository as ``--builtin`` sees it, the real packages linked in: the
    generated connector sits beside the bundled ones, and nothing is written here."""
    root.mkdir(parents=True)
    for top in ("hub", "connectors", "mocks"):
        if top == "hub":
            (root / top).symlink_to(REPO / top)
            continue
        (root / top).mkdir(parents=True)
        for entry in (REPO / top).iterdir():
            if entry.is_dir() and (entry / "__init__.py").exists():
                (root / top / entry.name).symlink_to(entry)
        shutil.copy(REPO / top / "__init__.py", root / top / "__init__.py")
    shutil.copy(REPO / "mocks" / "registry.py", root / "mocks" / "registry.py")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "tests" / "connectors").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "__init__.py", root / "tests" / "__init__.py")
    shutil.copy(REPO / "tests" / "connectors" / "__init__.py", root / "tests" / "connectors")
    (root / "tests" / "conftest.py").symlink_to(REPO / "tests" / "conftest.py")
    return root


def test_builtin_connector_passes_the_shared_suite(tmp_path: Path) -> None:
    """``--builtin`` (here with ``--auth bearer``) writes connectors/NAME, mocks/NAME and
    tests/connectors/test_NAME_conformance.py, registers both, and the suite passes as it
    is, with the repository's own ruff rules and mypy."""
    root = fake_repository(tmp_path / "repo")
    env = {"PYTHONPATH": str(root)}
    made = run_in(env, "-m", "hub", "new-connector", "demo", "--builtin", "--auth", "bearer",
                  "--caps", "push,fetch,list", "--out", str(root), cwd=root)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert "registered: pyproject.toml" in made.stdout, made.stdout
    assert "registered: mocks/registry.py" in made.stdout, made.stdout
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["tthc_hub"]["demo"] == "connectors.demo"
    code = "from mocks.registry import register_mocks; print(register_mocks()['demo']().title)"
    served = run_in(env, "-c", code, cwd=root)
    assert served.stdout.strip() == "demo mock", served.stdout + served.stderr

    test = "tests/connectors/test_demo_conformance.py"
    done = run_in(env, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", test, cwd=root)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"the generated suite failed:\n{output[-6000:]}"
    counts = re.search(r"(\d+) passed", output)
    assert counts is not None and int(counts.group(1)) >= 17, output[-2000:]
    assert re.search(r"^PASSED .*\[wrong_credentials\]$", output, re.M), output[-2000:]

    mine = ["connectors/demo", "mocks/demo", test, "mocks/registry.py"]
    if has("ruff"):  # the repository's rules: hub, connectors and mocks are first-party
        lint = run(sys.executable, "-m", "ruff", "check", "--no-cache", *mine, cwd=root)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    if has("mypy"):
        typed = run_in(env, "-m", "mypy", "--no-incremental", *mine[:2], cwd=root)
        assert typed.returncode == 0, typed.stdout + typed.stderr


def run_in(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """This interpreter, with ``env`` added to the environment :func:`run` gives."""
    extra = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TTHC_HUB"))}
    extra.update(env, TTHC_HUB_LANG="en")
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=extra, capture_output=True, text=True, timeout=600
    )
