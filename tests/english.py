"""A practical detector of English sentences in text meant to be Vietnamese.

Vietnamese words carry diacritics or are short syllables; English sentences are held
together by function words ("the", "is", "must", "not found"). The detector removes
what is code, not prose — `code spans`, 'quoted values', option names (--reason),
identifiers and paths (chu_ho_so.so_dien_thoai, connectors.molisa.accept_key,
./tthc-hub.toml), ALL-CAPS names (CCCD, NAME=VALUE), URLs and numbers — and reports the
English function words that remain. Proper names and technical words that happen to be
function words are allowed by :data:`ALLOWED`, small and explicit.
"""

from __future__ import annotations

import re

#: Words that hold English sentences together and are not Vietnamese syllables
#: ("to", "do", "no", "an", "in", "con" are left out: they are Vietnamese words too).
ENGLISH = frozenset(
    """
    the is are was were be been being must required requires needs need cannot can't
    should will would with this that these those of for from by has have had does
    such unknown refused invalid missing please answered which when where there your
    you it its and or if than into only each every any without after before found not
    sent answer answers shows show list run runs use used using given again already
    about over under between while because what who how why here their them they
    """.split()
)
#: Names and terms that contain one of those words on purpose (none yet needed but kept
#: explicit: add with the reason).
ALLOWED: frozenset[str] = frozenset()

_CODE = re.compile(
    r"`[^`]*`"  # code spans
    r"|'[^']*'"  # quoted values
    r'|"[^"]*"'
    r"|https?://\S+"
    r"|--?[A-Za-z][\w-]*"  # options
    r"|\$\w+"  # environment variables
    r"|\S*[_./=<>{}\[\]@\\|:]\S*"  # identifiers, paths, dotted names, A=B, <x>, a:b
    r"|\b[A-Z][A-Z0-9+&-]+\b"  # ALL-CAPS names and codes
    r"|\b[a-z]+[A-Z]\w*"  # camelCase fields (maHoSo)
    r"|\b[A-Z][a-z]+[A-Z]\w*"  # CamelCase operations (TiepNhanHoSo)
    r"|\w+(?:,\w+)+"  # a list of names without spaces (push,fetch)
    r"|\d\S*"
)
_WORD = re.compile(r"[A-Za-z']+")


def english_words(text: str) -> list[str]:
    """The English function words of ``text`` once code-like spans are removed."""
    prose = _CODE.sub(" ", text)
    found = []
    for word in _WORD.findall(prose):
        lower = word.lower()
        if lower in ENGLISH and lower not in ALLOWED:
            found.append(lower)
    return found


def assert_vietnamese(text: str, where: str) -> None:
    found = english_words(text)
    assert not found, f"English in {where}: {sorted(set(found))}\n{text}"
