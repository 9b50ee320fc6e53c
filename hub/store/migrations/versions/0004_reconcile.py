"""reconciliation runs and findings (issue 7)

Revision ID: 0004_reconcile
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_reconcile"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reconcile_runs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("connector", sa.String(length=50), nullable=False),
        sa.Column("period_start", sa.String(length=10), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("province_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("remote_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("matched", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("in_flight", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("repaired", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", _UTC, nullable=False),
        sa.Column("finished_at", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_runs")),
    )
    op.create_index(
        "ix_reconcile_runs_connector_id", "reconcile_runs", ["connector", "id"], unique=False
    )
    op.create_table(
        "reconcile_findings",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ma_ho_so", sa.String(length=64), nullable=False),
        sa.Column("ma_tthc", sa.String(length=64), nullable=True),
        sa.Column("province_status", sa.SmallInteger(), nullable=True),
        sa.Column("remote_status", sa.SmallInteger(), nullable=True),
        sa.Column("province_result", sa.String(length=200), nullable=True),
        sa.Column("remote_result", sa.String(length=200), nullable=True),
        sa.Column("province_updated_at", _UTC, nullable=True),
        sa.Column("remote_updated_at", _UTC, nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("repair", sa.String(length=20), nullable=True),
        sa.Column("repair_detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconcile_runs.id"],
            name=op.f("fk_reconcile_findings_run_id_reconcile_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_findings")),
    )
    op.create_index(
        "ix_reconcile_findings_run_kind",
        "reconcile_findings",
        ["run_id", "kind", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reconcile_findings_run_kind", table_name="reconcile_findings")
    op.drop_table("reconcile_findings")
    op.drop_index("ix_reconcile_runs_connector_id", table_name="reconcile_runs")
    op.drop_table("reconcile_runs")
