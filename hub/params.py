"""Bounded, typed API parameters: every id, cursor, offset, date and filter text the
API (and a connector's routes) takes, so that what the database or date arithmetic
cannot carry is a 4xx naming the parameter, never a 500 (issue #23, docs/limits.md).

* ids, cursors and offsets: integers within signed 64 bits (BIGINT, SQLite's INTEGER);
* times and days: ISO 8601 text only (no epoch numbers), 1900-01-01 .. 2100-12-31 as
  written (the year-1 and year-9999 edges overflow when shifted to UTC or by a deadline);
* filter and path text: at most :data:`TEXT_MAX` characters, no control characters
  (PostgreSQL refuses NUL; SQLite would store it: both refuse it here, the same way).

Each limit is also in the OpenAPI schema (``maximum``, ``maxLength``, ``pattern``),
so a client, or schemathesis, knows it before asking. The date range is written in
the parameter's description: JSON Schema cannot bound a ``date-time``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from hub.fields import INT64_MAX, MAX_DATE, MIN_DATE

if TYPE_CHECKING:
    from hub.messages import Message

__all__ = [
    "DATE_RANGE",
    "MAX_ID",
    "MAX_JSON_ID",
    "TEXT_MAX",
    "TEXT_PATTERN",
    "ApiDate",
    "ApiDateTime",
    "JsonId",
    "cursor_query",
    "date_query",
    "has_control_character",
    "id_path",
    "one_of",
    "text_path",
    "text_query",
]

#: The largest id, cursor or offset: BIGINT (PostgreSQL), INTEGER (SQLite).
MAX_ID = INT64_MAX
#: The longest filter or path text (mã hồ sơ 64, event ids 100, names 200).
TEXT_MAX = 200
#: Filter and path text: no control characters (C0, DEL).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
DATE_RANGE = f"{MIN_DATE.isoformat()} .. {MAX_DATE.isoformat()}"


def has_control_character(text: str) -> bool:
    """True when ``text`` holds a C0 control character or DEL (NUL included)."""
    return any(ord(c) < 0x20 or c == "\x7f" for c in text)


def _in_range(day: date) -> None:
    if not MIN_DATE <= day <= MAX_DATE:
        raise PydanticCustomError("date_range", f"the date must be within {DATE_RANGE}")


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime_parsing", "the time must be ISO 8601 (YYYY-MM-DDTHH:MM[:SS][+07:00])"
            ) from None
    else:
        raise PydanticCustomError("datetime_type", "the time must be ISO 8601 text")
    _in_range(parsed.date())
    return parsed


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "date_parsing", "the day must be ISO 8601 (YYYY-MM-DD)"
            ) from None
    else:
        raise PydanticCustomError("date_type", "the day must be ISO 8601 text (YYYY-MM-DD)")
    _in_range(parsed)
    return parsed


def _json_integer(value: Any) -> int:
    # JSON Schema's integer: 5 and 5.0, not true, "5" or 5.5 (a strict model's int
    # alone would refuse 5.0, a lax one take true and "5").
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "the value must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "the value must be a whole number")
        return int(value)
    return value


#: The largest id a JSON body may carry: the largest integer a JSON number holds
#: exactly in every client (JavaScript's ``Number.MAX_SAFE_INTEGER``); past it, 2^63
#: written as a float reads as valid to one validator and as 2^63 + 1 to another.
MAX_JSON_ID = 2**53 - 1
#: A row id in a JSON body, as JSON Schema reads an integer (for strict models); the
#: bounds come before the validator, so that the JSON Schema carries them.
JsonId = Annotated[int, Field(ge=1, le=MAX_JSON_ID), BeforeValidator(_json_integer)]
#: A time in a query or a body: ISO 8601 text within :data:`DATE_RANGE`.
ApiDateTime = Annotated[datetime, BeforeValidator(_datetime)]
#: A day in a query or a body: ISO 8601 text within :data:`DATE_RANGE`.
ApiDate = Annotated[date, BeforeValidator(_date)]


# --- FastAPI declarations (a connector's routes use them too, through hub.sdk) ----------


def text_query(default: Any = None, **options: Any) -> Any:
    """A filter text in the query string: bounded, no control characters."""
    from fastapi import Query

    return Query(default, max_length=TEXT_MAX, pattern=TEXT_PATTERN, **options)


def text_path(**options: Any) -> Any:
    """A text in the path (mã hồ sơ, a connector's name): bounded, no control characters."""
    from fastapi import Path

    return Path(min_length=1, max_length=TEXT_MAX, pattern=TEXT_PATTERN, **options)


def id_path(**options: Any) -> Any:
    """A row id in the path: 1 .. :data:`MAX_ID`."""
    from fastapi import Path

    return Path(ge=1, le=MAX_ID, **options)


def cursor_query(default: int = 0, **options: Any) -> Any:
    """A cursor (``after_id``) or an offset: 0 .. :data:`MAX_ID`."""
    from fastapi import Query

    return Query(default, ge=0, le=MAX_ID, **options)


def date_query(**options: Any) -> Any:
    """An optional time or day in the query string, within :data:`DATE_RANGE`."""
    from fastapi import Query

    described = f"ISO 8601, within {DATE_RANGE}"
    return Query(None, description=options.pop("description", described), **options)


def one_of(values: tuple[str, ...], *, code: str, words: Callable[..., Message]) -> Any:
    """A text that is one of ``values``: an enum in the OpenAPI, and out of it an error
    of type ``code`` listing them (a ``Literal`` would answer ``literal_error``).

    ``words``: a message factory (hub.reasons_api) whose one parameter, ``values``, is
    the list; the refusal carries its English as the message and its Vietnamese in the
    error's context (``message_vi``, read by the API's error handler). The value itself
    is not echoed (it may be personal data)."""
    from pydantic import WithJsonSchema

    listed = ", ".join(values)

    def check(value: Any) -> str:
        if value not in values:
            refusal = words(values=listed)
            context = {"message_en": refusal.en, "message_vi": refusal.vi}
            raise PydanticCustomError(code, "{message_en}", context)
        return str(value)

    return Annotated[
        str, BeforeValidator(check), WithJsonSchema({"type": "string", "enum": list(values)})
    ]
