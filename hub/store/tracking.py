"""Tracking what the ministries did, province updates, callbacks and the mirror."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    insert,
    or_,
    select,
    update,
)

from hub.models import Status
from hub.store.base import StoreBase, row_dict, utcnow
from hub.store.tables import (
    callback_nonces,
    dossiers,
    periodic_runs,
    province_updates,
    remote_refs,
)

__all__ = ["TrackingQueries"]


class TrackingQueries(StoreBase):
    def due_for_tracking(
        self, connector: str, *, final: Iterable[int], limit: int = 100
    ) -> list[dict[str, Any]]:
        """Dossiers pushed to ``connector`` whose ministry status is not final yet,
        least recently checked first."""
        query = (
            select(remote_refs)
            .where(
                remote_refs.c.connector == connector,
                or_(
                    remote_refs.c.remote_status.is_(None),
                    remote_refs.c.remote_status.not_in(list(final)),
                ),
            )
            .order_by(remote_refs.c.remote_checked_at.is_not(None), remote_refs.c.remote_checked_at)
            .limit(limit)
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def record_remote_status(
        self,
        connector: str,
        ma_ho_so: str,
        *,
        status: Status | None,
        raw_status: str | None,
        change: dict[str, Any] | None,
        kind: str | None,
        now: datetime | None = None,
    ) -> int | None:
        """Store what the ministry said; when it changed, queue an update for the province
        in the same transaction. Returns the update's id, or None when nothing changed."""
        now = now or utcnow()
        with self.begin() as conn:
            conn.execute(
                update(remote_refs)
                .where(remote_refs.c.connector == connector, remote_refs.c.ma_ho_so == ma_ho_so)
                .values(
                    remote_status=int(status) if status is not None else None,
                    remote_raw_status=raw_status,
                    remote_checked_at=now,
                )
            )
            if change is None or kind is None:
                return None
            return int(
                conn.execute(
                    insert(province_updates)
                    .values(
                        connector=connector,
                        ma_ho_so=ma_ho_so,
                        kind=kind,
                        trang_thai=int(status) if status is not None else None,
                        payload=change,
                        created_at=now,
                    )
                    .returning(province_updates.c.id)
                ).scalar_one()
            )

    def add_province_update(
        self,
        ma_ho_so: str,
        kind: str,
        payload: dict[str, Any],
        *,
        connector: str | None = None,
        status: Status | None = None,
    ) -> int:
        """Queue something the province must hear about (a deadline at risk, ...)."""
        with self.begin() as conn:
            return int(
                conn.execute(
                    insert(province_updates)
                    .values(
                        connector=connector,
                        ma_ho_so=ma_ho_so,
                        kind=kind,
                        trang_thai=int(status) if status is not None else None,
                        payload=payload,
                        created_at=utcnow(),
                    )
                    .returning(province_updates.c.id)
                ).scalar_one()
            )

    def list_province_updates(
        self, *, after_id: int = 0, limit: int = 100, ma_ho_so: str | None = None
    ) -> list[dict[str, Any]]:
        query = (
            select(province_updates)
            .where(province_updates.c.id > after_id)
            .order_by(province_updates.c.id)
            .limit(limit)
        )
        if ma_ho_so:
            query = query.where(province_updates.c.ma_ho_so == ma_ho_so)
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def claim_periodic(self, job: str, slot: int, owner: str, *, keep_days: float = 7) -> bool:
        """True for the one instance that gets to run ``job`` in time ``slot``."""
        now = utcnow()
        with self.begin() as conn:
            conn.execute(
                periodic_runs.delete().where(
                    periodic_runs.c.started_at < now - timedelta(days=keep_days)
                )
            )
            won = conn.execute(
                self._insert_ignore(periodic_runs)
                .values(job=job, slot=slot, owner=owner, started_at=now)
                .returning(periodic_runs.c.job)
            ).first()
        return won is not None

    def accept_callback(
        self,
        connector: str,
        nonce: str,
        updates: Sequence[tuple[str, str, dict[str, Any]]],
        *,
        forget_before: datetime,
    ) -> bool:
        """Record a callback's nonce and its province updates in one transaction.

        False (and nothing written) when the nonce was seen before: a replay.
        """
        now = utcnow()
        with self.begin() as conn:
            conn.execute(
                callback_nonces.delete().where(callback_nonces.c.received_at < forget_before)
            )
            new = conn.execute(
                self._insert_ignore(callback_nonces)
                .values(connector=connector, nonce=nonce, received_at=now)
                .returning(callback_nonces.c.nonce)
            ).first()
            if new is None:
                return False
            for ma_ho_so, kind, payload in updates:
                conn.execute(
                    insert(province_updates).values(
                        connector=connector,
                        ma_ho_so=ma_ho_so,
                        kind=kind,
                        payload=payload,
                        created_at=now,
                    )
                )
        return True

    def get_dossier(self, ma_ho_so: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(dossiers).where(dossiers.c.ma_ho_so == ma_ho_so)).first()
            return row_dict(row) if row else None
