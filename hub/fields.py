"""The constrained field types of the canonical model: what the hub can carry.

Ingest refuses at the door what the store, the worker or a ministry cannot carry
later (issue #23): an event accepted with ``extra`` nested 250 deep, a year-1
date, a NUL byte or an integer past 64 bits would stop the worker when it reads
the event back, or kill the ministry job with no field named. Each type here is a
pydantic ``Annotated`` type, so a refusal is an ordinary validation error whose
``loc`` is the field path (the API answers it as a 422 naming the field).

Messages never quote the refused value: it may be personal data (a CCCD, a name).

* text: NFC-normalised (Vietnamese typed on some keyboards arrives decomposed,
  NFD), no control characters (``\\n`` and ``\\t`` only in multi-line free
  text), no bidi overrides, zero-width or other invisible format characters, no
  lone surrogates (each text field of the model also has its ``max_length``);
* dates and datetimes: 1900-01-01 .. 2100-12-31 (a birth date also not in the future);
* integers: signed 64-bit (the database's ``BIGINT``), amounts and sizes non-negative;
* free-form JSON (``extra``): depth, size, key and string lengths bounded, text
  cleaned as above, no NaN or Infinity, integers within 64 bits;
* CCCD / CMND: ASCII digits only, not all zeros, a CCCD's first three digits a
  province code (:data:`CCCD_PROVINCES`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError, PydanticKnownError

__all__ = [
    "CCCD_PROVINCES",
    "INT64_MAX",
    "JSON_MAX_DEPTH",
    "MAX_DATE",
    "MIN_DATE",
    "Amount",
    "BirthDate",
    "Count",
    "FreeText",
    "FreeText2000",
    "IdNumber",
    "JsonObject",
    "SafeDate",
    "SafeDatetime",
    "Text",
    "Text10",
    "Text20",
    "Text50",
    "Text100",
    "Text200",
    "Text255",
    "Text300",
    "Text500",
    "Text1000",
    "clean_json",
    "clean_text",
]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)

#: Free-form JSON: far below pydantic's JSON depth limit of 200 (a snapshot with
#: ``extra`` at 32 is still well inside it once nested in the event).
JSON_MAX_DEPTH = 32
#: Free-form JSON: values (containers and leaves) in one document.
JSON_MAX_NODES = 10_000
JSON_MAX_KEY = 200
JSON_MAX_STRING = 10_000

# --- text -------------------------------------------------------------------

#: Bidi embeddings/overrides/isolates and zero-width characters are Unicode category
#: Cf; they are refused with every other Cf, Cc (controls), Cs (lone surrogates:
#: JSON allows ``\ud800``, UTF-8 does not) and the line/paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\n\t")
#: ASCII-only fast path: printable ASCII needs no further look.
_PLAIN_ASCII = re.compile(r"[\x20-\x7e]*")


def _refused_char(value: str, multiline: bool) -> str | None:
    """What kind of character ``value`` must not hold, or None."""
    if _PLAIN_ASCII.fullmatch(value) or value.isprintable():
        # isprintable() is False for every character of the refused categories (and for
        # some allowed ones, such as a no-break space, which then take the long way).
        return None
    for ch in value:
        if multiline and ch in _MULTILINE_ALLOWED:
            continue
        category = unicodedata.category(ch)
        if category in _REFUSED_CATEGORIES:
            if ch == "\x00":
                return "a NUL character"
            if ch in "\n\r\t":
                return "a line break or tab (allowed only in free text)"
            if category == "Cc":
                return "a control character"
            if category == "Cs":
                return "a lone surrogate (not valid Unicode text)"
            return "an invisible formatting character (bidi control, zero-width or separator)"
    return None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` in NFC, or a ``text_character`` error saying what kind of character."""
    if value.isprintable():
        # isprintable() is False for every refused category: nothing to refuse. ASCII is
        # NFC already (the common case); normalize() returns NFC text itself, untouched.
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    bad = _refused_char(value, multiline)
    if bad is not None:
        raise PydanticCustomError("text_character", "the text contains {kind}", {"kind": bad})
    return unicodedata.normalize("NFC", value)


def _single_line(value: str) -> str:
    # clean_text's common case inline: one Python call per text field, not two.
    if value.isprintable():
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    return clean_text(value)


def _multi_line(value: str) -> str:
    if value.isprintable():
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    return clean_text(value, multiline=True)


