"""batch.quarantine_erased_at: when the daily job erased the content of a batch's rejected
and held rows after their period (decision 0021)

Nullable and set only by the daily job (``collection.quarantine``): adding it rewrites no
row on either database.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "quarantine_erased_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_column("quarantine_erased_at")
