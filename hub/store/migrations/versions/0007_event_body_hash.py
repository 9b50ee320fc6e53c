"""events.body_hash: a repeated event id with a different body is refused (409)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Events stored before this revision have no hash: a repeat of one of those ids is taken
as a duplicate, as before (their bodies cannot be compared: on SQLite the offset of
their ``occurred_at`` was not kept).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("body_hash")
