"""Render a connector package from ``templates/``: validation of the request, then the files.

What is generated, for ``NAME``, in ``tthc-NAME/`` (or ``--out``)::

    pyproject.toml            the ``tthc_hub`` entry point (the plugin module)
    README.md
    tthc_NAME/plugin.py       the hooks: describe_connectors, register_connectors,
                              register_mocks
    tthc_NAME/settings.py     [connectors.NAME]
    tthc_NAME/client.py       the only module that calls the ministry (SOAP: through
                              hub.sdk.SoapClient, with the contract and fault table)
    tthc_NAME/mapping.py      Dossier <-> the ministry's records: pure functions (TODOs)
    tthc_NAME/connector.py    the class, one method per capability
    tthc_NAME/contract/       openapi.yaml (REST) or NAME.wsdl + NAME.xsd (SOAP)
    tthc_NAME/mock/           the ministry's mock, built on hub.testing.mock
    tests/test_conformance.py the conformance suite against the mock

``builtin=True`` writes the same modules in the layout of a connector bundled in the
hub's repository instead (hub/scaffold/builtin.py). ``auth`` chooses how the REST
(``rest-key``) client authenticates: ``key`` (an ``ApiKey`` header, the default),
``bearer`` (a static token) or ``oauth2`` (client credentials: hub.sdk's
``ClientCredentials``).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import jinja2

__all__ = [
    "AUTHS",
    "CAPABILITIES",
    "STYLES",
    "ScaffoldError",
    "generate",
    "parse_caps",
    "validate_name",
]

STYLES = ("rest-key", "rest-session", "soap")
#: How the ``rest-key`` client authenticates; the other styles have their own way.
AUTHS = ("key", "bearer", "oauth2")
CAPABILITIES = ("push", "pull", "fetch", "list", "track")
TEMPLATES = Path(__file__).parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
#: The generated code's line length (its pyproject.toml's ruff setting, the hub's).
LINE_LENGTH = 100
#: The group connector plugins are registered in (hub/plugins.py).
PLUGIN_GROUP = "tthc_hub"


class ScaffoldError(ValueError):
    """A request the scaffold refuses; the message says what and why."""


def parse_caps(text: str | Iterable[str]) -> frozenset[str]:
    """``"push,track"`` -> the capabilities; an unknown one is an error naming it."""
    items = text.split(",") if isinstance(text, str) else list(text)
    caps = [c.strip().lower() for c in items if c.strip()]
    if not caps:
        raise ScaffoldError(f"--caps is empty: choose from {', '.join(CAPABILITIES)}")
    unknown = [c for c in caps if c not in CAPABILITIES]
    if unknown:
        raise ScaffoldError(
            f"unknown capability {unknown[0]!r} in --caps: choose from {', '.join(CAPABILITIES)}"
        )
    chosen = frozenset(caps)
    if "track" in chosen and "push" not in chosen:
        raise ScaffoldError(
            "capability 'track' needs 'push': the hub tracks the dossiers it pushed"
        )
    return chosen


def validate_name(name: str) -> None:
    """A lower-case Python identifier that no installed connector plugin uses."""
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"connector name {name!r} is not valid: use a lower-case Python identifier "
            "(a letter, then letters, digits or _; at most 20 characters), e.g. vantai"
        )
    for ep in entry_points(group=PLUGIN_GROUP):
        if ep.name == name:
            raise ScaffoldError(
                f"a connector named {name!r} is already installed ({ep.value}): choose another name"
            )


@dataclass(frozen=True)
class _File:
    template: str
    target: str  #: relative to the output folder; {pkg} and {name} are filled in
    styles: tuple[str, ...] = STYLES


_FILES = (
    _File("pyproject.toml.j2", "pyproject.toml"),
    _File("README.md.j2", "README.md"),
    _File("pkg/__init__.py.j2", "{pkg}/__init__.py"),
    _File("pkg/plugin.py.j2", "{pkg}/plugin.py"),
    _File("pkg/py.typed.j2", "{pkg}/py.typed"),
    _File("pkg/settings.py.j2", "{pkg}/settings.py"),
    _File("pkg/mapping.py.j2", "{pkg}/mapping.py"),
    _File("pkg/messages.py.j2", "{pkg}/messages.py"),
    _File("pkg/connector.py.j2", "{pkg}/connector.py"),
    _File("pkg/client_rest_key.py.j2", "{pkg}/client.py", ("rest-key",)),
    _File("pkg/client_rest_session.py.j2", "{pkg}/client.py", ("rest-session",)),
    _File("pkg/client_soap.py.j2", "{pkg}/client.py", ("soap",)),
    _File("contract/openapi.yaml.j2", "{pkg}/contract/openapi.yaml", ("rest-key", "rest-session")),
    _File("contract/service.wsdl.j2", "{pkg}/contract/{name}.wsdl", ("soap",)),
    _File("contract/schema.xsd.j2", "{pkg}/contract/{name}.xsd", ("soap",)),
    _File("mock/__init__.py.j2", "{pkg}/mock/__init__.py"),
    _File("mock/state.py.j2", "{pkg}/mock/state.py"),
    _File("mock/app_rest.py.j2", "{pkg}/mock/app.py", ("rest-key", "rest-session")),
    _File("mock/app_soap.py.j2", "{pkg}/mock/app.py", ("soap",)),
    _File("tests/test_conformance.py.j2", "tests/test_conformance.py"),
)


def _builtin_target(target: str) -> str | None:
    """Where a file of the package goes in the hub's repository (None: not written)."""
    if target == "tests/test_conformance.py":
        return "tests/connectors/test_{name}_conformance.py"
    if target == "{pkg}/plugin.py":
        return "connectors/{name}/__init__.py"  # the plugin module is the package
    if target.startswith("{pkg}/mock/"):
        return "mocks/{name}/" + target.removeprefix("{pkg}/mock/")
    if target.startswith("{pkg}/") and target not in ("{pkg}/__init__.py", "{pkg}/py.typed"):
        return "connectors/{name}/" + target.removeprefix("{pkg}/")
    return None  # pyproject.toml, README.md: the repository has its own