#: The text checks of this module: (max_length or None, multiline). hub.fastcheck
#: replaces them where pydantic-core can tell alone that they would change nothing.
TEXT_CHECKS: dict[Callable[[str], str], tuple[int | None, bool]] = {
    _single_line: (None, False),
    _multi_line: (None, True),
}


def _bounded(max_length: int, *, multiline: bool = False) -> Callable[[str], str]:
    """The text check and the length bound in one Python call (issue #21).

    ``Field(max_length=...)`` on an optional ``Text`` field made pydantic add its own
    Python validator after ours: two calls per field. This one keeps what that pair
    did, in the same order: NFC first, then the length of the normalised text, refused
    with pydantic's own ``too_long`` error (same type, message and context).
    """

    def check(value: str) -> str:
        if value.isprintable():
            if not value.isascii():
                value = unicodedata.normalize("NFC", value)
        else:
            value = clean_text(value, multiline=multiline)
        if len(value) > max_length:
            raise PydanticKnownError(
                "too_long",
                {"field_type": "Value", "max_length": max_length, "actual_length": len(value)},
            )
        return value

    check.__name__ = check.__qualname__ = f"text_max_{max_length}"
    TEXT_CHECKS[check] = (max_length, multiline)
    return check


def _bounded_schema(max_length: int) -> WithJsonSchema:
    return WithJsonSchema({"maxLength": max_length, "type": "string"})


#: One line of text (a name, a code, an address line, a URL). A required field sets
#: ``min_length``/``max_length`` with ``Field``: pydantic-core checks them on the
#: stripped input, before this validator. An optional field uses a ``TextN`` below.
Text = Annotated[str, AfterValidator(_single_line)]
#: Multi-line free text (trích yếu, nội dung xử lý): ``\n`` and ``\t`` allowed.
FreeText = Annotated[str, AfterValidator(_multi_line)]

#: ``Text`` of at most N characters once normalised (NFC), refused as ``too_long``.
Text10 = Annotated[str, AfterValidator(_bounded(10)), _bounded_schema(10)]
Text20 = Annotated[str, AfterValidator(_bounded(20)), _bounded_schema(20)]
Text50 = Annotated[str, AfterValidator(_bounded(50)), _bounded_schema(50)]
Text100 = Annotated[str, AfterValidator(_bounded(100)), _bounded_schema(100)]
Text200 = Annotated[str, AfterValidator(_bounded(200)), _bounded_schema(200)]
Text255 = Annotated[str, AfterValidator(_bounded(255)), _bounded_schema(255)]
Text300 = Annotated[str, AfterValidator(_bounded(300)), _bounded_schema(300)]
Text500 = Annotated[str, AfterValidator(_bounded(500)), _bounded_schema(500)]
Text1000 = Annotated[str, AfterValidator(_bounded(1000)), _bounded_schema(1000)]
#: ``FreeText`` of at most 2000 characters once normalised.
FreeText2000 = Annotated[str, AfterValidator(_bounded(2000, multiline=True)), _bounded_schema(2000)]

# --- numbers and dates --------------------------------------------------------

#: A non-negative amount (VND) or size (bytes) the database's BIGINT holds.
Amount = Annotated[int, Field(ge=0, le=INT64_MAX)]
#: A positive count or sequence number the database's BIGINT holds.
Count = Annotated[int, Field(ge=1, le=INT64_MAX)]


#: Asia/Ho_Chi_Minh has had no DST since 1975: a fixed offset needs no tzdata.
_VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def _date_range(value: date) -> date:
    """The date within 1900-2100; a time without a UTC offset is the province's wall
    clock (Vietnam, +07:00), made aware so that every time of an event compares with
    every other (a naive and an aware one cannot)."""
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise PydanticCustomError(
            "date_range", "the date must be between 1900-01-01 and 2100-12-31"
        )
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=_VIETNAM)
    return value


def vietnam_today() -> date:
    """Today in Vietnam, whatever the server's time zone: from 17:00 UTC it is already
    tomorrow there, and "today" for a ministry or a birth registered tonight is that day."""
    return datetime.now(_VIETNAM).date()


def _birth_date(value: date) -> date:
    if not MIN_DATE <= value <= vietnam_today():
        raise PydanticCustomError(
            "birth_date_range", "ngày sinh must be between 1900-01-01 and today"
        )
    return value


#: The date range check (see hub.fastcheck).
DATE_CHECKS: frozenset[Callable[[Any], Any]] = frozenset({_date_range})

SafeDate = Annotated[date, AfterValidator(_date_range)]
SafeDatetime = Annotated[datetime, AfterValidator(_date_range)]
BirthDate = Annotated[date, AfterValidator(_birth_date)]

