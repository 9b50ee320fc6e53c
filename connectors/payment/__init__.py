"""Online payment of fees through PayGov (Nền tảng thanh toán, Cổng DVCQG): the plugin.

Named in the ``tthc_hub`` entry-point group; configured by ``[connectors.payment]``
(``settings.py``). A status-6 event ("Yêu cầu thực hiện nghĩa vụ tài chính") routed to
``payment`` sends INIT for the fees the dossier owes; PayGov's Confirm notice comes to
``POST /api/v1/payment/confirm`` (``routes.py``); ``tthc-hub payment ...`` shows a
dossier's payments, queries an attempt, sweeps pending ones and reconciles a day's
transactions (``commands.py``); the hub's scheduler runs the sweep every
``sweep_every_seconds`` (``register_periodic_jobs``). See ``contract/README.md`` for the protocol.

Every ``tthc-hub`` start loads this module; the connector, httpx and FastAPI are
imported inside the hooks only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from hub.sdk import hookimpl

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from hub.sdk import ConnectorInfo, DemoScenario, Hub, HubSettings, PeriodicJob

    from .connector import PaymentConnector

__all__ = [
    "describe_connectors",
    "register_commands",
    "register_connectors",
    "register_demo_scenarios",
    "register_periodic_jobs",
    "register_routes",
]


@hookimpl
def describe_connectors() -> list[ConnectorInfo]:
    from hub.sdk import ConnectorInfo

    from .connector import PaymentConnector
    from .settings import PaymentSettings

    return [ConnectorInfo.of(PaymentConnector, PaymentSettings)]


@hookimpl
def register_connectors(settings: HubSettings) -> list[PaymentConnector]:
    from hub.sdk import connector_settings

    from .settings import PaymentSettings

    mine = connector_settings(settings, "payment", PaymentSettings)
    if mine is None:
        return []
    from .connector import PaymentConnector

    return [PaymentConnector(mine)]


@hookimpl
def register_routes(hub: Hub) -> dict[str, APIRouter]:
    from .routes import build

    return {"payment": build(hub)}


@hookimpl
def register_periodic_jobs(hub: Hub) -> dict[str, list[PeriodicJob]]:
    connector = cast("PaymentConnector | None", hub.connectors.get("payment"))
    if connector is None:  # not enabled: nothing to schedule
        return {}
    from hub.sdk import PeriodicJob

    from .ledger import sweep

    return {"payment": [PeriodicJob("sweep", connector.settings.sweep_every_seconds, sweep)]}


@hookimpl
def register_commands() -> dict[str, typer.Typer]:
    from .commands import app

    return {"payment": app}


@hookimpl
def register_demo_scenarios() -> list[DemoScenario]:
    from .demo import PaymentDemo

    return [PaymentDemo()]
