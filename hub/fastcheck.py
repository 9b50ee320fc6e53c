"""The canonical model's common case validated by pydantic-core alone (issue #21).

The model's text and date checks (hub.fields) are Python functions: about twenty
calls per event, each costing more than the Rust around it. Most text needs none of
them: printable, already NFC, within its range. :func:`fast_validator` builds, from a
model's own core schema, a validator in which each such check is replaced by a
pydantic-core constraint that accepts only input the check would leave unchanged:

* text: a pattern (run by pydantic-core's Rust regex engine) of characters that are
  printable and NFC-inert (:data:`FAST_CHARS`), ``\\n``/``\\t`` too in free text, and
  the field's ``max_length`` (a text the pattern accepts is its own NFC form, so its
  length is the length the Python check would measure);
* dates: the same range; datetimes: a range one day inside it (the Python check looks
  at the date as written, at any UTC offset), and only aware ones (the check gives a
  naive time Vietnam's offset).

Everything else (formats, model checks, ``extra``) stays as the model has it.

What the fast validator accepts, the model accepts, with the same result; whatever
it refuses (bad input, but also text to normalise, a rare script, a date near the
bounds) goes to the model's own validator, which accepts it or says what is wrong
exactly as before (:class:`FastValidator`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from pydantic_core import SchemaValidator

from hub.fields import DATE_CHECKS, MAX_DATE, MIN_DATE, TEXT_CHECKS

__all__ = ["FAST_CHARS", "FastValidator"]

T = TypeVar("T")

#: Where the fast path looks for characters: the Latin script (Vietnamese among it),
#: punctuation and currency signs. Text with any other character takes the model's
#: own check.
_BLOCKS = ((0x20, 0x7E), (0xA0, 0x2FF), (0x1E00, 0x1EFF), (0x2010, 0x205E), (0x20A0, 0x20C0))


def _fast_chars() -> str:
    # printable: none of the refused categories (tests/unit/test_fields_fast_path.py);
    # combining class 0 and NFC of itself; and none of these blocks holds a character
    # NFC joins to the one before (NFC_Quick_Check = Maybe: tests/unit/test_fastcheck.py).
    # A string of such characters passes the NFC quick check: it is in NFC (UAX #15).
    return "".join(
        ch
        for lo, hi in _BLOCKS
        for ch in map(chr, range(lo, hi + 1))
        if ch.isprintable()
        and unicodedata.combining(ch) == 0
        and unicodedata.normalize("NFC", ch) == ch
    )


#: The characters a text may hold and still skip the Python check.
FAST_CHARS = _fast_chars()


def _char_class(chars: str) -> str:
    ranges: list[tuple[int, int]] = []
    for cp in sorted(map(ord, chars)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(
        f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges
    )


_LINE = f"^[{_char_class(FAST_CHARS)}]*$"
_MULTILINE = f"^[{_char_class(FAST_CHARS + chr(9) + chr(10))}]*$"
#: Datetimes one day inside the range: whatever the offset (under a day), the date as
#: written is then inside it.
_DATETIME_AFTER = datetime.combine(MIN_DATE, time(), UTC) + timedelta(days=1)
_DATETIME_BEFORE = datetime.combine(MAX_DATE, time(), UTC)


def _fast_text(inner: dict[str, Any], max_length: int | None, multiline: bool) -> dict[str, Any]:
    if inner.get("type") != "str" or "pattern" in inner:
        return {}
    out = dict(inner, pattern=_MULTILINE if multiline else _LINE, regex_engine="rust-regex")
    if max_length is not None:
        out["max_length"] = min(max_length, inner.get("max_length", max_length))
    return out


def _fast_date(inner: dict[str, Any]) -> dict[str, Any]:
    if inner.get("type") == "date" and not inner.keys() & {"ge", "gt", "le", "lt"}:
        return dict(inner, ge=MIN_DATE, le=MAX_DATE)
    if inner.get("type") == "datetime" and not inner.keys() & {"ge", "gt", "le", "lt"}:
        # a naive time takes the Python check, which reads it as Vietnam time
        return dict(inner, gt=_DATETIME_AFTER, lt=_DATETIME_BEFORE, tz_constraint="aware")
    return {}


def _rewrite(node: Any) -> Any:
    """A copy of a core schema with the checks replaced (see the module's doc)."""
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "function-after" and node["function"].get("type") == "no-info":
        func = node["function"]["function"]
        inner = node["schema"]
        replaced: dict[str, Any] = {}
        if func in TEXT_CHECKS:
            replaced = _fast_text(inner, *TEXT_CHECKS[func])
        elif func in DATE_CHECKS:
            replaced = _fast_date(inner)
        if replaced:
            return replaced
    return {key: _rewrite(value) for key, value in node.items()}


def _models(node: Any, found: set[type]) -> set[type]:
    if isinstance(node, list):
        for item in node:
            _models(item, found)
    elif isinstance(node, dict):
        if node.get("type") == "model":
            found.add(node["cls"])
        for value in node.values():
            _models(value, found)
    return found


@contextmanager
def _not_prebuilt(schema: Any) -> Iterator[None]:
    """While the fast validator is built, pydantic-core must build each model from the
    rewritten schema: it otherwise reuses the model class's own validator (with the
    Python checks) for any class marked complete. The mark is put back right after."""
    marked = [c for c in _models(schema, set()) if c.__dict__.get("__pydantic_complete__")]
    for cls in marked:
        setattr(cls, "__pydantic_complete__", False)  # noqa: B010
    try:
        yield
    finally:
        for cls in marked:
            setattr(cls, "__pydantic_complete__", True)  # noqa: B010


class FastValidator(Generic[T]):
    """Validates JSON as ``TypeAdapter(tp)`` does, the common case without Python checks."""

    def __init__(self, tp: type[T]) -> None:
        self.full: TypeAdapter[T] = TypeAdapter(tp)
        schema = _rewrite(self.full.core_schema)
        with _not_prebuilt(schema):
            self.fast = SchemaValidator(schema)

    def validate_json(self, data: str | bytes) -> T:
        try:
            found: T = self.fast.validate_json(data)
        except Exception:
            # not the common case (a ValidationError, or anything else): the model's own
            # validator accepts it, or says why not, exactly as it always has
            return self.full.validate_json(data)
        return found
