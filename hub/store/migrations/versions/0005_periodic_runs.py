"""periodic runs: each scheduled run once across hub instances; joins the 0004 branches

Revision ID: 0005
Revises: 0004_deadlines, 0004_reconcile
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = ("0004_deadlines", "0004_reconcile")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "periodic_runs",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", "slot", name=op.f("pk_periodic_runs")),
    )
    with op.batch_alter_table("periodic_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_periodic_runs_started_at"), ["started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("periodic_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_periodic_runs_started_at"))
    op.drop_table("periodic_runs")
