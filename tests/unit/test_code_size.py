"""No module of the hub or a connector over ~500 lines, no function over ~80, unless the
allow-list below gives the reason beside it. Delete an entry when its reason is gone."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

#: "path" (a module) or "path::function" -> why it may be longer.
ALLOWED: dict[str, str] = {
    "hub/api.py::create_app": (
        "the app factory: each endpoint is a short closure over the hub (FastAPI's idiom), "
        "counted here as one function; the feature routers live in hub/routes/"
    ),
    "hub/routes/ops.py::build": "a router factory: its endpoints are short closures",
    "hub/console/routes.py::build": "a router factory: its pages are short closures",
    "hub/console/jobs.py::add_routes": "the job pages' routes: each a short closure",
    "hub/console/pages.py::add_routes": "the other pages' routes: each a short closure",
    "hub/calendar.py": (
        "the working calendar and the deadline plan, one concern; 16 lines over, the plan "
        "is the candidate to move out when it next grows"
    ),
    "hub/commands/jobs.py::_act": "one line over: the CLI action and its table, read as one",
    "hub/commands/reconcile.py::reconcile": (
        "a Typer command: a third of it is the options in its signature"
    ),
    "hub/store/migrations/versions/0001_initial_schema.py::upgrade": (
        "a migration writes the schema out table by table and is frozen once released"
    ),
    "hub/store/migrations/versions/0003_operations.py::upgrade": (
        "a migration writes the schema out table by table and is frozen once released"
    ),
    "hub/store/outbox.py::_finish": (
        "records one attempt's outcome in one transaction (attempt row, job state, remote "
        "ref, province update): each branch is a few lines, split they would need the "
        "transaction passed around"
    ),
    "hub/testing/samples.py::sample_dossier": (
        "one realistic dossier field by field, every field drawn from the same seed"
    ),
}


def _sizes() -> tuple[dict[str, int], dict[str, int]]:
    modules: dict[str, int] = {}
    functions: dict[str, int] = {}
    for package in ("hub", "connectors"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            source = path.read_text(encoding="utf-8")
            modules[rel] = len(source.splitlines())
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    assert node.end_lineno is not None
                    length = node.end_lineno - node.lineno + 1
                    key = f"{rel}::{node.name}"
                    functions[key] = max(functions.get(key, 0), length)
    return modules, functions


def test_modules_and_functions_stay_small_or_say_why() -> None:
    modules, functions = _sizes()
    too_long = [f"{m}: {n} lines" for m, n in modules.items() if n > MAX_MODULE_LINES]
    too_long += [f"{f}: {n} lines" for f, n in functions.items() if n > MAX_FUNCTION_LINES]
    unexplained = [entry for entry in too_long if entry.split(": ")[0] not in ALLOWED]
    assert not unexplained, (
        "split these, or add each to ALLOWED with the reason it is longer:\n"
        + "\n".join(unexplained)
    )


def test_every_allowance_is_still_needed_and_gives_a_reason() -> None:
    modules, functions = _sizes()
    over = {m for m, n in modules.items() if n > MAX_MODULE_LINES}
    over |= {f for f, n in functions.items() if n > MAX_FUNCTION_LINES}
    stale = sorted(set(ALLOWED) - over)
    assert not stale, f"these are within the limits now; delete their entries: {stale}"
    assert all(len(reason.split()) >= 5 for reason in ALLOWED.values())
