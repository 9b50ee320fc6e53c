"""Masking of personal data (Nghị định 13/2023/NĐ-CP) in logs, errors and excerpts.

Two layers:

* by key: values under keys that name personal data (``ho_ten``, ``HoVaTen``,
  ``so_giay_to``, ``CMND``, ``NgayThangNamSinh``, ``SoDienThoai`` ...) are masked
  whatever they look like; names can only be caught this way;
* by shape: in any other text, 12- and 9-digit numbers (CCCD/CMND), phone
  numbers and calendar dates that are not timestamps are masked.

Masked values keep a hint for a person matching records by eye (the last three
digits of a number, the initials of a name) and never the whole value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, MutableMapping
from functools import lru_cache
from typing import Any

__all__ = [
    "PERSONAL_KEYS",
    "mask_excerpt",
    "mask_name",
    "mask_number",
    "mask_record",
    "mask_text",
    "mask_value",
    "structlog_processor",
]

#: Keys (compared case-insensitively, without ``_``) whose values are personal data.
PERSONAL_KEYS = frozenset(
    k.lower().replace("_", "")
    for k in (
        # canonical model
        "ho_ten",
        "so_giay_to",
        "ngay_sinh",
        "so_dien_thoai",
        "email",
        "chi_tiet",
        # ministry payloads (DVCQG, MOLISA, hộ tịch, PayGov, VNPost)
        "HoVaTen",
        "HoTen",
        "ChuHoSo",
        "CMND",
        "CCCD",
        "SoCMND",
        "SoDinhDanh",
        "SoGiayToChuHoSo",
        "NgayThangNamSinh",
        "NgaySinh",
        "SoDienThoai",
        "DienThoai",
        "Email",
        "HKTT_ChiTiet",
        "NOHT_ChiTiet",
        "DiaChi",
        "DiaChiChiTiet",
        "HoTenNguoiNop",
        "SoCMNDNguoiNop",
        "DiaChiNguoiNop",
        "SenderName",
        "SenderTel",
        "SenderAddress",
        "ReceiverName",
        "ReceiverTel",
        "ReceiverAddress",
        "SoTaiKhoan",
        "NguoiXuLy",
        "full_name",
        "phone",
        "birth_date",
        "id_number",
        # the person who represents a business (look-ups of the business register)
        "dai_dien",
        "NguoiDaiDien",
        # free-text summaries name the citizen ("... - Nguyễn Văn An")
        "trich_yeu",
        "TrichYeuHoSo",
        "TrichYeu",
    )
)
_NAME_KEYS = frozenset(
    k.lower().replace("_", "")
    for k in (
        "ho_ten",
        "HoVaTen",
        "HoTen",
        "ChuHoSo",
        "HoTenNguoiNop",
        "SenderName",
        "ReceiverName",
        "NguoiXuLy",
        "full_name",
        "dai_dien",
        "NguoiDaiDien",
    )
)

# A run of 9 or 12 digits standing alone (CCCD/CMND); phone numbers: 0 or +84
# and 9-10 digits; dates dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd (not followed by a
# time: timestamps are not personal) and yyyyMMdd that start with 19 or 20.
_ID_RE = re.compile(r"(?<![\d.])(\d{12}|\d{9})(?![\d.])")
_PHONE_RE = re.compile(
    r"(?<![\d:A-Za-z])(?:\+84[ .\-]?|0)(?:\d{9,10}|\d{2,4}[ .\-]\d{3}[ .\-]\d{3,4})(?!\d)"
)
# A date followed by a time of day is a timestamp (ngày tiếp nhận ...), not a birth date.
# The time's minutes end there: "11:550123456789" is not a time (and its digits are a
# number to mask, which would leave the date's exemption to a second pass).
_DMY_RE = re.compile(r"(?<!\d)\d{1,2}[/\-.]\d{1,2}[/\-.](?:19|20)\d{2}(?!\d| \d{1,2}:\d{2}(?!\d))")
_YMD_RE = re.compile(r"(?<![\d\-])(?:19|20)\d{2}-\d{2}-\d{2}(?![\dT:]| \d{2}:\d{2}(?!\d))")
_COMPACT_DATE_RE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"
)


_NON_DIGIT_RE = re.compile(r"\D")
_DATE_SEPARATOR_RE = re.compile(r"[/\-]")


def mask_number(value: str) -> str:
    """``079201001234`` -> ``*********234``."""
    # \d is the decimal digits (str.isdecimal): most values are digits only already.
    digits = value if value.isdecimal() else _NON_DIGIT_RE.sub("", value)
    if len(digits) <= 3:
        return "*" * len(digits)
    return "*" * (len(digits) - 3) + digits[-3:]


def mask_name(value: str) -> str:
    """``Nguyễn Văn An`` -> ``N*** V** A*``: initials only."""
    return " ".join(w[0] + "*" * max(1, len(w) - 1) for w in value.split() if w)


#: Every pattern above needs six digits, at most one other character apart, and eight
#: characters: text without them is returned as it is without running the five patterns
#: (most fields of a ministry body are short codes, names or empty).
_MAYBE_RE = re.compile(r"\d(?:\D?\d){5}")


#: The five shapes as one pattern, tried in this order at each position: one scan of the
#: text instead of five. A phone number comes first, as before, so that "0912 345 678"
#: is masked as a phone, not in pieces. The leading look-ahead lets the scan skip every
#: position that is not a digit or "+" before trying the look-behinds (measured on a
#: 1 kB XML field of a MOLISA body: 50 us instead of 260 for the five patterns).
_SHAPE_RE = re.compile(
    r"(?=[+\d])(?:"
    + "|".join(
        f"(?P<{name}>{pattern.pattern})"
        for name, pattern in (
            ("phone", _PHONE_RE),
            ("id", _ID_RE),
            ("dmy", _DMY_RE),
            ("ymd", _YMD_RE),
            ("compact", _COMPACT_DATE_RE),
        )
    )
    + ")"
)
_SHAPE_MASKS = {"dmy": "**/**/****", "ymd": "****-**-**", "compact": "********"}


def _mask_shape(m: re.Match[str]) -> str:
    fixed = _SHAPE_MASKS.get(m.lastgroup or "")
    return fixed if fixed is not None else mask_number(m.group(0))


#: Where a shape can be, in a long text. Every character of a match is a digit or one
#: of `` ./-``, but its first, which may be ``+``; a match is at least eight characters
#: long, and its look-aheads read at most seven characters past its end. So every match
#: lies inside one run of eight or more such characters that starts with a digit or
#: ``+`` (these patterns: the regex engine skips the other characters in a C loop; in
#: ASCII text ``\d`` is ``[0-9]``, a cheaper test), the shapes are tried only inside
#: the runs, seeing the run's next ``_AFTER`` characters too (where no match fits). A
#: 1 kB ministry field of hashes and links is then one quick scan and a few short runs,
#: not the five shapes tried at every digit; a short text is scanned at once, as a
#: loop over its runs costs more than it saves there. Both give what one scan of the
#: whole text gives (tests/unit/test_masking_single_pass.py).
_RUN_RE = re.compile(r"[+\d][\d ./\-]{7,}")
_ASCII_RUN_RE = re.compile(r"[+0-9][0-9 ./\-]{7,}")
_AFTER = 7
_SHORT = 64
_DMY_YEAR_RE = re.compile(r"[/\-.](?:19|20)\d{2}")
#: Two forms every ministry body carries that no shape can match, kept without the scan
#: (about 3.5 us each, the scan): a timestamp ``dd/MM/yyyy HH:mm:ss`` (its only date is
#: followed by a time of day, so it is no birth date, and it has no run of more than four
#: digits and no two of `` .-``) and a national dossier code
#: ``000.00.22.H34-251013-0001`` (runs of at most six digits, no ``/``, no ``19xx-``
#: or ``20xx-``, no two groups of three digits after a separator). ASCII digits only;
#: tests/unit/test_masking_single_pass.py checks both forms against the scan.
_VERBATIM_RE = re.compile(
    r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"|[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}"
)


def mask_text(text: str) -> str:
    """Mask identity numbers, phone numbers and dates found in free text.

    Masking can uncover a shape: a phone number glued to a birth date
    ("01/06/1948+84912345678") is no phone while a digit precedes it, and is one once the
    date is masked. So a text in which something was masked is scanned again until
    nothing more is found: what is left visible matches no shape (each pass that
    changes the text masks at least one digit, so this ends; two passes in practice)."""
    masked = _mask_once(text)
    while masked is not text and masked != text:
        text, masked = masked, _mask_once(masked)
    return masked


def _mask_once(text: str) -> str:
    """One scan of ``text``; ``text`` itself (the same object) when nothing is masked."""
    if len(text) < _SHORT:
        if len(text) < 8 or _MAYBE_RE.search(text) is None or _VERBATIM_RE.fullmatch(text):
            return text
        masked, found = _SHAPE_RE.subn(_mask_shape, text)
        return masked if found else text
    pieces: list[str] = []
    done = 0
    size = len(text)
    for run in (_ASCII_RUN_RE if text.isascii() else _RUN_RE).finditer(text):
        end = run.end()
        chars = run.group()
        # A match lies inside its run and holds eight digits or more (a phone, a number,
        # ymd, compact) or a year after a separator (dmy): a run with neither, such as
        # the "000.00.22." of a dossier code in a link, is not scanned.
        if (
            len(chars) - chars.count(".") - chars.count("/") - chars.count("-")
            - chars.count(" ") < 8
            and _DMY_YEAR_RE.search(chars) is None
        ):  # fmt: skip
            continue
        for m in _SHAPE_RE.finditer(text, run.start(), min(size, end + _AFTER)):
            if m.start() >= end:  # none can (see above); the next run would find it
                break
            pieces.append(text[done : m.start()])
            pieces.append(_mask_shape(m))
            done = m.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _mask_personal(key: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if isinstance(value, (dict, list)):
        # A whole sub-object under a personal key (e.g. "DiaChi": {...}): mask every leaf.
        return _mask_all(value)
    text = str(value)
    if key in _NAME_KEYS:
        return mask_name(text)
    if "ngaysinh" in key or "birth" in key:
        return "**/**/****"  # no digit of a birth date is kept
    if any(map(str.isdigit, text)) and not any(map(str.isalpha, text)):
        if len(text) <= 10 and _DATE_SEPARATOR_RE.search(text):
            return "**/**/****"
        return mask_number(text)
    return "***"


def _mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    return "***" if value not in (None, "") else value


#: Key endings that name personal data in prefixed ministry fields (hộ tịch: ``nksHoTen``,
#: ``meNgaySinh``, ``chaSoGiayTo``, ``nycSoDienThoai`` ...).
_PERSONAL_SUFFIXES = (
    "hoten",
    "ngaysinh",
    "sogiayto",
    "sodinhdanh",
    "sodienthoai",
    "socmnd",
    "socccd",
    "diachi",
    "noicutru",
    "noithuongtru",
)
_NAME_SUFFIXES = ("hoten",)


@lru_cache(maxsize=4096)
def _personal_key(key: str) -> str | None:
    """The normalised key when it names personal data, else None."""
    norm = key.lower().replace("_", "")
    if norm in PERSONAL_KEYS or norm.endswith(_PERSONAL_SUFFIXES):
        return "hoten" if norm.endswith(_NAME_SUFFIXES) else norm
    return None


def mask_value(value: Any, key: str | None = None) -> Any:
    """Mask a structure: personal keys by key, every other string by shape."""
    personal = _personal_key(key) if key is not None else None
    if personal is not None:
        return _mask_personal(personal, value)
    kind = type(value)  # the common JSON types first, by identity (the hot path)
    if kind is str:
        return mask_text(value)
    if kind is dict or isinstance(value, Mapping):
        return _mask_mapping(value)
    if kind is list or isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) in (9, 12):
        return mask_number(str(value))
    return value


def _mask_mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
    """:func:`mask_value` of each item, its key naming it: a ministry body is a flat
    mapping of short strings, so strings are handled here without a call per item."""
    out = {}
    personal_key = _personal_key
    for k, v in value.items():
        personal = personal_key(k if type(k) is str else str(k))
        if personal is not None:
            out[k] = _mask_personal(personal, v)
        elif type(v) is str:
            out[k] = v if len(v) < 8 else mask_text(v)
        else:
            out[k] = mask_value(v)
    return out


#: Keys whose values are references or digests, never personal: kept as they are by
#: :func:`mask_record` (nine digits in a row inside a sha256 are not a CMND).
_REFERENCE_KEYS = frozenset(
    {"sha256", "file_ref", "url", "idempotency_key", "remote_id", "ma_ho_so", "ma_tthc"}
)
#: A value that is a date and nothing else: its key says whether it is personal.
_BARE_DATE_RE = re.compile(
    r"\d{1,2}[/\-.]\d{1,2}[/\-.]\d{4}|\d{4}-\d{2}-\d{2}|(?:19|20)\d{2}[01]\d[0-3]\d"
)


def mask_record(value: Any, key: str | None = None) -> Any:
    """Mask a structured record (an API answer: a dossier, an inbox item, an update).

    As :func:`mask_value` — personal keys by key, other strings by shape — except
    that a value which is only a date is judged by its key alone (``ngay_hen_tra``
    is shown, ``ngay_sinh`` and ``meNgaySinh`` are not) and references and digests
    (``sha256``, ``file_ref``, ``ma_ho_so`` ...) are kept: a record's dates and
    references are what its reader needs, and its birth dates are always named.
    """
    if key is not None:
        if _personal_key(key) is not None:
            return _mask_person(value) if isinstance(value, Mapping) else mask_value(value, key)
        if key.lower() in _REFERENCE_KEYS and isinstance(value, str):
            return value
    if isinstance(value, Mapping):
        return {k: mask_record(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_record(v) for v in value]
    if isinstance(value, str) and _BARE_DATE_RE.fullmatch(value.strip()):
        return value
    return mask_value(value)


def _mask_person(person: Mapping[str, Any]) -> dict[str, Any]:
    """A record under a personal key (``chu_ho_so``: a party): each field by its own key;
    a field no key names is masked whole, but for small codes (``gioi_tinh``: 1)."""
    out: dict[str, Any] = {}
    for k, v in person.items():
        if _personal_key(str(k)) is not None:
            out[k] = mask_record(v, str(k))
        elif isinstance(v, (bool, int)) and len(str(abs(int(v)))) < 6:
            out[k] = v
        else:
            out[k] = _mask_all(v)
    return out


def mask_excerpt(payload: Any, limit: int = 2000, names: Iterable[str] = ()) -> str:
    """A masked, bounded excerpt of a request or response body, for the attempts log.

    JSON bodies (as text or as objects) are masked by key and by shape; other
    text by shape only. ``names`` (the parties of the dossier, when known) are
    replaced by their initials wherever they appear. Cut to ``limit`` characters.
    """
    text = _mask_excerpt(payload)
    if not names:
        return _cut(text, limit)
    # A name can match (case-insensitively) only where its case-folded form is in the
    # case-folded text: most excerpts are masked by key already and skip the pattern.
    folded = text.casefold()
    wanted = {
        n.strip(): mask_name(n) for n in names if n and n.strip() and n.strip().casefold() in folded
    }
    if wanted:
        text = _names_re(tuple(wanted)).sub(lambda m: _name_mask(m, wanted), text)
    return _cut(text, limit)


@lru_cache(maxsize=256)
def _names_re(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for all the parties' names (one scan): longer names first, so that
    "Nguyễn Văn An" is masked whole before a party called "Nguyễn Văn" is tried."""
    ordered = sorted(names, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE)


def _name_mask(m: re.Match[str], masks: dict[str, str]) -> str:
    found = m.group(0)
    mask = masks.get(found)
    if mask is None:  # matched in another case: the name it matches, case-insensitively
        low = found.casefold()
        mask = next((v for k, v in masks.items() if k.casefold() == low), mask_name(found))
    return mask


def _mask_excerpt(payload: Any) -> str:
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    if isinstance(payload, str):
        try:
            parsed = json.loads(payload)
        except ValueError:
            return mask_text(payload)
        payload = parsed
    return json.dumps(mask_value(payload), ensure_ascii=False, default=str)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Keys structlog adds itself; never personal, and the timestamp must stay readable.
_LOG_META_KEYS = frozenset({"timestamp", "level", "logger", "log_level"})


def structlog_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: mask every value of the event dict before rendering."""
    for key, value in list(event_dict.items()):
        if key in _LOG_META_KEYS:
            continue
        if key == "exc_info":  # rendered into "exception" (masked) by format_exc_info first
            continue
        event_dict[key] = mask_value(value, key)
    return event_dict
