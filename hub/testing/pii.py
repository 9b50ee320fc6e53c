"""Find the personal data of known dossiers in rendered text.

The masking in :mod:`hub.masking` works by key and by shape; this module checks
the outcome from the other side: given text the hub produced (log lines, error
messages, stored excerpts, reports) and the dossiers whose data must not leak,
it looks for those exact values in every form a ministry or a renderer might
write them. Used by the conformance suite and the whole-suite PII scan.

Each leak is described without repeating the value, e.g. ``"CCCD of chủ hồ sơ
of dossier 000.00.22.H34-250917-0001 at offset 120"``, so the report of a
failing test does not leak what it found.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date

from hub.models import Dossier, Party

__all__ = ["find_personal_data", "fold"]

#: The formats ministries and renderers write a birth date in.
_DATE_FORMATS = {
    "dd/MM/yyyy": "{d:%d/%m/%Y}",
    "d/M/yyyy": "{d.day}/{d.month}/{d.year}",
    "dd-MM-yyyy": "{d:%d-%m-%Y}",
    "yyyy-MM-dd": "{d:%Y-%m-%d}",
    "yyyyMMdd": "{d:%Y%m%d}",
}


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one: ``Đặng`` -> ``dang``.

    The text is NFC-normalised first; offsets in the folded text are offsets in
    the NFC text.
    """
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", char)[0].lower()
        out.append(base[0] if base else char)
    return "".join(out)


def _digits_pattern(digits: str, *, separators: bool = False) -> str:
    sep = r"[ .\-]?" if separators else ""
    return sep.join(re.escape(c) for c in digits)


def _party_patterns(party: Party) -> Iterator[tuple[str, re.Pattern[str], bool]]:
    """(kind, pattern, on folded text) for each personal value of ``party``."""
    if party.so_giay_to:
        kind = "CCCD" if len(party.so_giay_to) == 12 else "CMND"
        yield kind, re.compile(rf"(?<!\d){re.escape(party.so_giay_to)}(?!\d)"), False
    if party.so_dien_thoai:
        national = re.sub(r"\D", "", party.so_dien_thoai)
        national = national[2:] if party.so_dien_thoai.startswith("+84") else national[1:]
        # 0912345678, 0912 345 678, 091.234.5678, +84 912 345 678, 84912345678
        body = _digits_pattern(national, separators=True)
        yield (
            "phone number",
            re.compile(rf"(?<![\d+])(?:0|\+?84[ .\-]?|\(\+?84\)[ .\-]?)[ .\-]?{body}(?!\d)"),
            False,
        )
    if party.ngay_sinh:
        for label, form in _DATE_FORMATS.items():
            text = form.format(d=party.ngay_sinh)
            yield f"birth date ({label})", re.compile(rf"(?<!\d){re.escape(text)}(?!\d)"), False
    if party.ho_ten:
        words = fold(party.ho_ten).split()
        name = r"\s+".join(re.escape(w) for w in words)
        yield "full name", re.compile(rf"(?<!\w){name}(?!\w)"), True


def _parties(dossier: Dossier) -> Iterator[tuple[str, Party]]:
    yield "chủ hồ sơ", dossier.chu_ho_so
    if dossier.nguoi_nop is not None:
        yield "người nộp", dossier.nguoi_nop


_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _views(text: str) -> Iterator[tuple[str, str]]:
    """The text, and decoded when it holds ``\\uXXXX`` escapes (JSON with ensure_ascii)."""
    yield "", unicodedata.normalize("NFC", text)
    if _ESCAPE_RE.search(text):
        decoded = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
        yield " (\\u-escaped)", unicodedata.normalize("NFC", decoded)


def find_personal_data(text: str, dossiers: Iterable[Dossier]) -> list[str]:
    """Describe every personal value of ``dossiers`` found in ``text``; [] when none.

    Looks for exact CCCD/CMND numbers; phone numbers, also written with spaces,
    dots or dashes and with +84; birth dates as dd/MM/yyyy, d/M/yyyy,
    dd-MM-yyyy, yyyy-MM-dd and yyyyMMdd; full names case-insensitively, with or
    without diacritics. The descriptions name the kind, the dossier and the
    offset, never the value.
    """
    if not text:
        return []
    leaks: list[str] = []
    seen: set[tuple[str, str, int]] = set()
    views = list(_views(text))
    for dossier in dossiers:
        for role, party in _parties(dossier):
            for kind, pattern, folded in _party_patterns(party):
                for note, view in views:
                    haystack = fold(view) if folded else view
                    for match in pattern.finditer(haystack):
                        # d/M/yyyy and dd/MM/yyyy can match the same text: report it once.
                        key = (kind.split(" (")[0], dossier.ma_ho_so, match.start())
                        if key in seen:
                            continue
                        seen.add(key)
                        leaks.append(
                            f"{kind} of {role} of dossier {dossier.ma_ho_so} "
                            f"at offset {match.start()}{note}"
                        )
    return leaks


def birth_date_forms(value: date) -> list[str]:
    """The written forms of a birth date that :func:`find_personal_data` looks for."""
    return [form.format(d=value) for form in _DATE_FORMATS.values()]
