"""``tthc-hub new-connector`` output installs and passes its own conformance suite.

Each case generates a package into a temporary folder, installs it with ``pip install
-e`` into a fresh virtual environment that sees this interpreter's packages (a ``.pth``
file: the project venv is itself a venv, so ``--system-site-packages`` would miss
them), and runs ``python -m pytest`` there. A broken template fails the install or
the suite, and so this test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sysconfig
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


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TTHC_HUB"))}
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def install(python: Path, package: Path) -> None:
    done = run(
        python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e",
        str(package), cwd=package,
    )  # fmt: skip
    assert done.returncode == 0, f"pip install -e failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def scaffold_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("venv") / "env")


@pytest.mark.parametrize(
    ("style", "caps", "passed"),  # passed: at least so many checks pass
    [
        # A read-only lookup system behind a session + service envelope (vantai).
        ("rest-session", "fetch,list", 3),
        # A SOAP ministry the province exchanges dossiers with both ways (monre).
        ("soap", "push,pull,fetch,list", 15),
        # A REST system with an API key that processes what the province sends (hộ tịch).
        ("rest-key", "push,track", 13),
    ],
    ids=["rest-session", "soap", "rest-key"],
)
def test_generated_package_passes_its_suite(
    scaffold_python: Path, tmp_path: Path, style: str, caps: str, passed: int
) -> None:
    name = f"gen_{style.replace('-', '_')}"
    package = tmp_path / "pkg"
    generate(name, style, caps, package)
    install(scaffold_python, package)
    done = run(scaffold_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"the generated suite failed:\n{output[-6000:]}"
    counts = re.search(r"(\d+) passed", output)
    assert counts is not None and int(counts.group(1)) >= passed, output[-2000:]
    assert " failed" not in output and " error" not in output


def test_generated_package_registers_the_connector(scaffold_python: Path, tmp_path: Path) -> None:
    """The entry points work: the installed package's connector and mock are found."""
    package = tmp_path / "pkg"
    generate("gen_listed", "rest-key", "push,fetch", package)
    install(scaffold_python, package)
    code = (
        "from importlib.metadata import entry_points as e;"
        "print(sorted(p.name for p in e(group='tthc_hub')));"
        "print(e(group='tthc_hub.mocks')['gen_listed'].load().__module__)"
    )
    done = run(scaffold_python, "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "'gen_listed'" in done.stdout
    assert "tthc_gen_listed.mock.app" in done.stdout
