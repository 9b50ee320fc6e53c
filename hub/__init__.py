"""tthc-hub: the integration hub between a province's one-stop-shop and the ministries.

Plugins implement the hooks of :mod:`hub.hookspecs` with :data:`hookimpl`.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

#: Marker for hook implementations in connector plugins.
hookimpl = pluggy.HookimplMarker("tthc_hub")

__all__ = ["__version__", "hookimpl"]
