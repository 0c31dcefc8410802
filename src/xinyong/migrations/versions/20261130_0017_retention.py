"""Retention: credit_record.conduct_ended_on and retained_until (the dates a record deleted
after its retention period keeps), credit_report.content_removed_at and
content_removed_reason (when and why an issued report's kept content was deleted)

All four are nullable and set only by the daily job (``disclosure.retention``): adding them
rewrites no row on either database.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conduct_ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("retained_until", sa.Date(), nullable=True))
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "content_removed_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("content_removed_reason", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.drop_column("content_removed_reason")
        batch_op.drop_column("content_removed_at")
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.drop_column("retained_until")
        batch_op.drop_column("conduct_ended_on")
