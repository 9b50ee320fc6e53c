"""hub.fields lets a printable string through without looking at each character
(``str.isprintable``): that is sound only if no character of a refused category is
printable. Checked over every code point."""

from __future__ import annotations

import sys
import unicodedata

from hub.fields import _REFUSED_CATEGORIES, clean_text


def test_no_refused_character_is_printable() -> None:
    leaks = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in _REFUSED_CATEGORIES and chr(cp).isprintable()
    ]
    assert leaks == []


def test_vietnamese_text_passes_and_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert clean_text(decomposed) == "Nguyễn Thị Ánh"
