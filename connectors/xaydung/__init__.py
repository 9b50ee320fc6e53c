"""Bộ Xây dựng connectors: the plugin module of two national systems.

* ``xaydung_capphep``: Hệ thống cấp phép xây dựng toàn quốc (construction permits);
* ``xaydung_quyhoach``: Hệ thống cung cấp thông tin quy hoạch toàn quốc (planning
  information).

Two connectors, not one with two targets: the systems have their own addresses, keys,
contracts and listings, so each has its own settings, routes, jobs, circuit breaker and
reconciliation run (contract/README.md). Named in the ``tthc_hub`` entry-point group;
configured by::

    [connectors.xaydung_capphep]
    base_url = "https://capphep.example.gov.vn"
    api_key = "..."        # or TTHC_HUB_CONNECTORS__XAYDUNG_CAPPHEP__API_KEY

    [connectors.xaydung_quyhoach]
    base_url = "https://quyhoach.example.gov.vn"
    api_key = "..."        # or TTHC_HUB_CONNECTORS__XAYDUNG_QUYHOACH__API_KEY

Every ``tthc-hub`` start loads this module; the connectors, httpx and pydantic are
imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.sdk import hookimpl

if TYPE_CHECKING:
    from hub.sdk import ConnectorInfo, DemoScenario, HubSettings

    from .connector import CapPhepConnector, QuyHoachConnector

__all__ = [
    "CapPhepConnector",
    "CapPhepSettings",
    "QuyHoachConnector",
    "QuyHoachSettings",
    "describe_connectors",
    "register_connectors",
    "register_demo_scenarios",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import CapPhepConnector, QuyHoachConnector
    from .settings import CapPhepSettings, QuyHoachSettings

    return [
        ConnectorInfo.of(CapPhepConnector, CapPhepSettings),
        ConnectorInfo.of(QuyHoachConnector, QuyHoachSettings),
    ]


@hookimpl
def register_connectors(settings: HubSettings) -> list[CapPhepConnector | QuyHoachConnector]:
    from hub.sdk import connector_settings

    from .connector import CapPhepConnector, QuyHoachConnector
    from .settings import CapPhepSettings, QuyHoachSettings

    out: list[CapPhepConnector | QuyHoachConnector] = []
    capphep = connector_settings(settings, CapPhepConnector.name, CapPhepSettings)
    if capphep is not None:
        out.append(CapPhepConnector(capphep))
    quyhoach = connector_settings(settings, QuyHoachConnector.name, QuyHoachSettings)
    if quyhoach is not None:
        out.append(QuyHoachConnector(quyhoach))
    return out


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import XaydungDemo

    return [XaydungDemo()]


_LAZY = {
    "CapPhepConnector": "connector",
    "QuyHoachConnector": "connector",
    "CapPhepSettings": "settings",
    "QuyHoachSettings": "settings",
}


def __getattr__(name: str) -> Any:  # the classes, imported on first use
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
