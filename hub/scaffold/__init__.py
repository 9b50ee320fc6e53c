"""``tthc-hub new-connector``: generate a standalone, installable connector package.

The package is rendered from the Jinja2 templates under ``hub/scaffold/templates/``
for one of three styles (``rest-key``, ``rest-session``, ``soap``) and the chosen
capabilities. It installs with ``pip install -e`` and passes the conformance suite
at once; the places where the ministry's own fields go are marked ``TODO``.
See docs/connector-tutorial.md.
"""

from hub.scaffold.generator import CAPABILITIES, STYLES, ScaffoldError, generate, parse_caps

__all__ = ["CAPABILITIES", "STYLES", "ScaffoldError", "generate", "parse_caps"]
