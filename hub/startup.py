"""What a long-running process (``serve``, ``worker``) does once, at its first start-up."""

from __future__ import annotations

import gc

_FROZEN: list[bool] = []


def freeze_start_up_objects() -> None:
    """Once per process: what is alive at the first start-up (modules, schemas, settings,
    the hub and its connectors, the app) lives as long as the process, so the cyclic
    garbage collector stops walking it (``gc.freeze``). Ingest and delivery allocate
    enough models, rows and dicts to start a collection every request or so, and a full
    one walked every object of the process: about a sixth of the API's CPU per event
    (measured). Garbage first (``gc.collect``): only live objects are frozen."""
    if not _FROZEN:
        _FROZEN.append(True)
        gc.collect()
        gc.freeze()
