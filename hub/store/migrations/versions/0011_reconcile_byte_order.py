"""the mirror's mã hồ sơ in byte order on PostgreSQL: ix_dossiers_ma_ho_so_c

Reconciliation reads the mirror in keyset pages ordered by ``ma_ho_so COLLATE "C"``
(byte order, the same on both databases). Unless the database's own collation is "C",
the primary key's index cannot serve that order: EXPLAIN showed a sequential scan and a
sort of every routed row for each page of 5,000 (quadratic in the mirror's size). This
index on the expression serves each page as an index range. SQLite compares text
bytewise already (BINARY): its primary key serves the pages, nothing to add there.

Revision ID: 0009_reconcile_c
Revises: 0008_payment
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0009_reconcile_c"
down_revision = "0008_payment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_dossiers_ma_ho_so_c ON dossiers (ma_ho_so COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_dossiers_ma_ho_so_c")
