"""subject accounts activated by a one-time code (decision 0031): user_account gains
activation_code_hash, activation_expires_at, activated_at

Columns only, all empty: existing accounts keep their passwords and stay as they were.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activation_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "activation_expires_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("activated_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("activated_at")
        batch_op.drop_column("activation_expires_at")
        batch_op.drop_column("activation_code_hash")