def _operations(caps: frozenset[str]) -> list[str]:
    """The ministry operations the capabilities need, in the contract's order."""
    ops = []
    if "push" in caps:
        ops.append("GuiHoSo")
    if "pull" in caps:
        ops += ["LayHoSoMoi", "XacNhanDaNhan"]
    if caps & {"fetch", "track"}:
        ops.append("TraCuuHoSo")
    if "list" in caps:
        ops.append("DanhSachHoSo")
    return [*ops, "KiemTraKetNoi"]


def _import_from(module: str, names: Iterable[str]) -> str:
    """``from module import a, b`` on one line when it fits, else one name a line: as
    ruff's isort writes it (the generated code passes ``ruff check``)."""
    unique = sorted(set(names))  # case-sensitive: classes before functions
    line = f"from {module} import {', '.join(unique)}"
    if len(line) <= LINE_LENGTH:
        return line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in unique) + ")"


def _context(
    name: str, style: str, caps: frozenset[str], auth: str | None, builtin: bool
) -> dict[str, object]:
    cls = "".join(part.capitalize() for part in name.split("_") if part)
    return {
        "name": name,
        "pkg": f"connectors.{name}" if builtin else f"tthc_{name}",
        "builtin": builtin,
        "auth": auth,
        "dist": f"tthc-{name.replace('_', '-')}",
        "cls": cls,
        "style": style,
        "caps": {c: c in caps for c in CAPABILITIES},
        "cap_list": [c for c in CAPABILITIES if c in caps],
        "ops": _operations(caps),
        "namespace": f"urn:tthc-hub:{name}:v1",
    }


def default_out(name: str, cwd: Path | None = None) -> Path:
    return (cwd or Path.cwd()) / f"tthc-{name.replace('_', '-')}"


def check_auth(style: str, auth: str | None) -> str | None:
    """The ``rest-key`` client's way to authenticate (``key`` when not given); None for
    the other styles, which refuse any ``auth`` but their own."""
    if auth is not None and auth not in AUTHS:
        raise ScaffoldError(f"unknown auth {auth!r}: choose from {', '.join(AUTHS)}")
    if style != "rest-key":
        if auth is not None:
            raise ScaffoldError(
                f"--auth {auth} is for --style rest-key: {style} authenticates its own way "
                "(rest-session logs in for a session, soap sends the XacThuc header)"
            )
        return None
    return auth or "key"


def generate(
    name: str,
    style: str,
    caps: str | Iterable[str],
    out: Path | None = None,
    *,
    auth: str | None = None,
    builtin: bool = False,
) -> list[Path]:
    """Write the package for ``name`` into ``out`` (default ``./tthc-NAME``); the files written.

    ``builtin``: write the layout of a connector bundled in the hub's repository, whose
    root ``out`` is (default ``.``), and register it there (hub/scaffold/builtin.py);
    the registration files edited are among the files returned.

    :raises ScaffoldError: a bad name, style, auth or capability, or a non-empty ``out``
        (``builtin``: not the repository, or the connector is there already).
    """
    from hub.scaffold import builtin as layout

    validate_name(name)
    if style not in STYLES:
        raise ScaffoldError(f"unknown style {style!r}: choose from {', '.join(STYLES)}")
    auth = check_auth(style, auth)
    chosen = parse_caps(caps)
    if builtin:
        target = Path(out) if out is not None else Path.cwd()
        layout.check_root(target, name)
    else:
        target = Path(out) if out is not None else default_out(name)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise ScaffoldError(
                f"{target} exists and is not an empty folder: refusing to overwrite it"
            )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Python, TOML, YAML and XML sources, not HTML pages
    )
    env.globals["import_from"] = _import_from
    context = _context(name, style, chosen, auth, builtin)
    written = []
    for spec in _FILES:
        where = _builtin_target(spec.target) if builtin else spec.target
        if style not in spec.styles or where is None:
            continue
        path = target / where.format(pkg=context["pkg"], name=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _tidy(env.get_template(spec.template).render(context))
        if builtin and path.suffix == ".py":
            text = layout.first_party_imports(text)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if builtin:
        written += [target / r.file for r, added in layout.register(target, name) if added]
    return written


def _tidy(text: str) -> str:
    """No runs of more than two blank lines (left by skipped blocks), one final newline."""
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text.rstrip("\n") + "\n" if text.strip() else ""
