"""online payment (PayGov): payment_transactions and payment_notices

Revision ID: 0008_payment
Revises: 0008_console
Create Date: 2026-11-30

Named ``0008_payment`` (not ``0008``) so that another branch's 0008 can be chained
before or after it by changing ``down_revision`` only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_payment"
down_revision = "0008_console"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "payment_transactions",
        sa.Column("ma_tham_chieu", sa.String(length=50), nullable=False),
        sa.Column("connector", sa.String(length=50), nullable=False),
        sa.Column("ma_ho_so", sa.String(length=64), nullable=False),
        sa.Column("job_id", _ID, nullable=True),
        sa.Column("so_tien", sa.BigInteger(), nullable=False),
        sa.Column("fees", _JSON, nullable=False),
        sa.Column("payment_url", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=True),
        sa.Column("ma_giao_dich", sa.String(length=100), nullable=True),
        sa.Column("ma_ngan_hang", sa.String(length=50), nullable=True),
        sa.Column("queried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt", sa.LargeBinary(), nullable=True),
        sa.Column("receipt_sha256", sa.String(length=64), nullable=True),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ma_tham_chieu", name=op.f("pk_payment_transactions")),
    )
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_transactions_ma_ho_so"), ["ma_ho_so"], unique=False
        )
        batch_op.create_index(
            "ix_payment_transactions_state_requested", ["state", "requested_at"], unique=False
        )
    op.create_table(
        "payment_notices",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("connector", sa.String(length=50), nullable=False),
        sa.Column("ma_tham_chieu", sa.String(length=50), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ma_loi", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_notices")),
    )
    with op.batch_alter_table("payment_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_notices_ma_tham_chieu"), ["ma_tham_chieu"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_notices_ma_tham_chieu"))
    op.drop_table("payment_notices")
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_transactions_state_requested")
        batch_op.drop_index(batch_op.f("ix_payment_transactions_ma_ho_so"))
    op.drop_table("payment_transactions")
