"""The deadline watch's queries: dossiers near or past ngày hẹn trả, their state moves,
the apology's new appointment date, and the at-risk/overdue list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, insert, or_, select, text, update

from hub.store.base import LIKE_ESCAPE, StoreBase, like_prefix
from hub.store.tables import WATCHED_SQL, dossiers, jobs, province_updates

__all__ = ["ApologyPlan", "DeadlineQueries"]

#: ``plan(dossier row) -> (columns to set, audit detail, province update payload)``;
#: raises to refuse (nothing is written).
ApologyPlan = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]


class DeadlineQueries(StoreBase):
    """The named queries of :mod:`hub.deadlines`."""

    def deadline_candidates(self, bound: datetime, stopped: Sequence[int]) -> list[dict[str, Any]]:
        """Watched dossiers, not overdue yet and not in a ``stopped`` status, whose
        deadline (the apology's date when there is one) is at or before ``bound``."""
        query = select(dossiers).where(
            text(WATCHED_SQL),
            dossiers.c.trang_thai.not_in(list(stopped)),
            dossiers.c.deadline_state != "overdue",
            or_(
                and_(dossiers.c.ngay_hen_tra_moi.is_(None), dossiers.c.ngay_hen_tra <= bound),
                dossiers.c.ngay_hen_tra_moi <= bound,
            ),
        )
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def advance_deadline(
        self, row: dict[str, Any], current: str, target: str, kind: str, payload: dict[str, Any]
    ) -> int | None:
        """Move one dossier's ``deadline_state`` and queue its province update in one
        transaction; None if another watcher (or an apology) changed the row first."""
        with self.begin() as conn:
            moi = dossiers.c.ngay_hen_tra_moi
            moved = conn.execute(
                update(dossiers)
                .where(
                    dossiers.c.ma_ho_so == row["ma_ho_so"],
                    dossiers.c.deadline_state == current,
                    moi.is_(None) if row["ngay_hen_tra_moi"] is None else moi.is_not(None),
                )
                .values(deadline_state=target)
            )
            if moved.rowcount != 1:
                return None
            update_id = self._province_update(conn, row, kind, payload)
        self._wrote_hot_rows(rewritten=1)
        return update_id

    def record_apology(
        self, ma_ho_so: str, plan: ApologyPlan, *, actor: str, reason: str
    ) -> int | None:
        """Set the apology's new date, audited, with the province's update, in one
        transaction (the row locked on PostgreSQL). None: there is no such dossier."""
        with self.begin() as conn:
            query = select(dossiers).where(dossiers.c.ma_ho_so == ma_ho_so)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            found = conn.execute(query).first()
            if found is None:
                return None
            row = dict(found._mapping)
            values, detail, payload = plan(row)
            conn.execute(
                update(dossiers)
                .where(dossiers.c.ma_ho_so == ma_ho_so, dossiers.c.apology_sent_at.is_(None))
                .values(**values)
            )
            target = f"dossier {ma_ho_so}"
            self._audit(conn, actor, "apology", target, reason, 1, detail)
            update_id = self._province_update(conn, row, "appointment_rescheduled", payload)
        self._wrote_hot_rows(rewritten=1)
        return update_id

    def deadline_dossiers(
        self,
        states: Sequence[str],
        *,
        ma_tthc_prefix: str | None = None,
        connector: str | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Watched dossiers in these deadline states (sent to, or filed at, ``connector``)."""
        query = (
            select(
                dossiers.c.ma_ho_so,
                dossiers.c.ma_tthc,
                dossiers.c.trang_thai,
                dossiers.c.deadline_state,
                dossiers.c.ngay_hen_tra,
                dossiers.c.ngay_hen_tra_moi,
                dossiers.c.buoc_hien_tai,
                dossiers.c.han_buoc_hien_tai,
                dossiers.c.apology_sent_at,
                dossiers.c.origin_system,
            )
            .where(text(WATCHED_SQL), dossiers.c.deadline_state.in_(list(states)))
            .limit(limit)
        )
        if ma_tthc_prefix:
            query = query.where(
                dossiers.c.ma_tthc.like(like_prefix(ma_tthc_prefix), escape=LIKE_ESCAPE)
            )
        if connector:
            sent = exists().where(
                jobs.c.ma_ho_so == dossiers.c.ma_ho_so, jobs.c.connector == connector
            )
            query = query.where(or_(sent, dossiers.c.origin_system == connector))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _province_update(
        self, conn: Any, row: dict[str, Any], kind: str, payload: dict[str, Any]
    ) -> int:
        return int(
            conn.execute(
                insert(province_updates)
                .values(
                    ma_ho_so=row["ma_ho_so"],
                    kind=kind,
                    trang_thai=row["trang_thai"],
                    payload=payload,
                    created_at=datetime.now(UTC),
                )
                .returning(province_updates.c.id)
            ).scalar_one()
        )
