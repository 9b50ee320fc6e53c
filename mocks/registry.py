"""The bundled mocks' plugin module: the ``register_mocks`` hook (docs/hooks.md).

Named in the ``tthc_hub`` entry-point group (``mocks = "mocks.registry"``), exactly as a
third-party connector package registers its mock, so ``tthc-hub mocks serve`` and the
demo find the bundled mocks and any other installed one the same way. Each mock is
imported when its factory is called, not when the mocks are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from hub.sdk import hookimpl

__all__ = ["BUNDLED", "register_mocks"]

#: mock name -> the module whose ``create_app`` builds it.
BUNDLED = {
    "dkdn": "mocks.dkdn.app",
    "hotich": "mocks.hotich.app",
    "lienthong": "mocks.lienthong.app",
    "molisa": "mocks.molisa.app",
    "dvcqg": "mocks.dvcqg.app",
    "monre": "mocks.monre.app",
    "xaydung_capphep": "mocks.xaydung.capphep",
    "xaydung_quyhoach": "mocks.xaydung.quyhoach",
    "ngansach": "mocks.ngansach.app",
    "payment": "mocks.payment.app",
    "vantai": "mocks.vantai.app",
    "bcci": "mocks.bcci.app",
}


def _factory(module: str) -> Callable[..., Any]:
    def create_app(*args: Any, **kwargs: Any) -> Any:
        return import_module(module).create_app(*args, **kwargs)

    create_app.__qualname__ = f"{module}.create_app"
    return create_app


@hookimpl
def register_mocks() -> dict[str, Callable[..., Any]]:
    return {name: _factory(module) for name, module in BUNDLED.items()}
