"""Pulls and the inbox: dossiers filed at a ministry, and the pull cursors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from hub.models import Dossier
from hub.store.base import (
    LIKE_ESCAPE,
    DeadlineFor,
    StoreBase,
    excerpt,
    like_prefix,
    party_names,
    row_dict,
    utcnow,
)
from hub.store.tables import (
    dossiers,
    inbox,
    jobs,
    pull_cursors,
)

__all__ = ["InboxQueries"]


class InboxQueries(StoreBase):
    def get_cursor(self, connector: str) -> str | None:
        with self.read() as conn:
            return conn.execute(
                select(pull_cursors.c.cursor).where(pull_cursors.c.connector == connector)
            ).scalar()

    def store_pulled(
        self,
        connector: str,
        items: Sequence[Any],
        cursor: str | None,
        *,
        now: datetime | None = None,
        deadline_for: DeadlineFor | None = None,
    ) -> int:
        """Keep pulled dossiers in the inbox and the mirror, and move the cursor, atomically.

        Returns how many were new. A repeat (same connector and remote id) whose dossier
        changed at the ministry (status, result files) replaces the inbox snapshot, and
        the mirror's while the province has sent no event about it; an unchanged repeat
        is ignored.
        """
        now = now or utcnow()
        deadline_for = deadline_for or self.deadline_for
        new = mirrored = refreshed = 0
        with self.begin() as conn:
            for item in items:
                dossier: Dossier = item.dossier
                snapshot = dossier.model_dump(mode="json")
                known = self._refresh_pulled(conn, connector, item, snapshot, now)
                if known is not None:
                    refreshed += known
                    continue
                result = conn.execute(
                    self._insert_ignore(inbox)
                    .values(
                        connector=connector,
                        remote_id=item.remote_id,
                        ma_ho_so=dossier.ma_ho_so,
                        ma_tthc=dossier.ma_tthc,
                        state="lookup" if getattr(item, "lookup_only", False) else "new",
                        snapshot=snapshot,
                        raw_excerpt=excerpt(item.raw_excerpt, party_names(dossier)),
                        pulled_at=now,
                    )
                    .returning(inbox.c.id)
                ).first()
                if result is not None:
                    new += 1
                    created = conn.execute(
                        self._insert_ignore(dossiers)
                        .values(
                            ma_ho_so=dossier.ma_ho_so,
                            ma_tthc=dossier.ma_tthc,
                            trang_thai=int(dossier.trang_thai),
                            origin=dossier.origin.value,
                            origin_system=dossier.origin_system or connector,
                            last_sequence=0,
                            snapshot=snapshot,
                            created_at=now,
                            updated_at=now,
                            **self._mirror_deadline(dossier, now, deadline_for),
                        )
                        .returning(dossiers.c.ma_ho_so)
                    ).first()
                    mirrored += created is not None
            self._save_cursor(conn, connector, cursor, now, error=None)
        # The inbox is not a hot table; the mirror rows a pull inserts or rewrites are.
        self._wrote_hot_rows(inserted=mirrored, rewritten=refreshed)
        return new

    def _refresh_pulled(
        self,
        conn: Connection,
        connector: str,
        item: Any,
        snapshot: dict[str, Any],
        now: datetime,
    ) -> int | None:
        """Update an already pulled dossier if it changed: the mirror rows rewritten (0 or
        1); None when it is not pulled yet. A look-up-only dossier pulled as "new" before
        (an older hub) becomes ``lookup``."""
        dossier: Dossier = item.dossier
        kept = conn.execute(
            select(inbox.c.id, inbox.c.snapshot, inbox.c.state).where(
                inbox.c.connector == connector, inbox.c.remote_id == item.remote_id
            )
        ).first()
        if kept is None:
            return None
        if getattr(item, "lookup_only", False) and kept.state == "new":
            conn.execute(update(inbox).where(inbox.c.id == kept.id).values(state="lookup"))
        if kept.snapshot == snapshot:
            return 0
        conn.execute(
            update(inbox)
            .where(inbox.c.id == kept.id)
            .values(snapshot=snapshot, ma_tthc=dossier.ma_tthc)
        )
        # The mirror follows the ministry until the province takes the dossier over.
        mirrored = conn.execute(
            update(dossiers)
            .where(dossiers.c.ma_ho_so == dossier.ma_ho_so, dossiers.c.last_sequence == 0)
            .values(snapshot=snapshot, trang_thai=int(dossier.trang_thai), updated_at=now)
        )
        return max(mirrored.rowcount, 0)

    def mark_acked(self, connector: str, remote_ids: Sequence[str]) -> None:
        if not remote_ids:
            return
        with self.begin() as conn:
            conn.execute(
                update(inbox)
                .where(inbox.c.connector == connector, inbox.c.remote_id.in_(list(remote_ids)))
                .values(acked_at=utcnow())
            )

    def unacked(self, connector: str, limit: int = 500) -> list[str]:
        """Pulled items whose acknowledgement did not reach the ministry yet."""
        with self.read() as conn:
            return list(
                conn.execute(
                    select(inbox.c.remote_id)
                    .where(inbox.c.connector == connector, inbox.c.acked_at.is_(None))
                    .order_by(inbox.c.id)
                    .limit(limit)
                ).scalars()
            )

    def record_pull_error(self, connector: str, error: str) -> None:
        with self.begin() as conn:
            self._save_cursor(conn, connector, None, utcnow(), error=error, keep_cursor=True)

    def _save_cursor(
        self,
        conn: Connection,
        connector: str,
        cursor: str | None,
        now: datetime,
        *,
        error: str | None,
        keep_cursor: bool = False,
    ) -> None:
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        values: dict[str, Any] = {"connector": connector, "updated_at": now}
        if error is None:
            values |= {"cursor": cursor, "last_success_at": now}
        else:
            values |= {"last_error": error, "last_error_at": now}
        stmt = dialect_insert(pull_cursors).values(**values)
        update_values = {k: stmt.excluded[k] for k in values if k != "connector"}
        if keep_cursor:
            update_values.pop("cursor", None)
        conn.execute(stmt.on_conflict_do_update(index_elements=["connector"], set_=update_values))

    def list_inbox(
        self,
        *,
        state: str | None = "new",
        connector: str | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        query = select(inbox).where(inbox.c.id > after_id).order_by(inbox.c.id).limit(limit)
        if state:
            query = query.where(inbox.c.state == state)
        if connector:
            query = query.where(inbox.c.connector == connector)
        with self.read() as conn:
            return [row_dict(r) for r in conn.execute(query)]

    def sent_snapshots(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        updated_since: datetime | None = None,
        page: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Mirror snapshots of the dossiers filed at the province that the hub sent to
        ``connector`` (an outbox job exists), narrowed like :meth:`search_inbox` (by the
        mirror's last update: a dossier is updated at or after its reception). Paged by
        mã hồ sơ, a short read transaction per page."""
        sent = select(jobs.c.id).where(
            jobs.c.connector == connector, jobs.c.ma_ho_so == dossiers.c.ma_ho_so
        )
        query = select(dossiers.c.ma_ho_so, dossiers.c.snapshot).where(
            dossiers.c.origin == "province", sent.exists()
        )
        if ma_ho_so:
            query = query.where(dossiers.c.ma_ho_so == ma_ho_so)
        if ma_tthc:
            query = query.where(
                or_(dossiers.c.ma_tthc == ma_tthc, dossiers.c.ma_tthc.like(ma_tthc + ".%"))
            )
        if updated_since:
            query = query.where(dossiers.c.updated_at >= updated_since)
        after = ""
        while True:
            with self.read() as conn:
                rows = conn.execute(
                    query.where(dossiers.c.ma_ho_so > after)
                    .order_by(dossiers.c.ma_ho_so)
                    .limit(page)
                ).all()
            for row in rows:
                yield row.snapshot
            if len(rows) < page:
                return
            after = rows[-1].ma_ho_so

    def search_inbox(
        self,
        connector: str,
        *,
        ma_ho_so: str | None = None,
        ma_tthc: str | None = None,
        pulled_since: datetime | None = None,
        page: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Snapshots of ``connector``'s inbox, in id order, narrowed by mã hồ sơ, a
        national mã TTHC (matching its local variants ``code.*``) and ``pulled_at``.
        Paged by id, a short read transaction per page: a caller that stops early or
        dawdles between items holds nothing."""
        query = select(inbox.c.id, inbox.c.snapshot).where(inbox.c.connector == connector)
        if ma_ho_so:
            query = query.where(inbox.c.ma_ho_so == ma_ho_so)
        if ma_tthc:
            query = query.where(
                or_(
                    inbox.c.ma_tthc == ma_tthc,
                    inbox.c.ma_tthc.like(like_prefix(ma_tthc + "."), escape=LIKE_ESCAPE),
                )
            )
        if pulled_since:
            query = query.where(inbox.c.pulled_at >= pulled_since)
        after = 0
        while True:
            with self.read() as conn:
                rows = conn.execute(
                    query.where(inbox.c.id > after).order_by(inbox.c.id).limit(page)
                ).all()
            for row in rows:
                yield row.snapshot
            if len(rows) < page:
                return
            after = rows[-1].id