# --- CCCD / CMND --------------------------------------------------------------

#: The 63 province codes that open a 12-digit CCCD number: Thông tư 59/2021/TT-BCA,
#: Phụ lục I "Danh mục mã tỉnh, thành phố trực thuộc trung ương" (the pre-July-2025
#: provinces; numbers issued since keep the codes of the province of birth
#: registration, so the list stays valid for every number in circulation).
CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

_ID_NUMBER = re.compile(r"[0-9]{12}|[0-9]{9}")


def _check_id_number(value: str) -> str:
    # [0-9], not \d: \d also matches fullwidth and Arabic-Indic digits.
    if _ID_NUMBER.fullmatch(value) is None:
        raise PydanticCustomError(
            "id_number_format",
            "số giấy tờ must be a 12-digit CCCD or a 9-digit CMND, ASCII digits 0-9 only",
        )
    if value.count("0") == len(value):
        raise PydanticCustomError("id_number_zero", "số giấy tờ cannot be all zeros")
    if len(value) == 12 and value[:3] not in CCCD_PROVINCES:
        raise PydanticCustomError(
            "id_number_province",
            "the first 3 digits of a CCCD must be a province code (Thông tư 59/2021/TT-BCA)",
        )
    return value


#: A CCCD (12 digits, a province code first) or a CMND (9 digits).
IdNumber = Annotated[str, Field(max_length=12), AfterValidator(_check_id_number)]

# --- free-form JSON -------------------------------------------------------------


def _json_error(kind: str, where: list[str | int], detail: str) -> PydanticCustomError:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)
    return PydanticCustomError(
        kind, "{detail} (at {path})", {"detail": detail, "path": path.lstrip(".") or "(top)"}
    )


_SAFE_KEY = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def _shown(key: str) -> str:
    """A key as it may appear in a message: e-form field names yes, anything else no."""
    return key if _SAFE_KEY.fullmatch(key) else "?"


def clean_json(value: Any) -> Any:
    """``value`` (parsed JSON) checked and with its text in NFC; errors name the path.

    Iterative, so a document nested thousands deep is refused without recursion.
    """
    nodes = 0

    def leaf(item: Any, where: list[str | int]) -> Any:
        if isinstance(item, str):
            if len(item) > JSON_MAX_STRING:
                raise _json_error(
                    "json_string_too_long", where, f"a string is over {JSON_MAX_STRING} characters"
                )
            try:
                return clean_text(item, multiline=True)
            except PydanticCustomError as exc:
                raise _json_error("json_text_character", where, exc.message()) from None
        if isinstance(item, bool) or item is None:
            return item
        if isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise _json_error("json_int_range", where, "an integer is outside 64 bits")
            return item
        if isinstance(item, float):
            if not math.isfinite(item):
                raise _json_error("json_not_finite", where, "NaN and Infinity are not JSON")
            return item
        raise _json_error("json_type", where, f"{type(item).__name__} is not a JSON value")

    root: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else []
    # (source container, target container, path, depth)
    stack: list[tuple[Any, Any, list[str | int], int]] = [(value, root, [], 1)]
    while stack:
        source, target, where, depth = stack.pop()
        if depth > JSON_MAX_DEPTH:
            raise _json_error(
                "json_too_deep", where, f"free-form data is nested over {JSON_MAX_DEPTH} levels"
            )
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            nodes += 1
            if nodes > JSON_MAX_NODES:
                raise _json_error(
                    "json_too_large", where, f"free-form data holds over {JSON_MAX_NODES} values"
                )
            if isinstance(key, str):
                if len(key) > JSON_MAX_KEY:
                    raise _json_error("json_key", where, f"a key is over {JSON_MAX_KEY} characters")
                try:
                    key = clean_text(key)
                except PydanticCustomError:
                    raise _json_error(
                        "json_key", where, "a key contains a control or invisible character"
                    ) from None
            here = [*where, _shown(key) if isinstance(key, str) else key]
            if isinstance(item, (dict, list, tuple)):
                child: Any = {} if isinstance(item, dict) else []
                stack.append((item, child, here, depth + 1))
                out = child
            else:
                out = leaf(item, here)
            if isinstance(target, dict):
                target[key] = out
            else:
                target.append(out)
    return root


def _check_json_object(value: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = clean_json(value)
    return cleaned


#: Free-form data (``extra``): a JSON object the store, the worker and pydantic's
#: JSON parser can read back.
JsonObject = Annotated[dict[str, Any], AfterValidator(_check_json_object)]
