"""jobs(ma_ho_so, id): the console finds a dossier's jobs across connectors

Revision ID: 0008_console
Revises: 0008_bcci
Create Date: 2026-11-30

The chain index (connector, ma_ho_so, id) serves the worker, which always knows the
connector. The console's search by mã hồ sơ alone, and a dossier's timeline, do not:
SQLite skip-scans the few connectors, PostgreSQL (before 18) reads the whole table.
"""

from __future__ import annotations

from alembic import op

revision = "0008_console"
down_revision = "0008_bcci"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_dossier", "jobs", ["ma_ho_so", "id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_dossier", table_name="jobs")
