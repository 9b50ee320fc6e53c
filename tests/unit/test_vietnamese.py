"""Every word officials read is Vietnamese under ``--lang vi`` (issue 22).

* every message code (hub.messages' catalogue, the hub's and every connector's) has both
  templates with the same parameters, and its Vietnamese has no English sentence;
* every error class (of hub.errors, hub.sdk and the connectors) has Vietnamese words for
  its class and for every code its status table names;
* no error in hub/ or connectors/ is raised with plain text: a reason is a coded message
  (configuration errors excepted: they are read by whoever edits tthc-hub.toml and name
  its keys);
* every command's ``--help``, the plugins' groups included, has no English sentence.

The ``--lang vi`` output of representative commands and the demo's failure reasons are
checked in tests/integration/test_vietnamese_cli.py.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hub.sdk
from hub.errors import ConfigError, HubError
from hub.i18n import error_class_words
from hub.messages import Message, catalogue, define_message
from tests.english import assert_vietnamese, english_words

ROOT = Path(__file__).resolve().parents[2]


def _placeholders(template: str) -> dict[str, str]:
    return {f: "X" for _, f, _, _ in string.Formatter().parse(template) if f}


def test_the_detector_finds_english_and_spares_code() -> None:
    assert english_words("molisa requires the owner's birth date") == ["requires", "the"]
    assert english_words("no such callback") == ["such"]
    assert english_words("Show this message and exit.") == ["show", "this", "and"]
    assert not english_words(
        "Hệ thống monre yêu cầu số điện thoại của chủ hồ sơ (trường: chu_ho_so.so_dien_thoai)"
    )
    assert not english_words("TiepNhanHoSo: mã lỗi -302: kiểm tra `connectors.vantai.api_key`")


def test_every_code_has_both_templates_with_the_same_parameters() -> None:
    templates = list(catalogue())
    codes = {t.code for t in templates}
    # the hub's and the connectors' codes are all there
    for code in ("mapping.required", "api.unknown_dossier", "molisa.reception_date", "hotich.auth"):
        assert code in codes
    assert len(templates) > 100
    for t in templates:
        assert t.params == t.params_vi, t.code
        assert bool(t.vi) == bool(t.en), t.code  # only rejected.nowhere is empty in both


def test_a_code_whose_templates_differ_in_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="vi template takes"):
        define_message("test.bad", vi="{a} và {b}", en="{a}")
    define_message("test.ok", vi="Có {n}", en="{n} of them")
    with pytest.raises(TypeError, match="takes"):
        Message("test.ok", {"m": 1})
    with pytest.raises(ValueError, match="already defined"):
        define_message("test.ok", vi="Khác {n}", en="{n} of them")


def test_a_parameter_may_be_named_code() -> None:
    from hub.messages import message

    words = message("rejected.remote_code", system="molisa", code="7")
    assert words.vi == "Hệ thống molisa từ chối yêu cầu với mã lỗi 7"
    assert words.en == "molisa refused the request with error code 7"


def test_no_vietnamese_template_holds_an_english_sentence() -> None:
    for t in catalogue():
        assert_vietnamese(t.vi.format(**_placeholders(t.vi)), f"message {t.code}")


def test_a_stored_reason_reads_in_either_language() -> None:
    from hub.messages import render_stored
    from hub.reasons import missing

    error = missing("molisa", "chu_ho_so.ngay_sinh")
    stored = error.stored()
    assert render_stored(stored, "en") == (
        "molisa requires the owner's birth date (field: chu_ho_so.ngay_sinh)"
    )
    assert render_stored(stored, "vi") == (
        "Hệ thống molisa yêu cầu ngày sinh của chủ hồ sơ (trường: chu_ho_so.ngay_sinh)"
    )
    assert render_stored("plain text of an older row", "vi") == "plain text of an older row"


# --- error classes ----------------------------------------------------------------------


def _modules() -> Iterator[str]:
    for base in ("hub", "connectors"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "testing" in rel.parts or "migrations" in rel.parts or rel.name == "__main__":
                continue
            yield ".".join(p for p in rel.parts if p != "__init__")


def _error_classes() -> set[type[Exception]]:
    for name in _modules():
        try:
            importlib.import_module(name)
        except ImportError:  # an optional extra not installed
            continue
    seen: set[type[Exception]] = set()
    todo: list[type[Exception]] = [HubError]
    while todo:
        cls = todo.pop()
        seen.add(cls)
        todo.extend(c for c in cls.__subclasses__() if c not in seen)
    return {c for c in seen if c.__module__.startswith(("hub.", "connectors."))}


def test_every_error_class_and_code_has_vietnamese_words() -> None:
    classes = _error_classes()
    exported = {getattr(hub.sdk, n) for n in hub.sdk.__all__}
    assert {c for c in exported if isinstance(c, type) and issubclass(c, HubError)} <= classes
    for cls in classes:
        codes = {cls.default_code, *cls.status_by_code}
        for code in codes:
            words = error_class_words(code, "vi")
            assert words != code, f"no Vietnamese for the error class {code} of {cls}"
            assert_vietnamese(words, f"{cls.__name__} {code}")


# --- every raise is coded ----------------------------------------------------------------


def _plain_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def test_no_error_is_raised_with_plain_text() -> None:
    # LookupInvalid takes its words in both languages (reason, reason_vi).
    names = {c.__name__ for c in _error_classes() if not issubclass(c, ConfigError)}
    names.discard("LookupInvalid")
    names.add("DeadlineError")
    found = []
    for base in ("hub", "connectors"):
        for path in (ROOT / base).rglob("*.py"):
            if "testing" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                reason = node.args[0] if node.args else None
                reason = next((k.value for k in node.keywords if k.arg == "reason"), reason)
                if name in names and reason is not None and _plain_text(reason):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not found, "reasons in plain text (use hub.messages):\n" + "\n".join(found)


# --- the command line's help ---------------------------------------------------------------


def _commands(command: Any, path: str = "tthc-hub", parent: Any = None) -> Iterator[Any]:
    from typer._click.core import Context

    ctx = Context(command, info_name=path.split()[-1], parent=parent)
    yield path, command.get_help(ctx)
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, f"{path} {name}", ctx)


def test_every_commands_help_is_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub import cli

    monkeypatch.setenv("TTHC_HUB_LANG", "vi")
    monkeypatch.setattr("sys.argv", ["tthc-hub"])
    seen = dict(_commands(cli.command()))
    # the hub's groups and the plugins' ones
    for path in ("tthc-hub jobs retry", "tthc-hub lienthong search", "tthc-hub dvcqg backfill"):
        assert path in seen
    assert len(seen) > 40
    for path, text in seen.items():
        body = text.split("\n", 1)[1]  # "Usage: ..." is Click's own line
        # the sub-commands' names (list, show) are names, not words
        body = re.sub(r"^  [a-z][\w-]*(?=  )", "", body, flags=re.M)
        assert_vietnamese(body, path)


def test_english_help_stays_english(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub import cli

    monkeypatch.setattr("sys.argv", ["tthc-hub", "--lang", "en", "--help"])
    seen = dict(_commands(cli.command()))
    assert "List sync jobs by state" in seen["tthc-hub jobs list"]
    assert inspect.getdoc(cli.serve) in " ".join(seen["tthc-hub serve"].split())
