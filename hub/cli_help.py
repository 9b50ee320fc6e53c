"""The command line's help in the reader's language.

The help strings in the code (docstrings, ``help=``) are English. At start-up,
:func:`localize` walks the Click tree Typer built and, for Vietnamese (the default;
``--lang en`` or ``TTHC_HUB_LANG=en`` for English), puts each command's and option's
Vietnamese words in place, from :data:`HELP_VI` (keyed by the English text, so a phrase
used by ten options is translated once) and from what plugins add with
:func:`add_help_vi`. Click's and Typer's own words ("Usage:", "Show this message and
exit.", "default: ...") are given Vietnamese too.

Plain dicts and a tree walk: no Rich, so ``tthc-hub --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from hub.cli_help_vi import CLICK_VI, HELP_VI

__all__ = ["add_help_vi", "language_of", "localize"]

_PLUGIN_VI: dict[str, str] = {}


def add_help_vi(words: Mapping[str, str]) -> None:
    """Vietnamese help of a plugin's commands: ``{English help text: Vietnamese}``.

    Call it where the plugin builds its Typer app (docs/messages.md)."""
    _PLUGIN_VI.update({_key(k): v for k, v in words.items()})


def language_of(argv: list[str] | None = None) -> str:
    """The language the command line asks for: ``--lang X`` wins over TTHC_HUB_LANG."""
    args = sys.argv[1:] if argv is None else argv
    value = os.environ.get("TTHC_HUB_LANG", "vi")
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
    return "en" if value.lower().startswith("en") else "vi"


def _key(text: str) -> str:
    return " ".join(text.split())


def vi_help(text: str | None) -> str | None:
    """The Vietnamese of one English help text, or the text itself when it has none."""
    if not text:
        return text
    key = _key(text)
    return _PLUGIN_VI.get(key) or HELP_VI.get(key) or text


def localize(command: Any, language: str) -> Any:
    """Put ``language``'s help on ``command`` and every sub-command (in place)."""
    _click_words(language)
    if language != "en":
        _walk(command)
    return command


def _walk(command: Any) -> None:
    from typer._click.core import Context

    command.help = vi_help(command.help)
    if getattr(command, "short_help", None):
        command.short_help = vi_help(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = vi_help(param.help)
    # --help is made on first use with Click's own English words; make it now, in ours.
    help_option = command.get_help_option(Context(command))
    if help_option is not None:
        help_option.help = CLICK_VI["Show this message and exit."]
    for sub in getattr(command, "commands", {}).values():
        _walk(sub)


def _click_words(language: str) -> None:
    """Typer takes its own words ("Options", "default: ...") through ``gettext``; give it
    ours. (Its bundled Click has no such hook: "Usage:" stays.)"""
    import gettext as _gettext

    import typer.core

    def vietnamese(message: str) -> str:
        return CLICK_VI.get(message, message)

    typer.core._ = _gettext.gettext if language == "en" else vietnamese
