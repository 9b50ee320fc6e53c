"""deadlines: ngày hẹn trả, the current step and the at-risk watch on the mirror

Revision ID: 0004_deadlines
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_deadlines"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Statuses the watch ignores (refused, withdrawn, stopped, processed, returned):
#: the partial indexes leave them out, so they stay small as finished dossiers pile up.
_WATCHED = "trang_thai NOT IN (3, 7, 8, 9, 10)"


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ngay_hen_tra", utc, nullable=True))
        batch_op.add_column(sa.Column("buoc_hien_tai", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("han_buoc_hien_tai", utc, nullable=True))
        batch_op.add_column(
            sa.Column(
                "deadline_state",
                sa.String(length=16),
                server_default=sa.text("'ok'"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("apology_sent_at", utc, nullable=True))
        batch_op.add_column(sa.Column("ngay_hen_tra_moi", utc, nullable=True))
    # The watch's question: "which unfinished dossiers are due before X?"
    op.create_index(
        "ix_dossiers_watch_hen_tra",
        "dossiers",
        ["ngay_hen_tra"],
        sqlite_where=sa.text(_WATCHED),
        postgresql_where=sa.text(_WATCHED),
    )
    op.create_index(
        "ix_dossiers_watch_hen_tra_moi",
        "dossiers",
        ["ngay_hen_tra_moi"],
        sqlite_where=sa.text(_WATCHED),
        postgresql_where=sa.text(_WATCHED),
    )
    op.create_index("ix_dossiers_deadline_state", "dossiers", ["deadline_state"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_deadline_state", table_name="dossiers")
    op.drop_index("ix_dossiers_watch_hen_tra_moi", table_name="dossiers")
    op.drop_index("ix_dossiers_watch_hen_tra", table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("ngay_hen_tra_moi")
        batch_op.drop_column("apology_sent_at")
        batch_op.drop_column("deadline_state")
        batch_op.drop_column("han_buoc_hien_tai")
        batch_op.drop_column("buoc_hien_tai")
        batch_op.drop_column("ngay_hen_tra")
