"""province updates and ministry status tracking

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "province_updates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("connector", sa.String(length=50), nullable=True),
        sa.Column("ma_ho_so", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("trang_thai", sa.SmallInteger(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_province_updates")),
    )
    with op.batch_alter_table("province_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_province_updates_ma_ho_so"), ["ma_ho_so"], unique=False
        )

    with op.batch_alter_table("remote_refs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote_status", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("remote_raw_status", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("remote_checked_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:

    with op.batch_alter_table("remote_refs", schema=None) as batch_op:
        batch_op.drop_column("remote_checked_at")
        batch_op.drop_column("remote_raw_status")
        batch_op.drop_column("remote_status")

    with op.batch_alter_table("province_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_province_updates_ma_ho_so"))

    op.drop_table("province_updates")
