"""Coded, bilingual messages: every reason an official reads has a code, parameters and
two templates (Vietnamese and English), rendered in the reader's language.

::

    from hub.sdk import define_message

    BIRTH_DATE = define_message(
        "molisa.birth_date_required",
        vi="Hệ thống MOLISA yêu cầu ngày sinh của chủ hồ sơ",
        en="MOLISA requires the owner's birth date",
    )
    raise MappingError(BIRTH_DATE(), field="chu_ho_so.ngay_sinh", system="molisa")

A :class:`Message` is a code and its parameters; it renders with :meth:`Message.render`
(``"vi"`` or ``"en"``; default: the hub's language, ``TTHC_HUB_LANG``). A parameter may
itself be a :class:`Message` (rendered in the same language). Text parameters are masked
on construction (no CCCD, phone number or date in a reason).

A message stored in the database (a job's ``last_error``, an attempt's error) is kept
in its coded form (:meth:`Message.dumps`, a small JSON object) and rendered when read
(:func:`render_stored`), so the same row reads in Vietnamese for the province and in
English for ``--lang en``. See docs/messages.md.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hub.i18n import lang
from hub.masking import mask_text

__all__ = [
    "Message",
    "Template",
    "bilingual",
    "catalogue",
    "define_message",
    "load_plugin_messages",
    "message",
    "reason_fields",
    "render_stored",
]

_STORED_PREFIX = '{"code":'


@dataclass(frozen=True)
class Template:
    """One code's two templates (``str.format`` syntax, named fields only)."""

    code: str
    vi: str
    en: str

    @property
    def params(self) -> frozenset[str]:
        return _fields(self.en)

    @property
    def params_vi(self) -> frozenset[str]:
        return _fields(self.vi)


def _fields(template: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f)


_CATALOGUE: dict[str, Template] = {}


class Message:
    """A reason with a code and parameters, rendered in either language."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        template = _CATALOGUE.get(code) or _find(code)
        if template is None:
            raise KeyError(f"unknown message code {code!r} (define it with define_message)")
        given = dict(params or {})
        if set(given) != set(template.params):
            raise TypeError(
                f"message {code!r} takes {sorted(template.params)}, got {sorted(given)}"
            )
        self.code = code
        self.params = {k: _clean(v) for k, v in given.items()}

    def render(self, language: str | None = None) -> str:
        language = language or lang()
        template = _CATALOGUE[self.code]
        text = template.en if language == "en" else template.vi
        values = {
            k: v.render(language) if isinstance(v, Message) else v for k, v in self.params.items()
        }
        return text.format(**values)

    @property
    def vi(self) -> str:
        return self.render("vi")

    @property
    def en(self) -> str:
        return self.render("en")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "params": {
                k: v.to_dict() if isinstance(v, Message) else v for k, v in self.params.items()
            },
        }

    def dumps(self) -> str:
        """The coded form stored in the database; :func:`render_stored` reads it back."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        params = {
            k: cls.from_dict(v) if isinstance(v, dict) and "code" in v else v
            for k, v in (data.get("params") or {}).items()
        }
        return cls(str(data["code"]), params)

    @classmethod
    def loads(cls, text: str | None) -> Message | None:
        """The message stored as ``text``, or None when it is plain text (an older row)."""
        if not text or not text.startswith(_STORED_PREFIX):
            return None
        try:
            return cls.from_dict(json.loads(text))
        except (ValueError, KeyError, TypeError):
            return None

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.dumps())


def _clean(value: Any) -> Any:
    if isinstance(value, Message) or value is None or isinstance(value, (int, float)):
        return value
    return mask_text(str(value))


def define_message(code: str, *, vi: str, en: str) -> Callable[..., Message]:
    """Add a code to the catalogue; returns a factory ``(**params) -> Message``.

    Both templates must name the same parameters. Defining a code twice with other
    words is an error (two modules would fight over one code)."""
    template = Template(code, vi, en)
    if template.params != template.params_vi:
        raise ValueError(
            f"message {code!r}: the vi template takes {sorted(template.params_vi)}, "
            f"the en template {sorted(template.params)}"
        )
    known = _CATALOGUE.get(code)
    if known is not None and known != template:
        raise ValueError(f"message code {code!r} is already defined with other words")
    _CATALOGUE[code] = template

    def make(**params: Any) -> Message:
        return Message(code, params)

    make.code = code  # type: ignore[attr-defined]
    return make


def message(code: str, /, **params: Any) -> Message:
    """The message ``code`` with ``params`` (the code must be defined)."""
    return Message(code, params)


def catalogue() -> Iterator[Template]:
    """Every defined template (the hub's, and those of the connectors imported so far)."""
    _load_builtin()
    load_plugin_messages()
    return iter(sorted(_CATALOGUE.values(), key=lambda t: t.code))


def render_stored(text: str | None, language: str | None = None) -> str:
    """A stored reason in ``language``: coded ones are rendered, plain text is kept."""
    stored = Message.loads(text)
    if stored is None:
        return text or ""
    return stored.render(language)


def bilingual(text: str | Message | None) -> dict[str, Any]:
    """``{"code", "message_vi", "message_en"}`` of a stored or live reason."""
    stored = text if isinstance(text, Message) else Message.loads(text)
    if stored is None:
        return {"code": None, "message_vi": text or "", "message_en": text or ""}
    return {"code": stored.code, "message_vi": stored.vi, "message_en": stored.en}


def reason_fields(stored: str | None) -> dict[str, Any]:
    """What a ``sync_failed`` update tells the province of a stored reason: ``reason``
    (the Vietnamese), ``reason_code``, ``message_vi`` and ``message_en``."""
    words = bilingual(stored)
    return {
        "reason": words["message_vi"],
        "reason_code": words["code"],
        "message_vi": words["message_vi"],
        "message_en": words["message_en"],
    }


def _load_builtin() -> None:
    import hub.reasons  # noqa: F401  (the hub's own codes)


def _find(code: str) -> Template | None:
    """A code not defined yet: the hub's own, else a plugin's ``<package>.messages``."""
    _load_builtin()
    if code not in _CATALOGUE:
        load_plugin_messages()
    return _CATALOGUE.get(code)


def load_plugin_messages() -> None:
    """Import the ``messages`` module of every ``tthc_hub`` plugin package that has one
    (where a connector defines its codes, docs/messages.md)."""
    import importlib
    from importlib.metadata import entry_points

    for ep in entry_points(group="tthc_hub"):
        module = ep.value.split(":")[0]
        # connectors.molisa -> connectors.molisa.messages; pkg.plugin -> pkg.messages
        for candidate in (f"{module}.messages", f"{module.rpartition('.')[0]}.messages"):
            if candidate.startswith("."):
                continue
            try:
                importlib.import_module(candidate)
                break
            except ModuleNotFoundError as exc:
                if exc.name not in (candidate, candidate.rpartition(".")[0]):
                    raise
