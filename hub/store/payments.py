"""Online payment's queries (connectors/payment): the ledger of payment attempts, the
Confirm notices, receipts, the pending sweep and the reconciliation's reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, insert, select, update

from hub.store.base import StoreBase, row_dict, utcnow
from hub.store.tables import (
    JobState,
    attempts,
    dossiers,
    events,
    jobs,
    payment_notices,
    payment_transactions,
    province_updates,
)

__all__ = ["NoticePlan", "PaymentQueries"]

#: ``plan(transaction row, dossier row or None) -> (transaction columns, dossier columns,
#: province update payload)``, called inside the transaction that applies a paid notice.
NoticePlan = Callable[
    [dict[str, Any], dict[str, Any] | None],
    tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
]

_LEDGER = [c for c in payment_transactions.c if c.name != "receipt"]


class PaymentQueries(StoreBase):
    """The named queries of the payment connector's ledger (``connectors/payment``)."""

    def unrecorded_payment_jobs(self, connector: str, limit: int = 500) -> list[dict[str, Any]]:
        """INITs that succeeded (done jobs with a MaThamChieu) not yet in the ledger, with
        the event's snapshot and time and the last successful attempt's masked reply."""
        reply = (
            select(attempts.c.response_excerpt)
            .where(attempts.c.job_id == jobs.c.id, attempts.c.outcome == "ok")
            .order_by(attempts.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                jobs.c.id.label("job_id"),
                jobs.c.remote_id,
                jobs.c.ma_ho_so,
                events.c.occurred_at,
                events.c.snapshot,
                reply.label("response_excerpt"),
            )
            .join(events, events.c.id == jobs.c.event_id)
            .where(
                jobs.c.connector == connector,
                jobs.c.state == JobState.SUCCEEDED.value,
                jobs.c.remote_id.is_not(None),
                ~exists().where(payment_transactions.c.ma_tham_chieu == jobs.c.remote_id),
            )
            .order_by(jobs.c.id)
            .limit(limit)
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def record_payment_request(self, values: dict[str, Any], update_: dict[str, Any]) -> bool:
        """Add one attempt to the ledger and tell the province its payment URL, in one
        transaction; False (nothing written) when the MaThamChieu is already there."""
        now = utcnow()
        with self.begin() as conn:
            new = conn.execute(
                self._insert_ignore(payment_transactions)
                .values(**values, created_at=now, updated_at=now)
                .returning(payment_transactions.c.ma_tham_chieu)
            ).first()
            if new is None:
                return False
            conn.execute(
                insert(province_updates).values(
                    connector=values["connector"],
                    ma_ho_so=values["ma_ho_so"],
                    kind="payment_requested",
                    payload=update_,
                    created_at=now,
                )
            )
        return True

    def get_payment(self, ma_tham_chieu: str) -> dict[str, Any] | None:
        query = select(*_LEDGER).where(payment_transactions.c.ma_tham_chieu == ma_tham_chieu)
        with self.read() as conn:
            row = conn.execute(query).first()
            return row_dict(row) if row else None

    def payments_of(self, ma_ho_so: str) -> list[dict[str, Any]]:
        query = (
            select(*_LEDGER)
            .where(payment_transactions.c.ma_ho_so == ma_ho_so)
            .order_by(payment_transactions.c.requested_at)
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def payments_requested_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Attempts requested or paid in ``[start, end)`` (UTC): the reconciliation's side."""
        c = payment_transactions.c
        query = select(*_LEDGER).where(
            (and_(c.requested_at >= start, c.requested_at < end))
            | (and_(c.paid_at >= start, c.paid_at < end))
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query.order_by(c.requested_at))]

    def log_payment_notice(
        self,
        connector: str,
        ma_tham_chieu: str | None,
        outcome: str,
        ma_loi: str,
        reason: str | None,
        body: str | None,
    ) -> None:
        """Keep a notice that changed nothing (refused); applied ones are kept by
        :meth:`apply_payment_notice` in its own transaction."""
        with self.begin() as conn:
            conn.execute(
                insert(payment_notices).values(
                    connector=connector,
                    ma_tham_chieu=ma_tham_chieu,
                    received_at=utcnow(),
                    outcome=outcome,
                    ma_loi=ma_loi,
                    reason=reason,
                    body=body,
                )
            )

    def apply_payment_notice(
        self, connector: str, ma_tham_chieu: str, body: str, plan: NoticePlan
    ) -> str | None:
        """Apply a paid notice once: ``applied`` (the ledger, the mirror's ngày hẹn trả and
        the province's ``paid`` update written together), ``duplicate`` (already paid:
        nothing changes), or None when the MaThamChieu is unknown. The notice is kept."""
        now = utcnow()
        mirrored = 0
        with self.begin() as conn:
            query = select(*_LEDGER).where(payment_transactions.c.ma_tham_chieu == ma_tham_chieu)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            found = conn.execute(query).first()
            if found is None:
                return None
            tx = row_dict(found)
            outcome = "duplicate" if tx["state"] == "paid" else "applied"
            if outcome == "applied":
                mirror = conn.execute(
                    select(dossiers).where(dossiers.c.ma_ho_so == tx["ma_ho_so"])
                ).first()
                tx_values, dossier_values, payload = plan(tx, row_dict(mirror) if mirror else None)
                conn.execute(
                    update(payment_transactions)
                    .where(payment_transactions.c.ma_tham_chieu == ma_tham_chieu)
                    .values(**tx_values, updated_at=now)
                )
                if mirror is not None and dossier_values:
                    conn.execute(
                        update(dossiers)
                        .where(dossiers.c.ma_ho_so == tx["ma_ho_so"])
                        .values(**dossier_values)
                    )
                    mirrored = 1
                conn.execute(
                    insert(province_updates).values(
                        connector=connector,
                        ma_ho_so=tx["ma_ho_so"],
                        kind="paid",
                        trang_thai=mirror._mapping["trang_thai"] if mirror else None,
                        payload=payload,
                        created_at=now,
                    )
                )
            conn.execute(
                insert(payment_notices).values(
                    connector=connector,
                    ma_tham_chieu=ma_tham_chieu,
                    received_at=now,
                    outcome=outcome,
                    ma_loi="00",
                    body=body,
                )
            )
        self._wrote_hot_rows(rewritten=mirrored)
        return outcome

    def payment_notices(self, ma_tham_chieu: str) -> list[dict[str, Any]]:
        query = (
            select(payment_notices)
            .where(payment_notices.c.ma_tham_chieu == ma_tham_chieu)
            .order_by(payment_notices.c.id)
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def stale_pending_payments(self, before: datetime) -> list[dict[str, Any]]:
        """Pending attempts requested before ``before`` and not yet reported."""
        c = payment_transactions.c
        query = select(*_LEDGER).where(
            c.state == "pending", c.requested_at < before, c.reported_at.is_(None)
        )
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query.order_by(c.requested_at))]

    def report_pending_payment(
        self, ma_tham_chieu: str, values: dict[str, Any], payload: dict[str, Any] | None
    ) -> bool:
        """Record a QUERY's outcome on a pending attempt (and, with ``payload``, tell the
        province it is still unpaid) once; False when it is no longer pending."""
        now = utcnow()
        with self.begin() as conn:
            c = payment_transactions.c
            moved = conn.execute(
                update(payment_transactions)
                .where(c.ma_tham_chieu == ma_tham_chieu, c.state == "pending")
                .values(**values, updated_at=now)
                .returning(c.ma_ho_so, c.connector)
            ).first()
            if moved is None:
                return False
            if payload is not None:
                conn.execute(
                    insert(province_updates).values(
                        connector=moved.connector,
                        ma_ho_so=moved.ma_ho_so,
                        kind="payment_overdue",
                        payload=payload,
                        created_at=now,
                    )
                )
        return True

    def paid_without_receipt(self, limit: int = 100) -> list[dict[str, Any]]:
        c = payment_transactions.c
        query = select(*_LEDGER).where(c.state == "paid", c.receipt_sha256.is_(None))
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query.order_by(c.paid_at).limit(limit))]

    def store_receipt(self, ma_tham_chieu: str, pdf: bytes, sha256: str) -> bool:
        with self.begin() as conn:
            done = conn.execute(
                update(payment_transactions)
                .where(payment_transactions.c.ma_tham_chieu == ma_tham_chieu)
                .values(receipt=pdf, receipt_sha256=sha256, receipt_at=utcnow())
            )
            return done.rowcount == 1

    def get_receipt(self, ma_tham_chieu: str) -> tuple[bytes, str] | None:
        c = payment_transactions.c
        query = select(c.receipt, c.receipt_sha256).where(c.ma_tham_chieu == ma_tham_chieu)
        with self.read() as conn:
            row = conn.execute(query).first()
        if row is None or row.receipt is None:
            return None
        return bytes(row.receipt), str(row.receipt_sha256)
