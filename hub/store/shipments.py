"""Shipments a carrier moves for dossiers (VNPost: connectors/bcci) and its tracking feed.

One transaction per feed page: the shipments' new states, the province updates that
tell each change, and the cursor (the last event id seen) move together, so a crash
re-reads the page and nothing is told twice or lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.connector import TrackedEvent
from hub.store.base import StoreBase, row_dict, utcnow
from hub.store.tables import province_updates, shipments, tracking_cursors

__all__ = ["ShipmentQueries"]


class ShipmentQueries(StoreBase):
    def tracking_cursor(self, connector: str) -> str | None:
        with self.read() as conn:
            return conn.execute(
                select(tracking_cursors.c.cursor).where(tracking_cursors.c.connector == connector)
            ).scalar_one_or_none()

    def store_tracking_page(
        self, connector: str, events: Sequence[TrackedEvent], cursor: str | None
    ) -> int:
        """Apply one page of the feed; returns how many province updates were queued."""
        now = utcnow()
        with self.begin() as conn:
            for event in events:
                self._apply_event(conn, connector, event, now)
                conn.execute(
                    insert(province_updates).values(
                        connector=connector,
                        ma_ho_so=event.ma_ho_so,
                        kind=event.kind,
                        trang_thai=int(event.status) if event.status is not None else None,
                        payload=event.payload,
                        created_at=now,
                    )
                )
            self._save_tracking_cursor(conn, connector, cursor, now, error=None)
        return len(events)

    def record_tracking_error(self, connector: str, error: str) -> None:
        with self.begin() as conn:
            self._save_tracking_cursor(conn, connector, None, utcnow(), error=error)

    def _apply_event(
        self, conn: Connection, connector: str, event: TrackedEvent, now: datetime
    ) -> None:
        key = and_(
            shipments.c.connector == connector,
            shipments.c.ma_ho_so == event.ma_ho_so,
            shipments.c.direction == event.direction,
        )
        current = conn.execute(select(shipments.c.events).where(key)).scalar_one_or_none()
        values: dict[str, Any] = {
            "status_code": event.status_code,
            "kind": event.kind,
            "post_office": event.post_office,
            "event_time": event.event_time,
            "updated_at": now,
        }
        if event.item_code:
            values["item_code"] = event.item_code
        if event.attention:
            values["attention"] = event.attention
        if current is None:
            conn.execute(
                insert(shipments).values(
                    connector=connector,
                    ma_ho_so=event.ma_ho_so,
                    direction=event.direction,
                    events=1,
                    **values,
                )
            )
        else:
            conn.execute(update(shipments).where(key).values(events=current + 1, **values))

    def _save_tracking_cursor(
        self,
        conn: Connection,
        connector: str,
        cursor: str | None,
        now: datetime,
        *,
        error: str | None,
    ) -> None:
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        values: dict[str, Any] = {"connector": connector, "updated_at": now}
        if error is None:
            values |= {"cursor": cursor, "last_success_at": now, "last_error": None}
        else:
            values |= {"last_error": error}
        stmt = dialect_insert(tracking_cursors).values(**values)
        update_values = {k: stmt.excluded[k] for k in values if k != "connector"}
        conn.execute(stmt.on_conflict_do_update(index_elements=["connector"], set_=update_values))

    def list_shipments(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        attention_only: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Shipments of ``connector``, most recently changed first."""
        query = select(shipments).where(shipments.c.connector == connector)
        if ma_ho_so:
            query = query.where(shipments.c.ma_ho_so == ma_ho_so)
        if attention_only:
            query = query.where(shipments.c.attention.is_not(None))
        query = query.order_by(
            shipments.c.updated_at.desc(), shipments.c.ma_ho_so, shipments.c.direction
        )
        with self.read() as conn:
            rows = conn.execute(query.limit(limit).offset(offset))
            return [row_dict(r) for r in rows]

    def shipment_history(self, connector: str, ma_ho_so: str) -> list[dict[str, Any]]:
        """Every change of the dossier's shipments told to the province, in order."""
        query = (
            select(province_updates)
            .where(
                province_updates.c.connector == connector,
                province_updates.c.ma_ho_so == ma_ho_so,
            )
            .order_by(province_updates.c.id)
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]
