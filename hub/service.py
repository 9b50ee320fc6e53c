"""The hub assembled: settings, store, connectors, routing, worker and pulls.

One :class:`Hub` per process. ``tthc-hub serve``, the demo, the API and the
tests all build it the same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from hub.catalog import Catalog, load_catalog
from hub.connector import Capability, Connector
from hub.errors import HubError
from hub.logging import get_logger
from hub.plugins import load_connectors
from hub.routing import Router
from hub.settings import HubSettings
from hub.store.engine import make_engine, schema_is_current, upgrade_schema
from hub.store.store import Store
from hub.worker import Worker

__all__ = ["Hub", "PullOutcome"]

log = get_logger("hub.service")


@dataclass(frozen=True, slots=True)
class PullOutcome:
    connector: str
    pulled: int
    new: int
    acknowledged: int
    error: str | None = None


class Hub:
    def __init__(
        self,
        settings: HubSettings,
        *,
        connectors: dict[str, Connector] | None = None,
        migrate: bool = True,
    ) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        if migrate and not schema_is_current(self.engine):
            upgrade_schema(self.engine)
        self.store = Store(self.engine)
        self.catalog: Catalog = load_catalog(settings.catalog_files)
        self.connectors = connectors if connectors is not None else load_connectors(settings)
        self.router = Router(settings.routes, self.connectors)
        self.worker = Worker(self.store, self.connectors, settings.worker)

    async def aclose(self) -> None:
        for connector in self.connectors.values():
            try:
                await connector.aclose()
            except Exception:  # closing must not hide the real error of a shutdown
                log.exception("connector_close_failed", connector=connector.name)
        self.engine.dispose()

    # --- pulls ------------------------------------------------------------------

    def pull_connectors(self) -> list[str]:
        return [n for n, c in self.connectors.items() if Capability.PULL in c.capabilities]

    async def pull_once(self, name: str, *, max_pages: int = 50) -> PullOutcome:
        """Pull newly filed dossiers from one ministry into the inbox, then acknowledge them.

        The inbox insert and the cursor move are one transaction; the acknowledgement
        comes after, so a crash in between re-pulls the same items, which the inbox
        ignores. Acknowledgements that failed earlier are retried first.
        """
        connector = self.connectors[name]
        pulled = new = acked = 0
        try:
            await self._ack(connector, self.store.unacked(name))
            cursor = self.store.get_cursor(name)
            for _ in range(max_pages):
                batch = await connector.pull(cursor)
                pulled += len(batch.items)
                new += await asyncio.to_thread(
                    self.store.store_pulled, name, batch.items, batch.cursor
                )
                acked += await self._ack(connector, [i.remote_id for i in batch.items])
                cursor = batch.cursor
                if not batch.more or not batch.items:
                    break
        except HubError as exc:
            self.store.record_pull_error(name, str(exc))
            log.warning("pull_failed", connector=name, error_class=exc.code, reason=exc.reason)
            return PullOutcome(name, pulled, new, acked, str(exc))
        if pulled:
            log.info("pull_done", connector=name, pulled=pulled, new=new, acknowledged=acked)
        return PullOutcome(name, pulled, new, acked)

    async def _ack(self, connector: Connector, remote_ids: list[str]) -> int:
        if not remote_ids:
            return 0
        await connector.acknowledge(remote_ids)
        self.store.mark_acked(connector.name, remote_ids)
        return len(remote_ids)

    async def pull_all(self) -> list[PullOutcome]:
        return [await self.pull_once(name) for name in self.pull_connectors()]

    def describe_connectors(self) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "title": c.title,
                "capabilities": sorted(cap.value for cap in c.capabilities),
            }
            for c in self.connectors.values()
        ]
